"""Countries, first-level regions and cities named in Russian or English text.

The table (`data/gazetteer.json`) is built from GeoNames, ISO 3166 and CLDR by
`bench/build_gazetteer.py`: every country, the regions with a Russian name and every city of
100,000 people, instead of a list sized to the articles at hand. With 4,000 places a regular
expression per place would be slow, so names are matched by the Snowball stems of their words
("Нижнем Новгороде" meets "Нижний Новгород"): one dictionary lookup per word n-gram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict, cast

import Stemmer

from nlp.morph import analyser
from nlp.resources import load_json

_WORD = re.compile(r"[^\W\d_]+")
# What may stand between the words of one name: "Санкт-Петербург", "St. Petersburg", "Xi'an".
_JOINER = re.compile(r"[\s\-'’.]{1,3}")
_SENTENCE_END = re.compile(r"(?:^|[.!?…\n])[\s\"«»“”()]*$")
_RU = Stemmer.Stemmer("russian")
_EN = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class GeoPlace:
    name_en: str  # the canonical name: what the rest of the code calls the place
    name_ru: str
    kind: str  # country | region | city
    parent: str | None  # name_en of the country (or, for Hong Kong, the country) it lies in
    capital_of: str | None  # the country a capital stands for ("Пекин" ~ China)


@dataclass(frozen=True)
class GeoMention:
    place: str
    start: int
    end: int


@dataclass(frozen=True)
class _Key:
    place: str
    common: bool  # also a word or a given name: see `_mention_ok`
    words: tuple[str, ...]  # as written in the table


class _Record(TypedDict, total=False):
    name_en: str
    name_ru: str
    kind: str
    parent: str | None
    keys: list[str]
    common: list[str]
    capital_of: str


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """The stem of a Russian word's dictionary form (Snowball alone stems "Китай" "кита" and
    "Китая" "кит"), of an English word as written."""
    lower = word.lower().replace("ё", "е")
    if not re.match(r"[а-я]", lower):
        return str(_EN.stemWord(lower))
    parses = analyser().parse(lower)
    known = parses[0].normal_form if parses and parses[0].is_known else lower
    return str(_RU.stemWord(str(known).replace("ё", "е")))


def _key(name: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in _WORD.findall(name))


@lru_cache(maxsize=100_000)
def _lemmas(word: str) -> frozenset[str] | None:
    """pymorphy3's dictionary forms of a known Russian word; None for any other word."""
    lower = word.lower().replace("ё", "е")
    if not re.match(r"[а-я]", lower):
        return None
    parses = [p for p in analyser().parse(lower) if p.is_known]
    return frozenset(str(p.normal_form).replace("ё", "е") for p in parses) or None


def _same_words(written: list[str], key_words: tuple[str, ...]) -> bool:
    """Stems merge what Russian keeps apart ("Китая" and "Кито" both stem to "кит"): a word
    pymorphy3 knows must be a form of the key's word."""
    for word, key in zip(written, key_words, strict=True):
        lemmas = _lemmas(word)
        if lemmas is not None and not lemmas & (_lemmas(key) or {key.lower().replace("ё", "е")}):
            return False
    return True


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, GeoPlace], dict[tuple[str, ...], list[_Key]], int]:
    """Places by name, the keys by their stems, and the longest key in words."""
    records = cast(list[_Record], cast(dict[str, Any], load_json("gazetteer"))["places"])
    places: dict[str, GeoPlace] = {}
    keys: dict[tuple[str, ...], list[_Key]] = {}
    for r in records:
        name = r["name_en"]
        places[name] = GeoPlace(name, r["name_ru"], r["kind"], r["parent"], r.get("capital_of"))
        common = set(r.get("common", []))
        for written in r["keys"]:
            stems = _key(written)
            if stems:
                words = tuple(_WORD.findall(written))
                keys.setdefault(stems, []).append(_Key(name, written in common, words))
    return places, keys, max(map(len, keys))


def place(name: str) -> GeoPlace | None:
    return _table()[0].get(name)


def _mention_ok(text: str, words: list[re.Match[str]], i: int, key: _Key) -> bool:
    n = len(key.words)
    if not words[i].group()[0].isupper():
        return False
    for a, b in zip(words[i : i + n - 1], words[i + 1 : i + n], strict=True):
        if not _JOINER.fullmatch(text[a.end() : b.start()]):
            return False
    if not _same_words([w.group() for w in words[i : i + n]], key.words):
        return False
    if not key.common:
        return True
    # "Nancy Pelosi", "Reading the report": a name that is also a word or a given name.
    if _SENTENCE_END.search(text[: words[i].start()]):
        return False
    after = words[i + n] if i + n < len(words) else None
    return not (
        after is not None
        and after.group()[0].isupper()
        and text[words[i + n - 1].end() : after.start()].isspace()
    )


def _match(text: str, words: list[re.Match[str]], stems: list[str], i: int) -> _Key | None:
    """The longest key starting at word i that the words really spell."""
    _, keys, longest = _table()
    for n in range(min(longest, len(words) - i), 0, -1):
        for key in keys.get(tuple(stems[i : i + n]), ()):
            if _mention_ok(text, words, i, key):
                return key
    return None


def find(text: str) -> list[GeoMention]:
    """The places the text names, longest name first, in text order, without overlaps."""
    words = list(_WORD.finditer(text))
    stems = [_stem(w.group()) for w in words]
    found: list[GeoMention] = []
    i = 0
    while i < len(words):
        key = _match(text, words, stems, i)
        if key is None:
            i += 1
            continue
        end = words[i + len(key.words) - 1].end()
        found.append(GeoMention(key.place, words[i].start(), end))
        i += len(key.words)
    return found


def lookup(written: str) -> GeoPlace | None:
    """The place a name alone stands for ("Пекина" -> Beijing), else None."""
    words = list(_WORD.finditer(written))
    key = _match(written, words, [_stem(w.group()) for w in words], 0) if words else None
    if key is None or len(key.words) != len(words):
        return None
    return _table()[0][key.place]


def lineage(name: str) -> list[str]:
    """The place, then the places it lies in (a city's country; Hong Kong's China)."""
    chain = [name]
    while (p := place(chain[-1])) is not None and p.parent and len(chain) < 4:
        chain.append(p.parent)
    return chain
