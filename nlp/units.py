"""What a number measures: a unit of measure or a currency, the same key in Russian and English.

Why: a fact-check compares a claim's number only with numbers of the same thing ("15 км" with
"12 километров", never "18 остановок" with "12 километров"), and the noun after a number names
a unit in many spellings (abbreviations, cases, plurals, two languages). Full words are matched
by their start, which covers Russian case endings and English plurals; abbreviations exactly.
SI and everyday units only, each scale its own key ("1,5 км" and "1500 м" are not compared, so
never called different); which thing a plain noun counts is left to the caller.
"""

from __future__ import annotations

import re
from typing import Literal

from nlp.quantities import Quantity

# unit key -> (exact abbreviations, word starts)
_UNITS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "km": (frozenset({"км", "km"}), ("километр", "kilometre", "kilometer")),
    "m": (frozenset({"м"}), ("метр", "metre", "meter")),  # "m" is also "million" in English
    "cm": (frozenset({"см", "cm"}), ("сантиметр", "centimetre", "centimeter")),
    "mm": (frozenset({"мм", "mm"}), ("миллиметр", "millimetre", "millimeter")),
    "mile": (frozenset({"mi", "миля", "мили", "миль", "милям", "милями", "милях"}), ("mile",)),
    "kg": (frozenset({"кг", "kg", "kgs"}), ("килограмм", "kilogram", "kilo")),
    "g": (frozenset({"гр"}), ("грамм", "gram")),  # "г" is also "год"
    "t": (frozenset({"т"}), ("тонн", "tonne", "ton")),
    "lb": (frozenset({"lb", "lbs"}), ("фунт", "pound")),
    "l": (frozenset({"л"}), ("литр", "litre", "liter")),
    "ha": (frozenset({"га", "ha"}), ("гектар", "hectare")),
    "sq_km": (frozenset({"км²", "km²"}), ()),
    "minute": (frozenset({"мин", "min", "mins"}), ("минут", "minute")),
    "hour": (frozenset({"ч", "hr", "hrs", "h"}), ("час", "hour")),
    "day": (frozenset(), ("сут", "дней", "дня", "день", "day")),
    "week": (frozenset(), ("недел", "week")),
    "month": (frozenset(), ("месяц", "month")),
    "year": (frozenset(), ("лет", "года", "годa", "year")),
    "people": (frozenset({"чел"}), ("человек", "people", "person")),
    "degree": (frozenset({"°", "°c"}), ("градус", "degree")),
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
    for key, (abbreviations, starts) in _UNITS.items():
        if word in abbreviations or word.startswith(starts):
            return key
    return None


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
