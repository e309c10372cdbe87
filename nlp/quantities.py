"""Numbers with qualifiers and scale words ("более 17 тыс.", "more than 10,000", "свыше 90%").

Shared by the answerer ("how many" questions) and, later, fact-checking, which compares values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.numerals import word_numbers

_QUALIFIERS_RU = {
    "более": "more than",
    "больше": "more than",
    "свыше": "over",
    "менее": "less than",
    "меньше": "less than",
    "около": "about",
    "примерно": "about",
    "порядка": "about",
    "почти": "almost",
    "до": "up to",
    "не менее": "at least",
    "не более": "at most",
    "более чем": "more than",
    "менее чем": "less than",
    "не больше": "at most",
    "не меньше": "at least",
    "приблизительно": "about",
}
_QUALIFIERS_EN = [
    "more than",
    "over",
    "less than",
    "fewer than",
    "about",
    "around",
    "approximately",
    "almost",
    "nearly",
    "up to",
    "at least",
    "at most",
    "no more than",
    "not more than",
    "no less than",
    "not less than",
    "under",
    "above",
    "below",
    "roughly",
]
# English qualifiers that mean the same bound as another.
_SAME_EN = {
    "no more than": "at most",
    "not more than": "at most",
    "no less than": "at least",
    "not less than": "at least",
    "under": "less than",
    "below": "less than",
    "above": "more than",
}
# Bounds said with a verb ("не должно превышать 20%", "must not exceed 20%" = at most 20%),
# the negated forms first: a negation here is part of the bound, not of the sentence.
MODAL_RU = r"(?:(?:долж\w*|может|могут|будет|будут|стан\w*)\s+)?"
_MODAL_EN = r"(?:(?:must|should|shall|will|may|can|does|do|did|would)\s+not|cannot|\w+n['’]t)"
_VERBAL_BOUNDS: tuple[tuple[str, str], ...] = (
    (rf"не\s+{MODAL_RU}(?:превыш\w*|превыс\w*|быть\s+(?:больше|более|выше))", "at most"),
    (rf"не\s+{MODAL_RU}(?:быть\s+)?(?:меньше|ниже)|не\s+ниже", "at least"),
    (r"не\s+выше", "at most"),
    (r"превыша\w*|превыси\w*|превысят|превышающ\w*", "more than"),
    (rf"{_MODAL_EN}\s+exceed|not\s+exceeding|no\s+(?:more|greater)\s+than", "at most"),
    (r"no\s+fewer\s+than|not\s+fewer\s+than|not\s+below", "at least"),
    (r"exceed(?:s|ed|ing)?|in\s+excess\s+of", "more than"),
)
_SCALES: list[tuple[re.Pattern[str], float, str]] = [
    (re.compile(r"тыс\.?|тысяч\w*|thousands?|k\b", re.IGNORECASE), 1e3, "thousand"),
    (re.compile(r"млн\.?|миллион\w*|millions?|mln\b", re.IGNORECASE), 1e6, "million"),
    (re.compile(r"млрд\.?|миллиард\w*|billions?|bn\b", re.IGNORECASE), 1e9, "billion"),
    (re.compile(r"трлн\.?|триллион\w*|trillions?", re.IGNORECASE), 1e12, "trillion"),
    (re.compile(r"%|процент\w*|percent|per\s+cent", re.IGNORECASE), 1.0, "%"),
]
_QUAL_ALT = "|".join(
    [p for p, _ in _VERBAL_BOUNDS]
    + sorted([re.escape(q) for q in [*_QUALIFIERS_RU, *_QUALIFIERS_EN]], key=len, reverse=True)
)
_SCALE_ALT = (
    r"тыс\.?|тысяч\w*|млн\.?|миллион\w*|млрд\.?|миллиард\w*|трлн\.?|триллион\w*"
    r"|thousands?|millions?|billions?|trillions?|%|процент\w*|percent|per\s+cent"
)
_NUMBER = (
    r"\d{1,3}(?:[\s\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
)
QUANTITY_RE = re.compile(
    rf"(?:(?P<qual>{_QUAL_ALT})\s+)?(?:[$€£¥₽]\s?)?(?P<num>{_NUMBER})(?:\s*(?P<scale>{_SCALE_ALT}))?"
    r"(?:\s+(?P<noun>[^\W\d_][\w-]*))?",
    re.IGNORECASE,
)
# What a number written in words takes before and after it: the same qualifiers, a percent sign
# or word (the words of a number hold its thousands and millions), the noun it counts.
_QUALIFIER_BEFORE = re.compile(rf"(?:^|(?<=\s))(?P<qual>{_QUAL_ALT})\s+$", re.IGNORECASE)
_AFTER_WORDS = re.compile(
    r"(?:\s*(?P<scale>%|процент\w*|percent|per\s+cent))?(?:\s+(?P<noun>[^\W\d_][\w-]*))?",
    re.IGNORECASE,
)
_YEAR_WORD = re.compile(r"^(год\w*|г\.?|years?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    text: str
    value: float
    qualifier: str | None  # normalised to English
    scale: str | None  # "thousand" | "million" | "billion" | "trillion" | "%"
    number: str  # the digits as written
    noun: str | None


def _parse_number(raw: str) -> float:
    compact = re.sub(r"[\s\u00a0\u202f]", "", raw)
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", compact):
        compact = compact.replace(",", "")
    return float(compact.replace(",", "."))


def written_precision(q: Quantity) -> float:
    """Half the step of the last digit written, relative to the number: 1/30 for "1,5" and for
    "1500" (a whole number's trailing zeros may be rounding), 0 for a number in words.

    Why: a value converted from another unit ("1450 м" for a claim of "1,5 км") is the same
    when it lies within the rounding the claim's digits allow."""
    compact = re.sub(r"[\s\u00a0\u202f]", "", q.number)
    if not re.fullmatch(r"\d[\d.,]*", compact):
        return 0.0
    number = _parse_number(compact)
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", compact):
        compact = compact.replace(",", "")
    whole, _, decimals = compact.replace(",", ".").partition(".")
    if decimals:
        step = 10.0 ** -len(decimals)
    else:
        step = 10.0 ** (len(whole) - len(whole.rstrip("0"))) if whole.strip("0") else 1.0
    return 0.5 * step / number if number else 0.0


def _scale_of(raw: str | None) -> tuple[float, str | None]:
    if not raw:
        return 1.0, None
    for pattern, factor, name in _SCALES:
        if pattern.fullmatch(raw.strip()):
            return factor, name
    return 1.0, None


def _normalised_qualifier(raw: str) -> str:
    q = re.sub(r"\s+", " ", raw.lower())
    for pattern, meaning in _VERBAL_BOUNDS:
        if re.fullmatch(pattern, q, re.IGNORECASE):
            return meaning
    return _QUALIFIERS_RU.get(q) or _SAME_EN.get(q, q)


def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text`, in digits or in words, with its qualifier, scale word and the noun
    that follows it, in text order."""
    found = _digit_quantities(text)
    found += [q for q in _word_quantities(text) if not any(_overlap(q, d) for d in found)]
    return sorted(found, key=lambda q: q.start)


def _overlap(a: Quantity, b: Quantity) -> bool:
    return a.start < b.end and b.start < a.end


def _word_quantities(text: str) -> list[Quantity]:
    found: list[Quantity] = []
    for w in word_numbers(text):
        before = _QUALIFIER_BEFORE.search(text, max(0, w.start - 40), w.start)
        after = _AFTER_WORDS.match(text, w.end)
        start = before.start("qual") if before else w.start
        end = after.end() if after else w.end
        scale = "%" if after and after.group("scale") else None
        found.append(
            Quantity(
                start=start,
                end=end,
                text=text[start:end],
                value=w.value,
                qualifier=_normalised_qualifier(before.group("qual")) if before else None,
                scale=scale,
                number=_digits_of(w.value),
                noun=after.group("noun") if after else None,
            )
        )
    return found


def _digits_of(value: float) -> str:
    """A value in digits as `render_english` reads them ("5000000", "2.5"), never "5e+06"."""
    return str(int(value)) if value.is_integer() else str(value)


def _digit_quantities(text: str) -> list[Quantity]:
    found: list[Quantity] = []
    for m in QUANTITY_RE.finditer(text):
        number = m.group("num")
        # A bare four-digit year is a date, not a quantity.
        noun = m.group("noun")
        is_year = re.fullmatch(r"(1[89]|20)\d\d", number) and not m.group("scale")
        if is_year and (noun is None or _YEAR_WORD.match(noun) or not m.group("qual")):
            continue
        factor, scale = _scale_of(m.group("scale"))
        qual_raw = m.group("qual")
        qualifier = None
        if qual_raw:
            qualifier = _normalised_qualifier(qual_raw)
        value = _parse_number(number) * (factor if scale != "%" else 1.0)
        found.append(
            Quantity(
                start=m.start(),
                end=m.end(),
                text=m.group(0),
                value=value,
                qualifier=qualifier,
                scale=scale,
                number=number,
                noun=noun,
            )
        )
    return found


def render_english(q: Quantity) -> str:
    """ "более 17 тыс." -> "more than 17 thousand"; the noun is left to the quote."""
    number = re.sub(r"[\s\u00a0\u202f]", ",", q.number)
    if re.fullmatch(r"\d+,\d{1,2}", number):  # Russian decimal comma
        number = number.replace(",", ".")
    parts = [q.qualifier] if q.qualifier else []
    if q.scale == "%":
        parts.append(number + "%")
    else:
        parts.append(number)
        if q.scale:
            parts.append(q.scale)
    return " ".join(parts)
