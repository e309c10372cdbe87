"""Named entities in answer sentences: natasha for Russian, capitalised runs for English.

natasha's news NER finds nothing in English text, so English sentences use a conservative
capitalised-word heuristic that skips the sentence-initial word and common function words.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import iuliia
from babel.dates import get_day_names, get_month_names

from nlp.chinese import pinyin_name
from nlp.names import capitalised_runs
from nlp.stopwords import EN_FUNCTION_WORDS
from nlp.titles import english_title_alternation

_DEMONYM = re.compile(r"(ian|ese|ish|ean|ic)$")


@lru_cache(maxsize=1)
def _calendar_words() -> frozenset[str]:
    """English weekday and month names (babel's CLDR data): "the fund said on Thursday" names
    no one who said anything."""
    names = [*get_day_names("wide", locale="en").values()]
    names += get_month_names("wide", locale="en").values()
    return frozenset(str(n) for n in names)


@lru_cache(maxsize=1)
def _person_titles() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{english_title_alternation()})\.?\s+")


@dataclass(frozen=True)
class Entity:
    kind: str  # "PER" | "ORG" | "LOC" | "NAME" (English heuristic: person or organisation)
    text: str  # as written in the sentence
    normal: str  # nominative form (Russian) or the text itself
    start: int
    end: int


def latin(name: str) -> str:
    """Latin rendering of a Cyrillic name: Pinyin for a Chinese name ("Zhao Changshan"),
    otherwise the Wikipedia scheme ("Sergey Sobyanin")."""
    if not re.search(r"[А-Яа-яЁё]", name):
        return name
    return pinyin_name(name) or str(iuliia.WIKIPEDIA.translate(name))


def english_entities(text: str) -> list[Entity]:
    found: list[Entity] = []
    for start, end in capitalised_runs(text):
        words = text[start:end]
        first = words.split()[0]
        if first.lower() in EN_FUNCTION_WORDS:
            rest = words[len(first) :].lstrip()
            if not rest:
                continue
            start = end - len(rest)
            words = rest
        titles = list(_person_titles().finditer(words))
        if titles:  # "Moscow Mayor Sergey Sobyanin" -> the person after the last title word
            cut = titles[-1].end()
            start += cut
            words = words[cut:]
        if len(words) < 2 or (start == 0 and " " not in words):
            continue
        if " " not in words and _DEMONYM.search(words):
            continue  # "Russian", "Chinese": adjectives of nationality, not names
        if " " not in words and words in _calendar_words():
            continue
        found.append(Entity("NAME", words, words, start, start + len(words)))
    return found


class RussianNer:
    """Lazily loaded natasha pipeline (about 1-3 s); thread-safe for the bot's workers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _models(self) -> dict[str, Any]:
        from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

        emb = NewsEmbedding()
        return {
            "segmenter": Segmenter(),
            "ner": NewsNERTagger(emb),
            "morph": NewsMorphTagger(emb),
            "vocab": MorphVocab(),
        }

    def entities(self, text: str) -> list[Entity]:
        from natasha import Doc

        with self._lock:
            models = self._models
            doc = Doc(text)
            doc.segment(models["segmenter"])
            doc.tag_ner(models["ner"])
            doc.tag_morph(models["morph"])
            out: list[Entity] = []
            for span in doc.spans:
                span.normalize(models["vocab"])
                out.append(
                    Entity(span.type, span.text, span.normal or span.text, span.start, span.stop)
                )
            return out


def find_entities(text: str, language: str, ner: RussianNer) -> list[Entity]:
    return ner.entities(text) if language == "ru" else english_entities(text)
