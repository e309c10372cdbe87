"""Numbers written as words ("пять депо", "двадцати трёх человек", "two hundred and fifty").

Why: news writes small counts in words, and a claim may give in digits what the article gives in
words or the other way round; without this "На линии 18 остановок" found no count in
"восемнадцать остановок" and "пять человек" no number to compare with "шесть человек".
`number-parser` (Scrapinghub) holds the word forms of both languages, Russian oblique cases
included, and turns a run of them into a value; this module only finds the runs, so that every
number keeps its place in the original text (quotes stay verbatim).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from number_parser import parse_number, parse_ordinal
from number_parser.parser import LanguageData

from nlp.morph import analyser
from nlp.words import fold

LANGUAGES = ("ru", "en")
# Russian collective numerals ("трое задержанных", "погибли пятеро"), by lemma: a closed
# grammatical class number-parser does not know; pymorphy3 tags their forms NUMR,Coll.
_COLLECTIVE = {
    "двое": 2, "трое": 3, "четверо": 4, "пятеро": 5, "шестеро": 6,
    "семеро": 7, "восьмеро": 8, "девятеро": 9, "десятеро": 10,
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# What may stand between the words of one number: a space, a hyphen ("twenty-five"), or "and"
# after a hundred ("two hundred and fifty").
_JOINER = re.compile(r"\s*-\s*|\s+(?:and\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class WordNumber:
    start: int
    end: int
    value: float


@dataclass(frozen=True)
class _Forms:
    words: frozenset[str]
    powers: frozenset[str]  # "тысяча", "million": alone they are vague ("тысячи людей")


@cache
def _forms(language: str) -> _Forms:
    data = LanguageData(language)
    powers = frozenset(data.big_powers_of_ten)
    words = set(data.unit_numbers) | set(data.direct_numbers) | set(data.tens)
    return _Forms(frozenset(words | set(data.hundreds) | powers), powers)


def _key(word: str) -> str:
    return fold(word)


def _language_of(word: str) -> str | None:
    key = _key(word)
    for language in LANGUAGES:
        if key in _forms(language).words:
            return language
    return None


@cache
def _is_numeral(word: str, language: str) -> bool:
    """A Russian form that is more often another word ("семью" = "family") is not a number."""
    if language != "ru":
        return True
    best = analyser().parse(word)[0]
    return best.tag.POS in {"NUMR", "ADJF"} or _key(best.normal_form) in _forms("ru").words


def word_numbers(text: str) -> list[WordNumber]:
    """Every number written in words in `text`, with its span and value.

    A lone "one"/"один" or a lone power ("thousands", "тысячи") is no count: "one of the
    leaders", "один из", "тысячи людей".
    """
    runs: list[tuple[str, list[re.Match[str]]]] = []
    collective: list[WordNumber] = []
    for m in _WORD.finditer(text):
        value = _collective(m.group())
        if value is not None:
            collective.append(WordNumber(m.start(), m.end(), value))
            continue
        language = _language_of(m.group())
        if language is None or not _is_numeral(m.group(), language):
            continue
        if runs and runs[-1][0] == language and _joined(text, runs[-1][1][-1].end(), m.start()):
            runs[-1][1].append(m)
        else:
            runs.append((language, [m]))
    found: list[WordNumber] = []
    for language, words in runs:
        if _ordinal_follows(text, language, words[-1].end()):
            continue  # "двадцать первый", "twenty-first": a rank, not a count
        number = _value(language, words)
        if number is not None:
            found.append(number)
    return sorted(found + collective, key=lambda w: w.start)


@cache
def _collective_forms() -> dict[str, float]:
    """Every case form of the collective numerals ("троих", "пятерым"), from pymorphy3's
    lexemes: a lookup per word, where parsing every word of every text cost time and memory."""
    forms: dict[str, float] = {}
    for lemma_form, value in _COLLECTIVE.items():
        for parse in analyser().parse(lemma_form):
            if "Coll" in parse.tag:
                forms.update((_key(f.word), float(value)) for f in parse.lexeme)
    return forms


def _collective(word: str) -> float | None:
    return _collective_forms().get(_key(word))


def _ordinal_follows(text: str, language: str, end: int) -> bool:
    m = _WORD.search(text, end)
    if m is None or not _joined(text, end, m.start()):
        return False
    if language == "en":
        return _english_ordinal(m.group().lower())
    return _russian_ordinal(m.group().lower())


@lru_cache(maxsize=8192)
def _english_ordinal(word: str) -> bool:
    return parse_ordinal(word, "en") is not None


@lru_cache(maxsize=8192)
def _russian_ordinal(word: str) -> bool:
    return "Anum" in analyser().parse(word)[0].tag and _language_of(word) is None


def _joined(text: str, end: int, start: int) -> bool:
    return _JOINER.fullmatch(text[end:start]) is not None


def _value(language: str, words: list[re.Match[str]]) -> WordNumber | None:
    forms = _forms(language)
    keys = [_key(w.group()) for w in words]
    if len(keys) == 1 and (keys[0] in forms.powers or _single_one(keys[0], language)):
        return None
    start, end = words[0].start(), words[-1].end()
    value = _parsed(" ".join(keys), language)
    if value is None:
        return None
    return WordNumber(start, end, float(value))


def _single_one(key: str, language: str) -> bool:
    return _parsed(key, language) == 1


# number-parser rebuilds its language tables on every call (~0.5 ms); the runs news writes are
# few ("пять", "двадцать три"), so each is parsed once.
@lru_cache(maxsize=8192)
def _parsed(run: str, language: str) -> int | None:
    value = parse_number(run, language)
    return int(value) if value is not None else None
