"""The words that make a sentence report an agreement, by role, and the limits of the reading.

The word lists are data (`rag/alerts/data/agreement_lexicon.json`, each with what its role is);
the patterns below are phrase grammar and stay code.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

MAX_PARTIES = 4
STORY_MAX_DAYS = 4  # reports of one signing appear within a few days of each other
NOUN_AFTER_VERB = 8  # tokens: "signed a ten-year research agreement"
NOUN_BEFORE_VERB = 6  # "соглашение о сотрудничестве было подписано"
CUE_WINDOW = 3  # tokens before a predicate that may negate it or make it planned
OLD_DAYS = 60  # a date this much before the article's date marks an old agreement
# News puts its event in the title and the first sentences (the lead): an agreement met further
# down is news of the article only when it is about what the lead names.
LEAD_SENTENCES = 3

TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[^\w\s]")
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _load() -> dict[str, Any]:
    path = resources.files("rag.alerts").joinpath("data", "agreement_lexicon.json")
    table: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {role: entry["words"] for role, entry in table.items() if role != "_about"}


# A small package data file, read once at import so that each role stays a plain constant.
_WORDS = _load()
RU_NOUNS: dict[str, str] = _WORDS["ru_nouns"]  # lemma -> kind
EN_NOUNS: dict[str, str] = _WORDS["en_nouns"]  # word -> kind
EN_SIGN: dict[str, str] = _WORDS["en_sign"]  # word form -> role: sign, enter, form


def _words(role: str) -> frozenset[str]:
    return frozenset(_WORDS[role])


EN_PLURAL = _words("en_plural")
RU_SIGN = _words("ru_sign")
FORM_KINDS = _words("form_kinds")
RU_FORM = _words("ru_form")
CLOSE_KINDS = _words("close_kinds")
RU_CLOSE = _words("ru_close")
ACQUIRE = _words("acquire")
ACQUIRED_OBJECTS = _words("acquired_objects")
RETROSPECTIVE = _words("retrospective")
RU_NOMINAL = _words("ru_nominal")
EN_NOMINAL = _words("en_nominal")
EXCLUDED_MODIFIERS = _words("excluded_modifiers")
OPINION_AFTER_AGREED = _words("opinion_after_agreed")
RU_OPINION_AFTER_AGREED = _words("ru_opinion_after_agreed")
ARRANGED_EVENTS = _words("arranged_events")
RU_CANCEL = _words("ru_cancel")
ABSENCE = _words("absence")  # negators proper: nlp.negation
RU_MODAL = _words("ru_modal")
EN_MODAL = _words("en_modal")
RU_PLAN = _words("ru_plan")
EN_PLAN = _words("en_plan")
RU_PAST_WORDS = _words("ru_past_words")
EN_PAST_WORDS = _words("en_past_words")
BACKGROUND = _words("background")

EN_CANCEL = re.compile(
    r"\b(cancel\w*|call(ed|s|ing)? off|scrap(ped|s)?|collaps\w*|terminat\w*|withdr[ae]w\w*"
    r"|pull(ed|s)? out|postpon\w*|suspend\w*|abandon\w*|walk(ed|s)? away|br(oke|eaks?) off"
    r"|tore up|rescind\w*|shelved|fell through|falls? through)\b",
    re.IGNORECASE,
)
# Phrases that date an agreement before the article ("в прошлом году", "back in").
# "ещё весной", "в прошлом месяце", "last spring": a time already past when the article is written.
RU_PAST_PHRASES = re.compile(
    r"\b(?:в\s+прошлом\s+(?:году|месяце|сезоне)|на\s+прошлой\s+неделе|ещё\s+в|еще\s+в"
    r"|ещ[её]\s+(?:весной|летом|осенью|зимой|тогда|до\s+)|с\s+тех\s+пор)\b",
    re.I,
)
EN_PAST_PHRASES = re.compile(
    r"\b(?:last\s+(?:year|month|week|spring|summer|autumn|fall|winter)|back\s+in"
    r"|in\s+the\s+past|since\s+then)\b",
    re.I,
)
NOW = re.compile(r"\b(?:сегодня|вчера|накануне|today|yesterday|earlier\s+this\s+\w+)\b", re.I)
# A year as a year, not a count: after a preposition ("в мае 2005", "during 1946"), before
# "года"/"г." ("договора 1997 года"), or after a name ("the Treaty of Lisbon 2007").
YEAR = re.compile(
    r"(?:\b(?:в|во|с|со|до|после|since|in|during|from|until|back in)\s+(?:\w+\s+)?"
    r"(?P<a>1\d{3}|20\d\d)\b"
    r"|\b(?P<b>1\d{3}|20\d\d)\s*(?:год\w*|г\.|гг\.)"
    r"|\b(?-i:[A-Z][a-z]+)\s(?P<c>1\d{3}|20\d\d)\b)",
    re.IGNORECASE,
)
ATTRIBUTION = re.compile(
    r"(?:,\s*(?:—\s*)?(?:сообща\w+|переда\w+|пишет|говорится|заявил\w*|отметил\w*|according"
    r"|reports?|reported|said|says|announced\s+on)\b.*$|\s+[—–]\s+[A-ZА-ЯЁ][\w.-]*(?:\s+[A-ZА-ЯЁ][\w-]*)?$)",
    re.IGNORECASE,
)
