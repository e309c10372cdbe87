"""Sentences with exact offsets: razdel per paragraph, plus a cut where scraped text lost a space.

razdel knows Russian abbreviations and initials ("17 тыс. предприятий", "А. Петров", "в 2020 г.
в Москве"), where regex splitters cut sentences in the middle; a sentence never crosses a
paragraph break ("\\n\\n"), so a quote never glues two paragraphs.
"""

from __future__ import annotations

import itertools
import re

from razdel import sentenize

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

Span = tuple[int, int]


def paragraph_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for match in PARAGRAPH_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


# Scraped text often loses the space after a full stop ("сотрудничества.По словам"): razdel
# keeps such pairs together, so they are cut where a word of 2+ lower-case letters ends with
# sentence punctuation and an upper-case letter follows at once.
_GLUED = re.compile(r"(?:(?<=[a-zа-яё]{2}[.!?])|(?<=[»\"”][.!?]))(?=[A-ZА-ЯЁ][a-zа-яё])")


def _unglue(text: str, start: int, end: int) -> list[Span]:
    cuts = [start, *(start + m.start() for m in _GLUED.finditer(text[start:end])), end]
    return [(a, b) for a, b in itertools.pairwise(cuts) if text[a:b].strip()]


def split_sentences(text: str) -> list[Span]:
    """(start, end) offsets of the sentences of `text`; none crosses a paragraph break."""
    spans: list[Span] = []
    for p_start, p_end in paragraph_spans(text):
        for sentence in sentenize(text[p_start:p_end]):
            if sentence.text.strip():
                spans.extend(_unglue(text, p_start + sentence.start, p_start + sentence.stop))
    return spans
