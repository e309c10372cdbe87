"""Places named in RU/EN text: countries (via `nlp.countries`) plus cities and regions under them.

A subscription to "China" must fire on an article that only says "Шэньчжэнь" or "Пекин", while
a subscription to "Beijing" must not fire on Shenzhen, and "Ленинградская область" must not fire
on Moscow. So places form a small tree (country -> region -> city); a topic naming a place
matches that place or anything under it, never its parent or siblings.

Countries come from `nlp.countries` (owned elsewhere); this table only adds the cities and
regions that innovation news keeps naming, with their country, and fixes two readings that
matter for subscriptions: "Северная Корея"/"North Korea" is not South Korea, and "английский
язык"/"English language" is not the United Kingdom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nlp.countries import find_countries


@dataclass(frozen=True)
class Place:
    name_en: str
    name_ru: str
    parent: str | None  # name_en of the region or country it lies in
    stems: tuple[str, ...]  # word-initial, lower case; a space stands for any separator


# Cities and regions; capitals are also in `nlp.countries` as part of their country.
_PLACES: tuple[Place, ...] = (
    Place("Moscow", "Москва", "Russia", ("москв", "москов", "moscow", "muscovite")),
    Place("Moscow Region", "Московская область", "Russia", (
        "московская област", "московской област", "московскую област", "московскую област",
        "подмосков", "moscow region", "moscow oblast")),
    Place("Saint Petersburg", "Санкт-Петербург", "Russia", (
        "санкт петербург", "петербург", "питер", "st petersburg", "saint petersburg",
        "sankt peterburg")),
    Place("Leningrad Region", "Ленинградская область", "Russia", (
        "ленинградская област", "ленинградской област", "ленинградскую област", "ленобласт",
        "leningrad region", "leningrad oblast")),
    Place("Gatchina", "Гатчина", "Leningrad Region", ("гатчин", "gatchina")),
    Place("Vsevolozhsk", "Всеволожск", "Leningrad Region", ("всеволожск", "vsevolozhsk")),
    Place("Kazan", "Казань", "Russia", ("казан", "kazan")),
    Place("Novosibirsk", "Новосибирск", "Russia", ("новосибирск", "novosibirsk")),
    Place("Yekaterinburg", "Екатеринбург", "Russia", ("екатеринбург", "yekaterinburg")),
    Place("Kaliningrad", "Калининград", "Russia", ("калининград", "kaliningrad")),
    Place("Beijing", "Пекин", "China", ("пекин", "beijing", "peking")),
    Place("Zhongguancun", "Чжунгуаньцунь", "Beijing", (
        "чжунгуаньцун", "чжунгуанцун", "zhongguancun", "zgc")),
    Place("Shanghai", "Шанхай", "China", ("шанха", "shanghai")),
    Place("Guangdong", "Гуандун", "China", ("гуандун", "guangdong")),
    Place("Shenzhen", "Шэньчжэнь", "Guangdong", ("шэньчжэн", "шеньчжен", "shenzhen")),
    Place("Guangzhou", "Гуанчжоу", "Guangdong", ("гуанчжоу", "guangzhou")),
    Place("Dongguan", "Дунгуань", "Guangdong", ("дунгуан", "dongguan")),
    Place("Hangzhou", "Ханчжоу", "China", ("ханчжоу", "hangzhou")),
    Place("Wuhan", "Ухань", "China", ("ухан", "wuhan")),
    Place("Hong Kong", "Гонконг", "China", ("гонконг", "hong kong")),
    Place("Seoul", "Сеул", "South Korea", ("сеул", "seoul")),
    Place("Busan", "Пусан", "South Korea", ("пусан", "busan")),
    Place("Pyeongtaek", "Пхёнтхэк", "South Korea", ("пхёнтхэк", "пхентхэк", "pyeongtaek")),
    Place("Tokyo", "Токио", "Japan", ("токио", "tokyo")),
    Place("Osaka", "Осака", "Japan", ("осак", "osaka")),
    Place("Almaty", "Алматы", "Kazakhstan", ("алмат", "алма-ат", "almaty", "alma-ata")),
    Place("Astana", "Астана", "Kazakhstan", ("астан", "astana")),
    Place("Minsk", "Минск", "Belarus", ("минск", "minsk")),
    Place("Tashkent", "Ташкент", "Uzbekistan", ("ташкент", "tashkent")),
    Place("New Delhi", "Нью-Дели", "India", ("нью-дели", "new delhi")),
    Place("Bangalore", "Бангалор", "India", ("бангалор", "bangalore", "bengaluru")),
    Place("Mumbai", "Мумбаи", "India", ("мумба", "mumbai", "bombay")),
    Place("Berlin", "Берлин", "Germany", ("берлин", "berlin")),
    Place("Munich", "Мюнхен", "Germany", ("мюнхен", "munich")),
)  # fmt: skip

# Russian adjectives `nlp.countries` misses ("бразильского" is not "бразили-"), by country.
_COUNTRY_ADJECTIVES: dict[str, tuple[str, ...]] = {
    "Brazil": ("бразильск", "brazilian"), "India": ("индийск",), "Mexico": ("мексиканск",),
    "Canada": ("канадск",), "Iran": ("иранск", "iranian"), "Israel": ("израильск",),
    "Egypt": ("египетск", "egyptian"), "Vietnam": ("вьетнамск", "vietnamese"),
    "Singapore": ("сингапурск", "singaporean"), "Indonesia": ("индонезийск", "indonesian"),
    "Australia": ("австралийск", "australian"), "Argentina": ("аргентинск",),
    "Georgia": ("грузинск",), "Mongolia": ("mongolian",), "Cuba": ("кубинск",),
}  # fmt: skip

# Russian names of the countries of `nlp.countries` that news in this corpus names most.
COUNTRY_RU: dict[str, str] = {
    "Russia": "Россия", "China": "Китай", "South Korea": "Южная Корея", "North Korea": "КНДР",
    "Japan": "Япония", "United States": "США", "United Kingdom": "Великобритания",
    "Germany": "Германия", "France": "Франция", "Italy": "Италия", "Spain": "Испания",
    "India": "Индия", "Kazakhstan": "Казахстан", "Belarus": "Беларусь", "Ukraine": "Украина",
    "Turkey": "Турция", "Iran": "Иран", "Israel": "Израиль", "Brazil": "Бразилия",
    "Canada": "Канада", "Vietnam": "Вьетнам", "Singapore": "Сингапур",
    "United Arab Emirates": "ОАЭ", "Finland": "Финляндия", "Sweden": "Швеция",
    "Norway": "Норвегия", "Poland": "Польша", "Uzbekistan": "Узбекистан", "Armenia": "Армения",
    "Azerbaijan": "Азербайджан", "Georgia": "Грузия", "Mongolia": "Монголия", "Egypt": "Египет",
    "Saudi Arabia": "Саудовская Аравия", "Indonesia": "Индонезия", "Thailand": "Таиланд",
    "Australia": "Австралия", "Switzerland": "Швейцария", "Netherlands": "Нидерланды",
    "Austria": "Австрия", "Czech Republic": "Чехия", "Serbia": "Сербия", "Cuba": "Куба",
    "Mexico": "Мексика", "Argentina": "Аргентина", "South Africa": "ЮАР", "Pakistan": "Пакистан",
}  # fmt: skip

_BY_NAME = {p.name_en: p for p in _PLACES}

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
    named = [(p.name_en, p.stems) for p in _PLACES] + list(_COUNTRY_ADJECTIVES.items())
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
    while (p := _BY_NAME.get(chain[-1])) is not None and p.parent and len(chain) < 6:
        chain.append(p.parent)
    return chain


def is_city_or_region(place: str) -> bool:
    return place in _BY_NAME


def name_ru(place: str) -> str:
    p = _BY_NAME.get(place)
    return p.name_ru if p else COUNTRY_RU.get(place, place)


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
