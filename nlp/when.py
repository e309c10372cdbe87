"""Time expressions that answer "when?" questions, and their English rendering.

A Russian source answers an English question with "21 сентября 2020" or "в декабре"; the short
answer must read "21 September 2020" / "in December" (the quote keeps the original), just as
names are rendered in Latin script.
"""

from __future__ import annotations

import re

from nlp.dates import EN_MONTH_WORD, RU_MONTH_WORD

_RU_MONTHS = (
    ("январ", "January"), ("феврал", "February"), ("март", "March"), ("апрел", "April"),
    ("ма", "May"), ("июн", "June"), ("июл", "July"), ("август", "August"),
    ("сентябр", "September"), ("октябр", "October"), ("ноябр", "November"),
    ("декабр", "December"),
)  # fmt: skip
_YEAR = r"(?:19|20)\d\d"

# Longest forms first: a full date before a month alone, a month before a bare year.
TIME_EXPRESSION = re.compile(
    rf"\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
    rf"|\b\d{{1,2}}\s+{RU_MONTH_WORD}(?:\s+{_YEAR}(?:\s*(?:года|г\.))?)?"
    rf"|\b{EN_MONTH_WORD}\s+\d{{1,2}},?\s+{_YEAR}|\b\d{{1,2}}\s+{EN_MONTH_WORD}\s+{_YEAR}"
    rf"|\b(?:в|до|с|к)\s+{RU_MONTH_WORD}(?:\s+{_YEAR}\s*(?:года|г\.)?)?"
    rf"|\b(?:in|by|until|since)\s+{EN_MONTH_WORD}(?:\s+{_YEAR})?"
    rf"|\b(?:в|с|до|к|in|since|by|until)\s+{_YEAR}(?:[-–](?:19|20)?\d\d)?\s*(?:год\w*|гг?\.)?",
    re.IGNORECASE,
)

_PREPOSITIONS = {"в": "in", "до": "by", "с": "since", "к": "by"}


def _month_en(word: str) -> str | None:
    w = word.lower()
    if w in ("мае", "май", "мая"):
        return "May"
    for stem, name in _RU_MONTHS:
        if stem != "ма" and w.startswith(stem):
            return name
    return None


def english_time(expression: str) -> str:
    """An English rendering of a Russian time expression; English input comes back as is."""
    if not re.search(r"[А-Яа-яЁё]", expression):
        return expression
    words = re.sub(r"\s*(?:года|год\w*|гг?\.|г\.)\s*$", "", expression.strip()).split()
    out: list[str] = []
    for i, word in enumerate(words):
        lower = word.lower()
        if i == 0 and lower in _PREPOSITIONS:
            out.append(_PREPOSITIONS[lower])
        elif (month := _month_en(word)) is not None:
            out.append(month)
        else:
            out.append(word)
    return " ".join(out)
