"""Places named in RU/EN text: countries, regions and cities, each under the country it lies in.

A subscription to "China" must fire on an article that only says "Шэньчжэнь" or "Пекин", while
a subscription to "Beijing" must not fire on Shenzhen, and "Ленинградская область" must not fire
on Moscow. So places form a tree (country -> region or city); a topic naming a place matches
that place or anything under it, never its parent or siblings. The places come from the
gazetteer (`nlp.gazetteer`: GeoNames cities, ISO 3166 regions, CLDR countries) and the
country words from `nlp.countries`; this module fixes two readings that matter for subscriptions:
"Северная Корея"/"North Korea" is not South Korea, and "английский язык"/"English language" is
not the United Kingdom. GeoNames gives no city its region, so a city lies directly under its
country: "Leningrad Oblast" does not match a town of that region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp import gazetteer
from nlp.countries import country_mentions, only_countries

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


@dataclass(frozen=True)
class Mention:
    """One place named in a text: the place (canonical English name) and the words as written."""

    place: str
    written: str
    start: int
    end: int


def find_places(text: str) -> list[Mention]:
    """Every country, region and city the text names, in text order (overlaps kept)."""
    masked = _masked(text)
    found = [
        Mention(m.place, text[m.start : m.end], m.start, m.end)
        for m in gazetteer.find(masked)
        if is_city_or_region(m.place)
    ]
    for start, end, country in country_mentions(masked):
        if text[start:end].lower() != masked[start:end].lower():  # a masked "North Korea"
            nk = _NORTH_KOREA.match(text, start)
            end = nk.end() if nk else end
        found.append(Mention(country, text[start:end], start, end))
    found.sort(key=lambda m: (m.start, -m.end))
    return found


def ancestors(place: str) -> list[str]:
    """The place, then the country it lies in."""
    return gazetteer.lineage(place)


def is_city_or_region(place: str) -> bool:
    geo = gazetteer.place(place)
    return geo is not None and geo.kind != "country"


def name_ru(place: str) -> str:
    geo = gazetteer.place(place)
    return geo.name_ru if geo else place


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


def english_name(written: str) -> str | None:
    """The English name of a place written alone in Russian ("Пекин" -> "Beijing"), else None.

    A name that is a country's word and nothing else ("Китая", "КНР") is that country.
    """
    geo = gazetteer.lookup(written.strip())
    if geo:
        return geo.name_en
    found = only_countries(written)
    return found[0] if len(found) == 1 else None
