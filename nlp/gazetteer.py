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

from nlp.language import script, strip_stress
from nlp.morph import analyser
from nlp.resources import load_json
from nlp.words import fold

# Not `nlp.words.WORD`: a place's words split at hyphens ("Санкт-Петербург", "Ростов-на-Дону")
# so each is stemmed; stress marks (U+0301, U+0300) stay inside their word.
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[\u0300\u0301])*")
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
    adjective: bool = False  # "московский": written in lower case


class _Record(TypedDict, total=False):
    name_en: str
    name_ru: str
    kind: str
    parent: str | None
    keys: list[str]
    common: list[str]
    adjectives: list[str]
    capital_of: str


def _fold(word: str) -> str:
    return fold(strip_stress(word))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """The stem of a Russian word's dictionary form (Snowball alone stems "Китай" "кита" and
    "Китая" "кит"), of an English word as written."""
    lower = _fold(word)
    if script(lower) != "ru":
        return str(_EN.stemWord(lower))
    parses = analyser().parse(lower)
    known = parses[0].normal_form if parses and parses[0].is_known else lower
    return str(_RU.stemWord(_fold(str(known))))


def _key(name: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in _WORD.findall(name))


@lru_cache(maxsize=100_000)
def _lemmas(word: str, in_text: bool = True) -> tuple[frozenset[str], frozenset[str]] | None:
    """pymorphy3's dictionary forms of a known Russian word: (as a place name, as anything);
    None for an unknown or non-Russian word. A word of a text (not of the table) that most
    likely names a person, or reads as a place only in the plural, names no place."""
    lower = _fold(word)
    if script(lower) != "ru":
        return None
    parses = [p for p in analyser().parse(lower) if p.is_known]
    if not parses:
        return None

    def forms(ps: list[Any]) -> frozenset[str]:
        return frozenset(_fold(str(p.normal_form)) for p in ps)

    places = [p for p in parses if "Geox" in p.tag]
    if in_text:
        if {"Surn", "Name", "Patr"} & _grammemes(parses[0]) and not lower.endswith("ский"):
            return frozenset(), forms(parses)  # "Кирова", "Пушкина": most likely a person
        # Places are named in the singular unless plural only ("Химки"): "Ливанов" is a surname.
        places = [p for p in places if "plur" not in p.tag or "Pltm" in p.tag]
    return forms(places), forms(parses)


def _grammemes(parse: Any) -> set[str]:
    return set(str(parse.tag).replace(" ", ",").split(","))


@lru_cache(maxsize=50_000)
def _is_given_name(word: str) -> bool:
    """A capitalised Russian word whose likeliest reading is a given name: what follows it is
    a surname, even where a town bears it."""
    if not word[:1].isupper() or script(word) != "ru":
        return False
    parses = analyser().parse(word.lower())
    return bool(parses) and parses[0].is_known and "Name" in parses[0].tag


def _unknown_form_of(word: str, key: str) -> bool:
    """A word pymorphy3 does not know ("Шэньчжэне") is a form of a key of 4+ letters that it
    starts with, but for the key's ending ("Конни" is not "Кония")."""
    lower, base = _fold(word), _fold(key)
    stem = base[:-1] if base[-1] in "аяоеиыйьуэю" else base
    return len(stem) >= 4 and lower.startswith(stem)


def _same_words(written: list[str], key_words: tuple[str, ...]) -> bool:
    """Stems merge what Russian keeps apart ("Китая" and "Кито" stem alike, "Том" is a form
    of "тот" as "Того" is): where the key's word is a place name, a word pymorphy3 knows must be
    that place name's form ("Пером" is a feather, "Конни" a given name); where it is an
    ordinary word ("Нижний", "область"), any form of it."""
    for word, key in zip(written, key_words, strict=True):
        text = _lemmas(word)
        if text is None:
            if script(word) == "ru" and not _unknown_form_of(word, key):
                return False
            continue
        known = _lemmas(key, in_text=False)
        key_forms = frozenset({_fold(key)})
        if known is None or known[0]:  # an unknown foreign name, or a known place name
            if not text[0] & (known[0] if known else key_forms):
                return False
        elif not text[1] & known[1]:
            return False
    return True


@lru_cache(maxsize=1)
def _table() -> tuple[
    dict[str, GeoPlace], dict[tuple[str, ...], list[_Key]], dict[str, int], set[str]
]:
    """Places by name, the keys by their stems, the most words of a key by its first word's
    stem, and the plain Snowball stems of the city adjectives (the only lower-case keys)."""
    records = cast(list[_Record], cast(dict[str, Any], load_json("gazetteer"))["places"])
    places: dict[str, GeoPlace] = {}
    keys: dict[tuple[str, ...], list[_Key]] = {}
    adjectives: set[str] = set()
    for r in records:
        name = r["name_en"]
        places[name] = GeoPlace(name, r["name_ru"], r["kind"], r["parent"], r.get("capital_of"))
        common = set(r.get("common", []))
        for written in r["keys"]:
            stems = _key(written)
            if stems:
                words = tuple(_WORD.findall(written))
                keys.setdefault(stems, []).append(_Key(name, written in common, words))
        for adjective in r.get("adjectives", []):
            keys.setdefault(_key(adjective), []).append(_Key(name, False, (adjective,), True))
            adjectives.add(_RU.stemWord(adjective))
    firsts: dict[str, int] = {}
    for stems in keys:
        firsts[stems[0]] = max(firsts.get(stems[0], 0), len(stems))
    return places, keys, firsts, adjectives


def place(name: str) -> GeoPlace | None:
    return _table()[0].get(name)


def _heads_a_name(text: str, words: list[re.Match[str]], i: int) -> bool:
    """A capitalised adjective starts a sentence or a name: another word follows it."""
    if _SENTENCE_END.search(text[: words[i].start()]):
        return True
    return i + 1 < len(words) and text[words[i].end() : words[i + 1].start()] == " "


def _mention_ok(text: str, words: list[re.Match[str]], i: int, key: _Key) -> bool:
    n = len(key.words)
    if not key.adjective and not words[i].group()[0].isupper():
        return False
    for a, b in zip(words[i : i + n - 1], words[i + 1 : i + n], strict=True):
        if not _JOINER.fullmatch(text[a.end() : b.start()]):
            return False
    if not _same_words([w.group() for w in words[i : i + n]], key.words):
        return False
    if key.adjective and words[i].group()[0].isupper() and not _heads_a_name(text, words, i):
        return False  # "министру Мединскому." is a surname; "Казанский университет" a name
    spaced = i > 0 and text[words[i - 1].end() : words[i].start()] == " "
    if n == 1 and spaced and _is_given_name(words[i - 1].group()):  # "Джорджа Вашингтона"
        return False
    if not key.common:
        return True
    # "Nancy Pelosi", "Роуз Тайлер", "Reading the report": a name that is also a word or a
    # given name, at a sentence start or beside another capitalised word.
    if _SENTENCE_END.search(text[: words[i].start()]):
        return False
    before = words[i - 1] if i > 0 else None
    after = words[i + n] if i + n < len(words) else None
    return not any(
        w is not None and w.group()[0].isupper() and gap.isspace()
        for w, gap in (
            (before, text[before.end() : words[i].start()] if before else ""),
            (after, text[words[i + n - 1].end() : after.start()] if after else ""),
        )
    )


class _Stems:
    """The words' stems, computed when asked: a stem costs a pymorphy3 parse, and most words
    (lower case, not a city adjective) can never start a place name."""

    def __init__(self, words: list[re.Match[str]]) -> None:
        self._words = words
        self._stems: list[str | None] = [None] * len(words)

    def span(self, i: int, n: int) -> tuple[str, ...]:
        for j in range(i, i + n):
            if self._stems[j] is None:
                self._stems[j] = _stem(self._words[j].group())
        return tuple(s for s in self._stems[i : i + n] if s is not None)


def _may_start(word: str) -> bool:
    if word[0].isupper():
        return True
    return _RU.stemWord(_fold(word)) in _table()[3]


def _match(text: str, words: list[re.Match[str]], stems: _Stems, i: int) -> _Key | None:
    """The longest key starting at word i that the words really spell."""
    if not _may_start(words[i].group()):
        return None
    keys, firsts = _table()[1], _table()[2]
    longest = firsts.get(stems.span(i, 1)[0], 0)
    for n in range(min(longest, len(words) - i), 0, -1):
        for key in keys.get(stems.span(i, n), ()):
            if _mention_ok(text, words, i, key):
                return key
    return None


@lru_cache(maxsize=1024)
def find(text: str) -> tuple[GeoMention, ...]:
    """The places the text names, longest name first, in text order, without overlaps (cached:
    `nlp.places` and `nlp.countries` both read the same text)."""
    words = list(_WORD.finditer(text))
    stems = _Stems(words)
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
    return tuple(found)


def lookup(written: str) -> GeoPlace | None:
    """The place a name alone stands for ("Пекина" -> Beijing), else None."""
    words = list(_WORD.finditer(written))
    key = _match(written, words, _Stems(words), 0) if words else None
    if key is None or len(key.words) != len(words):
        return None
    return _table()[0][key.place]


def lineage(name: str) -> list[str]:
    """The place, then the places it lies in (a city's country; Hong Kong's China)."""
    chain = [name]
    while (p := place(chain[-1])) is not None and p.parent and len(chain) < 4:
        chain.append(p.parent)
    return chain
