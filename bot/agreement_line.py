"""The headline of an agreement alert, worded from the catalogues in the reader's language.

The engine (`rag.alerts.agreements`) returns an `Agreement` as values; what a reader sees of it
is words, so they are made here: the kind and status from the catalogue (Russian participles
agree with their noun, so each kind has its own entry), lists and dates by babel's CLDR rules,
and for English readers the parties and the place in Latin letters.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from babel.lists import format_list

from bot.texts import plain
from nlp.entities import latin
from nlp.places import english_name
from rag.alerts.agreements import Agreement

KINDS = ("agreement", "memorandum", "partnership", "contract", "deal", "roadmap")
# CLDR locales: British English writes "11 April 2024" and "A, B and C", as the bot's English does.
_BABEL_LOCALE = {"ru": "ru", "en": "en_GB"}


def _shown_name(name: str, language: str) -> str:
    """A party or place as an English reader reads it: the English name, else a transliteration."""
    if language == "ru":
        return name
    transliterated = latin(name)
    return name if transliterated == name else english_name(name) or transliterated


def agreement_line(agreement: Agreement, language: str) -> str:
    """One line: what was agreed, between whom, when and where."""
    locale = _BABEL_LOCALE.get(language, "en_GB")
    kind = agreement.kind if agreement.kind in KINDS else "agreement"
    status = "planned" if agreement.status == "planned" else "signed"
    topic = f" {agreement.topic}" if agreement.topic and agreement.language == language else ""
    line = plain(f"agreement_{kind}_{status}", language, topic=topic)
    parties = [_shown_name(p, language) for p in agreement.parties]
    if len(parties) >= 2:
        line = plain(
            "agreement_between", language, line=line, parties=format_list(parties, locale=locale)
        )
    elif parties:
        line = plain("agreement_by", language, line=line, party=parties[0])
    if agreement.date:
        when = format_date(date.fromisoformat(agreement.date), "long", locale=locale)
        line = plain("agreement_dated", language, line=line, date=when)
    if agreement.place:
        line = plain(
            "agreement_place", language, line=line, place=_shown_name(agreement.place, language)
        )
    return line
