"""Countries named in RU/EN text by name, adjective, demonym or capital, language-independently.

"A Japanese association" and "южнокорейская ассоциация" must compare as Japan vs South Korea,
and "Chinese" must meet "Китай", "китайский" or "Пекин": each country is a set of word-initial
stems in both languages. Only countries, their adjectives and capitals are listed (the general
vocabulary of news), never places of a particular article. The table is `data/countries.json`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypedDict, cast

from nlp.resources import load_json


class _Table(TypedDict):
    stems: dict[str, list[str]]  # canonical name -> word-initial stems, lower case, any ending
    exact_words: dict[str, list[str]]  # stems so short the whole word must be one of these
    word_end_acronyms: list[str]  # "рф", "сша": need a word end


def _table() -> _Table:
    return cast(_Table, load_json("countries"))


# Latin stems are whole words plus a demonym or plural ending ("Japanese", "Koreans").
_LATIN_ENDING = r"(?:n|ns|an|ans|ian|ians|ese|ish|s|'s|’s)?(?![\w])"


def _stem_pattern(stem: str) -> str:
    exact = _table()["exact_words"].get(stem)
    if exact:
        return r"(?<![\w-])(?:" + "|".join(map(re.escape, exact)) + r")(?![\w-])"
    body = re.escape(stem).replace(r"\ ", r"\s+")
    if re.match(r"[a-z]", stem):
        return rf"(?<![\w]){body}{_LATIN_ENDING}"
    # Russian acronyms need a word end; other stems take any ending ("китайскую").
    tail = r"(?![\w])" if stem in _table()["word_end_acronyms"] else r""
    return rf"(?<![\w]){body}{tail}"


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (country, re.compile("|".join(_stem_pattern(s) for s in stems), re.IGNORECASE))
        for country, stems in _table()["stems"].items()
    ]


def find_countries(text: str) -> list[tuple[str, str]]:
    """(country, the words as written) for every country the text names, in text order.

    "российско-китайский" names both Russia and China; "английский язык" counts as the UK,
    which is why callers compare countries only between statements on one topic.
    """
    found: list[tuple[int, str, str]] = []
    for country, pattern in _patterns():
        for m in pattern.finditer(text):
            word_end = re.match(r"[\w-]*", text[m.end() :])
            end = m.end() + (word_end.end() if word_end else 0)
            found.append((m.start(), country, text[m.start() : end]))
    found.sort()
    return [(country, written) for _, country, written in found]


def countries(text: str) -> frozenset[str]:
    return frozenset(c for c, _ in find_countries(text))


def only_countries(text: str) -> list[str]:
    """The countries a name consists of and nothing else ("Пекин", "South Korea", "Россия и
    Китай"); [] for a name with another word of three or more letters ("Пекинский вуз")."""
    found = find_countries(text)
    rest = text
    for _, written in found:
        rest = rest.replace(written, "")
    return [] if re.search(r"[^\W\d_]{3,}", rest) else [country for country, _ in found]
