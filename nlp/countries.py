"""Countries named in RU/EN text by name, adjective, demonym or capital, language-independently.

"A Japanese association" and "южнокорейская ассоциация" must compare as Japan vs South Korea,
and "Chinese" must meet "Китай", "китайский" or "Пекин". Every country's names and capital come
from the gazetteer (`nlp.gazetteer`, built from CLDR, ISO 3166 and GeoNames); what names do
not cover — adjectives, demonyms, short forms — is general vocabulary kept as word-initial stems
in `data/countries.json`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypedDict, cast

from nlp import gazetteer
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


def _stem_mentions(text: str) -> list[tuple[int, int, str]]:
    """Stem matches, extended to the word's end; one inside another country's longer stem is
    not a mention ("Корея" of "Северная Корея")."""
    spans = []
    for country, pattern in _patterns():
        for m in pattern.finditer(text):
            word = re.match(r"\w*", text[m.end() :])
            hyphenated = re.match(r"[\w-]*", text[m.end() :])
            spans.append(
                (
                    m.start(),
                    m.end() + (word.end() if word else 0),
                    country,
                    m.end() + (hyphenated.end() if hyphenated else 0),
                )
            )
    return [
        (start, written_end, country)
        for start, end, country, written_end in spans
        if not any(
            s <= start and end <= e and e - s > end - start and c != country
            for s, e, c, _ in spans
        )
    ]


def country_mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, country) for every country the text names, in text order.

    A stem inside a longer name of a place elsewhere does not count: "New Mexico" is a US
    state, "Nizhny Novgorod" no country at all.
    """
    places = gazetteer.find(text)
    found: set[tuple[int, int, str]] = set()
    for m in places:
        geo = gazetteer.place(m.place)
        country = geo and (geo.name_en if geo.kind == "country" else geo.capital_of)
        if country:
            found.add((m.start, m.end, country))
    for start, end, country in _stem_mentions(text):
        inside = [
            p
            for p in places
            if p.start <= start and end <= p.end and p.end - p.start > end - start
        ]
        if any(country not in gazetteer.lineage(p.place) for p in inside):
            continue
        if not any(s <= start < e and c == country for s, e, c in found):
            found.add((start, end, country))
    return sorted(found)


def find_countries(text: str) -> list[tuple[str, str]]:
    """(country, the words as written) for every country the text names, in text order.

    "российско-китайский" names both Russia and China; "английский язык" counts as the UK,
    which is why callers compare countries only between statements on one topic.
    """
    return [(country, text[start:end]) for start, end, country in country_mentions(text)]


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
