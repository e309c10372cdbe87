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
    start: int
    end: int


@lru_cache(maxsize=50_000)
def _ru_parse(word: str) -> tuple[str, str | None, str | None]:
    parse = analyser().parse(word)[0]
    tag = parse.tag
    tense = next((t for t in ("futr", "past", "pres") if t in tag), None)
    return str(parse.normal_form).replace("ё", "е"), tag.POS, tense


def tokenise(sentence: str) -> list[Token]:
    out: list[Token] = []
    for m in TOKEN.finditer(sentence):
        word = m.group()
        lower = word.lower().replace("’", "'")
        if CYRILLIC.search(word):
            lemma, pos, tense = _ru_parse(lower)
        else:
            lemma, pos, tense = lower, None, None
        out.append(Token(word, lower, lemma, pos, tense, m.start(), m.end()))
    return out
