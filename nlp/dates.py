"""Publication dates in RU/EN news text.

Scraped articles carry their date as a header line (`21.09.2020 #Rubric`, `18 сентября 2020`),
while the tail often holds dates of *other* articles ("related news"), so `find_header_date`
looks only at the first few lines. Dates are only ever found, never guessed: a string that is
not a real calendar date yields None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from email.utils import parsedate_to_datetime

MIN_YEAR = 1900
MAX_YEAR = 2100
HEADER_LINES = 6  # non-empty lines that may hold the header date
HEADER_MAX_CHARS = 120  # a date line is short ...
HEADER_MAX_OTHER_WORDS = 6  # ... and mostly the date (plus tags, counters, a rubric)

# First letters of a month name -> month number; every RU/EN form (nominative, genitive,
# abbreviated) starts with one of these keys.
_MONTH_PREFIXES: dict[str, int] = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "мае": 5, "июн": 6, "июл": 7,
    "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

# Month names written out, every case (also what nlp.when finds time expressions with).
RU_MONTH_WORD = (
    r"(?:январ[ьяе]|феврал[ьяе]|марта?|марте|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]"
    r"|августа?|августе|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе])"
)
EN_MONTH_WORD = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)"
)
_RU_MONTH = rf"(?:{RU_MONTH_WORD}|янв|фев|мар|апр|июн|июл|авг|сент?|окт|нояб?|дек)\.?"
_EN_MONTH = rf"(?:{EN_MONTH_WORD}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
_MONTH = rf"(?:{_RU_MONTH}|{_EN_MONTH})"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20|21)\d\d)"
_TIME = r"(?:[T ,]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT|МСК))?)?"

# Each pattern names its groups d/m/y; `m` is a number or a month name.
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # 2020-09-21, 2020-09-21T10:00:00+03:00, 2020/09/21
        rf"(?<![\d.,/-]){_YEAR}(?P<s>[-/.])(?P<m>[01]?\d)(?P=s)(?P<d>[0-3]?\d)(?![\d]){_TIME}",
        # 21.09.2020, 21/09/2020, 21-09-2020 (day first, as in RU and EU usage)
        rf"(?<![\d.,/-])(?P<d>[0-3]?\d)(?P<s>[./-])(?P<m>[01]?\d)(?P=s){_YEAR}(?![\d]){_TIME}",
        # 18 сентября 2020 (г., года), 18 September 2020, 18-Sep-2020
        rf"(?<![\w.]){_DAY}[\s-]+(?P<m>{_MONTH})[\s,-]+{_YEAR}(?!\d)(?:\s*(?:года|г\.))?",
        # September 18, 2020; Sep 18 2020
        rf"(?<![\w.])(?P<m>{_EN_MONTH})\s+{_DAY},?\s+{_YEAR}(?!\d)",
    )
)
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_HASHTAG_RE = re.compile(r"#[^\W_][\w-]*")
_COUNTER_RE = re.compile(
    r"\b\d[\d\s]*\s*(?:просмотр\w*|views?|комментари\w*|comments?|прочтени\w*|reads?)\b",
    re.IGNORECASE,
)


def _month_number(token: str) -> int | None:
    token = token.strip(".").lower()
    if token.isdigit():
        return int(token)
    return _MONTH_PREFIXES.get(token[:3])


def _make_date(year: str, month: str, day: str) -> date | None:
    m = _month_number(month)
    y = int(year)
    if m is None or not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return date(y, m, int(day))
    except ValueError:  # 31.02.2020 and the like
        return None


def find_dates(text: str) -> list[tuple[date, tuple[int, int]]]:
    """Every valid date in `text` with its (start, end) span, in text order."""
    found: list[tuple[date, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            value = _make_date(match["y"], match["m"], match["d"])
            if value is not None:
                found.append((value, span))
                taken.append(span)
    return sorted(found, key=lambda item: item[1])


def parse_date(s: str) -> date | None:
    """The date that `s` as a whole denotes (ISO, numeric, RU/EN month names, RFC 2822)."""
    s = s.strip()
    if not s:
        return None
    for value, (start, end) in find_dates(s):
        rest = (s[:start] + s[end:]).strip(" ,.")
        # A weekday name around the date is fine ("Mon, 21 Sep 2020", "пятница, 18.09.2020").
        if len(_WORD_RE.findall(rest)) <= 1 and len(rest) <= 16:
            return value
    try:  # RFC 2822 as in feeds: "Mon, 21 Sep 2020 10:00:00 +0300"
        return parsedate_to_datetime(s).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(s).date()
    except ValueError:
        return None


def _is_date_line(line: str, span: tuple[int, int]) -> bool:
    """A line that is mostly the date: `01.02.2021 57 views`, `01.02.2021 #Rubric`."""
    if len(line) > HEADER_MAX_CHARS:
        return False
    rest = line[: span[0]] + " " + line[span[1] :]
    rest = _COUNTER_RE.sub(" ", _HASHTAG_RE.sub(" ", rest))
    return len(_WORD_RE.findall(rest)) <= HEADER_MAX_OTHER_WORDS


def find_header_date(lines: Sequence[str]) -> tuple[date, int, tuple[int, int]] | None:
    """The publication date in the header region: (date, line index, span in that line).

    Only the first few non-empty lines count, and at most the first two thirds of a short text,
    so a date line of a "related news" tail is never taken for the article's own date.
    """
    non_empty = [i for i, line in enumerate(lines) if line.strip()]
    limit = min(HEADER_LINES, max(1, -(-2 * len(non_empty) // 3)))
    for index in non_empty[:limit]:
        for value, span in find_dates(lines[index]):
            if _is_date_line(lines[index], span):
                return value, index, span
    return None


def is_date_only_line(line: str) -> bool:
    """True for a line that is a date plus tags/counters/numbers and nothing else."""
    for _, span in find_dates(line):
        rest = line[: span[0]] + " " + line[span[1] :]
        rest = _COUNTER_RE.sub(" ", _HASHTAG_RE.sub(" ", rest))
        if not re.sub(r"[\W\d_]+", "", rest):
            return True
    return False
