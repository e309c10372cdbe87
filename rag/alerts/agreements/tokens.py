"""Sentence tokens with their lemma, part of speech and tense (pymorphy3 for Russian)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from nlp.morph import analyser
from rag.alerts.agreements.lexicon import CYRILLIC, TOKEN


@dataclass(frozen=True)
class Token:
    text: str
    lower: str
    lemma: str
    pos: str | None
    tense: str | None  # "futr" | "past" | "pres" | None
    subject: bool  # a Russian noun or pronoun that can be in the nominative
    start: int
    end: int


@lru_cache(maxsize=50_000)
def _ru_parse(word: str) -> tuple[str, str | None, str | None, bool]:
    parses = analyser().parse(word)
    tag = parses[0].tag
    tense = next((t for t in ("futr", "past", "pres") if t in tag), None)
    subject = any(p.tag.POS in ("NOUN", "NPRO") and "nomn" in p.tag for p in parses)
    return str(parses[0].normal_form).replace("ё", "е"), tag.POS, tense, subject


def tokenise(sentence: str) -> list[Token]:
    out: list[Token] = []
    for m in TOKEN.finditer(sentence):
        word = m.group()
        lower = word.lower().replace("’", "'")
        if CYRILLIC.search(word):
            lemma, pos, tense, subject = _ru_parse(lower)
        else:
            lemma, pos, tense, subject = lower, None, None, False
        out.append(Token(word, lower, lemma, pos, tense, subject, m.start(), m.end()))
    return out
