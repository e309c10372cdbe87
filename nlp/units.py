"""What a number measures: a unit of measure or a currency, the same key in Russian and English.

Why: a fact-check compares a claim's number only with numbers of the same thing ("15 км" with
"12 километров", never "18 остановок" with "12 километров"), and the noun after a number names
a unit in many spellings (abbreviations, cases, plurals, two languages). Russian words are read
by their pymorphy3 lemma (so "лётчиков" is no "лет" and "частных" no "час"), English ones with a
plural "s" dropped, abbreviations exactly. SI and everyday units only; units of one dimension
convert (`unit_size`: "1,5 км" is "1500 м"); months and years are no fixed number of days and
stay apart. Which thing a plain noun counts is left to the caller.
"""

from __future__ import annotations

import re
from typing import Literal

from nlp.language import script
from nlp.morph import lemma
from nlp.quantities import Quantity

# unit key -> (exact abbreviations, dictionary forms: Russian lemmas and English singulars)
_UNITS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    key: (frozenset(abbreviations.split()), frozenset(words.split()))
    for key, abbreviations, words in (
        ("km", "км km", "километр kilometre kilometer"),
        ("m", "м", "метр metre meter"),  # "m" is also "million" in English
        ("cm", "см cm", "сантиметр centimetre centimeter"),
        ("mm", "мм mm", "миллиметр millimetre millimeter"),
        ("mile", "mi", "миля mile"),
        ("kg", "кг kg kgs", "килограмм kilogram kilo"),
        ("g", "гр", "грамм gram"),  # "г" is also "год"
        ("t", "т", "тонна tonne ton"),
        ("lb", "lb lbs", "фунт pound"),
        ("l", "л", "литр litre liter"),
        ("ha", "га ha", "гектар hectare"),
        ("sq_km", "км² km²", ""),
        ("minute", "мин min mins", "минута minute"),
        ("hour", "ч hr hrs h", "час hour"),
        ("day", "", "сутки день day"),
        ("week", "", "неделя week"),
        ("month", "", "месяц month"),
        ("year", "", "год year"),
        ("people", "чел", "человек people person"),
        ("degree", "° °c", "градус degree"),
    )
}

# unit key -> (dimension, size in the dimension's base unit): the units that convert.
_SIZES: dict[str, tuple[str, float]] = {
    "km": ("length", 1000.0),
    "m": ("length", 1.0),
    "cm": ("length", 0.01),
    "mm": ("length", 0.001),
    "mile": ("length", 1609.344),
    "kg": ("mass", 1.0),
    "g": ("mass", 0.001),
    "t": ("mass", 1000.0),
    "lb": ("mass", 0.45359237),
    "ha": ("area", 1e4),
    "sq_km": ("area", 1e6),
    "minute": ("duration", 60.0),
    "hour": ("duration", 3600.0),
    "day": ("duration", 86400.0),
    "week": ("duration", 604800.0),
}

_CURRENCIES = (
    # Word starts, not substrings: "рубеж", "Европа", "клиентов" name no money.
    ("RUB", re.compile(r"\bруб(?:л|\.|\b)|₽|\brouble|\bruble|\brub\b", re.IGNORECASE)),
    ("USD", re.compile(r"\bдоллар|\$|\bdollar|\busd\b", re.IGNORECASE)),
    ("EUR", re.compile(r"\bевро\b|€|\beuros?\b|\beur\b", re.IGNORECASE)),
    ("CNY", re.compile(r"\bюан|\byuan|\brenminbi|\bcny\b", re.IGNORECASE)),
    ("JPY", re.compile(r"\b[ий]ен(?:а|ы|ам|ах|ой)?\b|\byen\b|¥|\bjpy\b", re.IGNORECASE)),
    ("GBP", re.compile(r"\bфунт(?:ов|а)? стерлинг|£|\bpounds? sterling|\bgbp\b", re.IGNORECASE)),
)


def measure_unit(noun: str | None) -> str | None:
    """The unit key of the word after a number ("км", "километров", "kilometres" -> "km");
    None for a word that is no unit of measure."""
    if not noun:
        return None
    word = noun.lower().rstrip(".")
    form = lemma(word) if script(word) == "ru" else word.removesuffix("s")
    for key, (abbreviations, words) in _UNITS.items():
        if word in abbreviations or form in words:
            return key
    return None


def unit_size(unit: str) -> tuple[str, float]:
    """(dimension, size in its base unit): ("length", 1000.0) for "km"; a unit that converts
    into no other is a dimension of its own, of size 1."""
    return _SIZES.get(unit, (unit, 1.0))


def currency_of(text: str) -> str | None:
    """The one currency `text` names (ISO code), None when it names none or several."""
    found = {code for code, pattern in _CURRENCIES if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


QuantityKind = Literal["percent", "money", "count"]


def _around(q: Quantity, text: str) -> str:
    """Where a quantity's currency is written: "$5", "5 €", "5 млн рублей"."""
    return text[max(0, q.start - 2) : q.end + 3] + " " + (q.noun or "")


def quantity_currency(q: Quantity, text: str) -> str | None:
    """The currency of a sum (`currency_of` next to the number)."""
    return currency_of(_around(q, text))


def quantity_kind(q: Quantity, text: str) -> QuantityKind:
    """A share, a sum of money (a currency next to it) or a count: values compare, and answer
    a question, only within their kind."""
    if q.scale == "%":
        return "percent"
    around = _around(q, text)
    return "money" if any(pattern.search(around) for _, pattern in _CURRENCIES) else "count"
