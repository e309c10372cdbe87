"""The role written before a person's name ("директор завода Пётр Ильин").

Russian news names people with their position in front, in the nominative: the phrase is read
backwards from the name while words are nouns, adjectives, abbreviations or Latin names, and is
kept only if its first word is a nominative noun (which rejects "под руководством", "мэра").
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlp.morph import analyser

_TOKEN = re.compile(r"[\w-]+|[^\w\s]", re.UNICODE)
_MAX_WORDS = 7
_ROLE_POS = {"NOUN", "ADJF", "ADJS", "PRTF"}


@lru_cache(maxsize=20_000)
def _parse(word: str) -> tuple[str | None, bool, bool]:
    """(part of speech, can be a nominative noun, can be a nominative adjective)."""
    parses = analyser().parse(word)
    likely = [p for p in parses if p.score >= 0.1]
    return (
        parses[0].tag.POS,
        any(p.tag.POS == "NOUN" and "nomn" in p.tag for p in likely),
        any(p.tag.POS == "ADJF" and "nomn" in p.tag for p in likely),
    )


def _opens_role(words: list[str]) -> bool:
    """Whether the words start with nominative adjectives, then a nominative noun."""
    for word in words:
        if not re.fullmatch(r"[а-яё-]+", word):
            return False
        _, noun, adjective = _parse(word)
        if noun:
            return True
        if not adjective:
            return False
    return False


def _role_word(word: str) -> bool:
    if re.fullmatch(r"[A-Za-z][\w-]*", word) or re.fullmatch(r"[А-ЯЁ]{2,}", word):
        return True  # Latin names (Acme Group) and abbreviations (МГУ) inside a role
    pos, _, _ = _parse(word.lower())
    return pos in _ROLE_POS


def role_before(sentence: str, start: int) -> str | None:
    """The role phrase that ends right before `sentence[start:]`, or None."""
    words = list(_TOKEN.finditer(sentence[:start]))
    taken: list[re.Match[str]] = []
    for m in reversed(words):
        if len(taken) == _MAX_WORDS or not _role_word(m.group()):
            break
        taken.append(m)
    # The phrase must open with a nominative noun (adjectives may precede it).
    while taken and not _opens_role([m.group() for m in reversed(taken)]):
        taken.pop()
    if not taken:
        return None
    return sentence[taken[-1].start() : taken[0].end()]
