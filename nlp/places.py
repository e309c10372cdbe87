"""Places named in RU/EN text: countries (via `nlp.countries`) plus cities and regions under them.

A subscription to "China" must fire on an article that only says "Шэньчжэнь" or "Пекин", while
a subscription to "Beijing" must not fire on Shenzhen, and "Ленинградская область" must not fire
on Moscow. So places form a small tree (country -> region -> city); a topic naming a place
matches that place or anything under it, never its parent or siblings.

Countries come from `nlp.countries` (owned elsewhere); this table (`data/places.json`) only
adds the cities and regions that innovation news keeps naming, with their country, and fixes two
readings that matter for subscriptions: "Северная Корея"/"North Korea" is not South Korea, and
"английский язык"/"English language" is not the United Kingdom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict, cast

from nlp.countries import find_countries, only_countries
from nlp.resources import load_json


@dataclass(frozen=True)
class Place:
    name_en: str
    name_ru: str
    parent: str | None  # name_en of the region or country it lies in
    stems: tuple[str, ...]  # word-initial, lower case; a space stands for any separator


class _Table(TypedDict):
    places: list[dict[str, Any]]  # the fields of `Place`
    country_adjectives: dict[str, list[str]]  # Russian adjectives `nlp.countries` misses
    country_ru: dict[str, str]  # Russian names of the countries of `nlp.countries`
    capitals_en: dict[str, str]  # Russian -> English names of capitals read as their country


def _raw() -> _Table:
    return cast(_Table, load_json("places"))


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Place], dict[str, tuple[str, ...]], dict[str, str]]:
    """Cities and regions by English name, extra country adjectives, Russian country names."""
    raw = _raw()
    places = {
        p["name_en"]: Place(p["name_en"], p["name_ru"], p["parent"], tuple(p["stems"]))
        for p in raw["places"]
    }
    adjectives = {k: tuple(v) for k, v in raw["country_adjectives"].items()}
    return places, adjectives, raw["country_ru"]


# Rewrites applied before country lookup (see the module docstring); same length keeps offsets.
_NORTH_KOREA = re.compile(
    r"(?<![\w])(?:северн\w*[\s-]+коре\w*|north[\s-]+korea\w*|democratic\s+people'?s\s+republic"
    r"\s+of\s+korea|корейск\w*\s+народно[\s-]+демократическ\w*)",
    re.IGNORECASE,
)
_LANGUAGE = re.compile(
    r"(?<![\w])(?:английск\w*(?:\s+и\s+\w+)?\s+язык\w*|english(?:\s+and\s+\w+)?\s+language\w*"
    r"|(?:на|in)\s+английском|in\s+english)",
    re.IGNORECASE,
)


def _masked(text: str) -> str:
    text = _NORTH_KOREA.sub(lambda m: "кндр".ljust(len(m.group())), text)
    return _LANGUAGE.sub(lambda m: " " * len(m.group()), text)


def _stem_regex(stem: str) -> str:
    body = r"[\s.\-]+".join(re.escape(part) for part in re.split(r"[\s\-]+", stem))
    if re.match(r"[a-z]", stem):  # Latin: whole word plus a demonym / possessive ending
        return rf"(?<![\w]){body}(?:s|'s|’s|ese|an|ans)?(?![\w])"
    return rf"(?<![\w]){body}"


@lru_cache(maxsize=1)
def _place_patterns() -> list[tuple[str, re.Pattern[str]]]:
    places, adjectives, _ = _table()
    named = [(p.name_en, p.stems) for p in places.values()] + list(adjectives.items())
    return [
        (name, re.compile("|".join(_stem_regex(s) for s in stems), re.IGNORECASE))
        for name, stems in named
    ]


@dataclass(frozen=True)
class Mention:
    """One place named in a text: the place (canonical English name) and the words as written."""

    place: str
    written: str
    start: int
    end: int


def _word_end(text: str, end: int) -> int:
    m = re.match(r"[\w-]*", text[end:])
    return end + (m.end() if m else 0)


def find_places(text: str) -> list[Mention]:
    """Every country, region and city the text names, in text order (overlaps kept)."""
    masked = _masked(text)
    found: list[Mention] = []
    for place, pattern in _place_patterns():
        for m in pattern.finditer(masked):
            end = _word_end(text, m.end())
            found.append(Mention(place, text[m.start() : end], m.start(), end))
    cursor = 0
    for country, written in find_countries(masked):
        start = masked.find(written, cursor)
        if start < 0:
            start = masked.lower().find(written.lower())
        if start < 0:
            continue
        cursor = start
        end = start + len(written)
        if text[start:end].lower() != written.lower():  # a masked "North Korea": show it whole
            nk = _NORTH_KOREA.match(text, start)
            end = nk.end() if nk else end
        found.append(Mention(country, text[start:end], start, end))
    # "Московской области" names Moscow Region, not Moscow: a city or region read inside a longer
    # city or region name of another place is dropped.
    local = [m for m in found if is_city_or_region(m.place)]
    found = [
        m
        for m in found
        if not is_city_or_region(m.place)
        or not any(
            o.place != m.place
            and o.start <= m.start
            and m.end <= o.end
            and o.end - o.start > m.end - m.start
            for o in local
        )
    ]
    found.sort(key=lambda m: (m.start, -m.end))
    return found


def ancestors(place: str) -> list[str]:
    """The place, then the region and country it lies in."""
    chain = [place]
    while (p := _table()[0].get(chain[-1])) is not None and p.parent and len(chain) < 6:
        chain.append(p.parent)
    return chain


def is_city_or_region(place: str) -> bool:
    return place in _table()[0]


def name_ru(place: str) -> str:
    places, _, country_ru = _table()
    p = places.get(place)
    return p.name_ru if p else country_ru.get(place, place)


def topic_places(topic: str) -> tuple[list[str], str]:
    """The places a topic names (most specific reading) and the topic text left without them.

    "Beijing" is the city, not China, although `nlp.countries` counts Beijing as China: where a
    city or region mention overlaps a country mention, the city or region wins.
    """
    mentions = find_places(topic)
    cities = [m for m in mentions if is_city_or_region(m.place)]
    chosen: list[Mention] = list(cities)
    for m in mentions:
        if is_city_or_region(m.place):
            continue
        if any(c.start < m.end and m.start < c.end for c in cities):
            continue
        chosen.append(m)
    rest = topic
    for m in sorted(chosen, key=lambda m: m.start, reverse=True):
        rest = rest[: m.start] + " " + rest[m.end :]
    places = list(dict.fromkeys(m.place for m in sorted(chosen, key=lambda m: m.start)))
    return places, " ".join(rest.split())


def mentions_of(place: str, text: str) -> list[Mention]:
    """Mentions in `text` of `place` or of anything lying in it ("China" <- "Шэньчжэнь")."""
    return [m for m in find_places(text) if place in ancestors(m.place)]


@lru_cache(maxsize=1)
def _english_names() -> dict[str, str]:
    raw = _raw()
    names = {ru.lower(): en for en, ru in raw["country_ru"].items()}
    names.update({ru.lower(): en for ru, en in raw["capitals_en"].items()})
    names.update({p["name_ru"].lower(): p["name_en"] for p in raw["places"]})
    return names


def english_name(written: str) -> str | None:
    """The English name of a place written alone in Russian ("Пекин" -> "Beijing"), else None.

    A name that is a country's word and nothing else ("Китая", "КНР") is that country.
    """
    known = _english_names().get(written.strip().lower())
    if known:
        return known
    found = only_countries(written)
    return found[0] if len(found) == 1 else None
