"""What a question asks for: its type decides which sentence and which span answer it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from nlp.language import detect_language


class QType(StrEnum):
    WHO = "who"
    HOW_MANY = "how_many"
    WHEN = "when"
    WHERE = "where"
    WHAT = "what"
    OTHER = "other"


_I = re.IGNORECASE
# Order matters: "how many" before "what", "in what year" before "where".
_PATTERNS: list[tuple[QType, re.Pattern[str]]] = [
    (
        QType.HOW_MANY,
        re.compile(
            r"\b(how\s+(many|much)|what\s+(number|share|percentage|proportion|amount)"
            r"|what\s+(is|was|are)\s+the\s+(population|size|cost|price|budget|value|turnover"
            r"|revenue|volume)"
            r"|сколько|какое\s+количество|какое\s+число|какой\s+процент|какая\s+доля"
            r"|какова\s+(численность|стоимость|цена|доля|сумма)|каково\s+(население|число)"
            r"|какой\s+(бюджет|объ[её]м|оборот))",
            _I,
        ),
    ),
    (
        QType.WHEN,
        re.compile(
            r"\b(when|what\s+(year|date|day|month)|which\s+(year|date|day|month)|since\s+when"
            r"|когда|в\s+каком\s+году|какого\s+числа|в\s+какой\s+день|с\s+какого)",
            _I,
        ),
    ),
    (
        QType.WHO,
        re.compile(
            r"\b(who|whom|whose|which\s+(company|companies|organi[sz]ations?|person|people"
            r"|official|country|countries|partner)"
            r"|кто|кого|кому|кем|ч[её]й|чья|чьё|чьи|какая\s+(компания|организация)"
            r"|какие\s+(компании|организации|страны)|с\s+кем)",
            _I,
        ),
    ),
    (
        QType.WHERE,
        re.compile(
            r"\b(where|in\s+which\s+(city|country|place)|где|куда|откуда|в\s+каком\s+(городе|месте)"
            r"|в\s+какой\s+стране)",
            _I,
        ),
    ),
    (QType.WHAT, re.compile(r"\b(what|which|что|какой|какая|какое|какие|зачем|почему|why)", _I)),
]

_LATEST = re.compile(
    r"\b(latest|newest|most\s+recent|recent(ly)?|last|последн\w*|свеж\w*|новейш\w*|недавн\w*)", _I
)


# "Who is X?", "Кто такой X?": the question gives a person's name and asks what they are.
_DESCRIBED = re.compile(
    r"^\s*(?:who\s+(?:is|was)|who's|кто\s+(?:такой|такая|такие|это)|кем\s+(?:является|являлся"
    r"|являлась|работает))\s+(?P<name>[^?]+?)\s*[?.!]*\s*$",
    _I,
)
_NAME_WORD = re.compile(r"[A-ZА-ЯЁ][\w'’.-]*")
DESCRIBED_MAX_WORDS = 4


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    qtype: QType
    wants_latest: bool
    # The person a "who is X?" question names: what they are is the answer, not another name.
    described: str | None = None


def described_person(text: str) -> str | None:
    """X of "Who is X?" / "Кто такой X?" when X is a name (capitalised words only): "Who is
    the mayor?" asks for a person, and is no such question."""
    m = _DESCRIBED.match(text)
    if m is None:
        return None
    words = m.group("name").split()
    if len(words) > DESCRIBED_MAX_WORDS or not all(_NAME_WORD.fullmatch(w) for w in words):
        return None
    return " ".join(words)


# What kind of number a "how many" question wants, when its words say: a sum of money or a share
# (a count otherwise). The answer's number must be of that kind: "how much did the sale bring?"
# is not answered by the sentence's "4.2 percent stake".
_ASKS_MONEY = re.compile(
    r"\b(how\s+much\s+(money|did|does|do|will|would|was|is|were|has|have|had)\b.*\b(cost|pay|paid"
    r"|spen[dt]|rais|br(ing|ought)|earn|worth|fetch|sell|sold|invest|fund|receiv|get|got|make|made"
    r"|charg|lose|lost)|how\s+much\s+money|what\s+(is|was|were)\s+the\s+(cost|price|budget|value"
    r"|revenue|turnover)|for\s+how\s+much|сколько\s+(стоил|стоят|стоит|денег|средств|заплат|потрат"
    r"|получ|принес|заработ|выруч|вложи|инвестир|выделил|выделен|собрал|потерял)|во\s+сколько"
    r"\s+обош|на\s+какую\s+сумму|какую\s+сумму|какова\s+(стоимость|цена|сумма)"
    r"|какой\s+(бюджет|оборот))",
    _I,
)
_ASKS_SHARE = re.compile(
    r"\b(what\s+(share|percentage|proportion|percent)|how\s+many\s+percent|сколько\s+процент"
    r"|какой\s+процент|какая\s+доля|какова\s+доля|какую\s+долю)",
    _I,
)


def asked_quantity(text: str) -> Literal["money", "percent"] | None:
    """The kind of number a question asks for when it says so (see `nlp.units.quantity_kind`)."""
    if _ASKS_SHARE.search(text):
        return "percent"
    if _ASKS_MONEY.search(text):
        return "money"
    return None


def question_type(text: str) -> QType:
    for qtype, pattern in _PATTERNS:
        if pattern.search(text):
            return qtype
    return QType.OTHER


def strip_question_words(text: str) -> str:
    """The question without the words that make it one: what is left names its topic."""
    for _, pattern in _PATTERNS:
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def analyse(text: str) -> Question:
    """Normalise whitespace and classify; the caller has already rejected empty input."""
    clean = " ".join(text.split())
    return Question(
        text=clean,
        language=detect_language(clean),
        qtype=question_type(clean),
        wants_latest=bool(_LATEST.search(clean)),
        described=described_person(clean),
    )
