"""Person titles ("мэр", "Governor", "руководитель"), one table for every reader of names.

The table is data (`data/person_titles.json`): the fact-checker compares title classes, the
English name finder cuts a title off the name after it, and agreement parties skip a person.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypedDict, cast

from nlp.resources import load_json


class _TitleClass(TypedDict):
    ru: list[str]  # regular-expression alternatives over Russian word forms
    en: list[str]  # words or phrases
    # "class" is a keyword, so it is read with item access


class _Table(TypedDict):
    classes: list[_TitleClass]
    en_other: list[str]


def _table() -> _Table:
    return cast(_Table, load_json("person_titles"))


def _en_phrase(phrase: str) -> str:
    return r"\s+".join(re.escape(w) for w in phrase.split())


@lru_cache(maxsize=1)
def title_classes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(class, pattern over Russian and English forms), specific classes first."""
    out: list[tuple[str, re.Pattern[str]]] = []
    for entry in _table()["classes"]:
        alternatives = "|".join([*entry["ru"], *(_en_phrase(p) for p in entry["en"])])
        name = str(cast(dict[str, object], entry)["class"])
        out.append((name, re.compile(rf"(?<![\w-])(?:{alternatives})", re.IGNORECASE)))
    return tuple(out)


@lru_cache(maxsize=1)
def english_title_words() -> frozenset[str]:
    """Lower-case one-word English titles and honorifics ("mayor", "ceo", "dr")."""
    words = set(_table()["en_other"])
    for entry in _table()["classes"]:
        words.update(p for p in entry["en"] if " " not in p)
    return frozenset(words)


def english_title_alternation() -> str:
    """The one-word English titles as a regex alternation, capitalised as before a name."""
    words = sorted(english_title_words(), key=len, reverse=True)
    return "|".join(w.upper() if w == "ceo" else w.capitalize() for w in words)
