"""One line about an agreement, in Russian or English (names in Latin for English)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from nlp.countries import find_countries
from nlp.entities import latin
from rag.alerts.agreements.lexicon import CYRILLIC
from rag.alerts.agreements.parties import is_place_name
from rag.alerts.agreements.record import Agreement

_KIND_RU = {
    "agreement": ("Соглашение", "подписано", "планируется"),
    "memorandum": ("Меморандум", "подписан", "планируется"),
    "partnership": ("Партнёрство", "заключено", "планируется"),
    "contract": ("Контракт", "заключён", "планируется"),
    "roadmap": ("Дорожная карта", "утверждена", "планируется"),
}
_EXONYMS = {
    "москва": "Moscow", "пекин": "Beijing", "сеул": "Seoul", "токио": "Tokyo",
    "санкт-петербург": "Saint Petersburg", "шанхай": "Shanghai", "вашингтон": "Washington",
    "лондон": "London", "париж": "Paris", "берлин": "Berlin", "рим": "Rome", "вена": "Vienna",
    "прага": "Prague", "варшава": "Warsaw", "хельсинки": "Helsinki", "дубай": "Dubai",
    "абу-даби": "Abu Dhabi", "нью-дели": "New Delhi", "ташкент": "Tashkent",
    "астана": "Astana", "минск": "Minsk", "ереван": "Yerevan", "баку": "Baku",
    "тегеран": "Tehran", "анкара": "Ankara", "каир": "Cairo", "гонконг": "Hong Kong",
}  # fmt: skip
_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")  # fmt: skip


def _latin_name(name: str) -> str:
    """An English rendering: exonyms for capitals and countries, else transliteration."""
    if not CYRILLIC.search(name):
        return name
    exonym = _EXONYMS.get(name.lower())
    if exonym:
        return exonym
    if is_place_name(name) and len(find_countries(name)) == 1:
        return find_countries(name)[0][0]
    return latin(name)


def _join(names: Sequence[str], conj: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conj} {names[-1]}"


def _summary_en(a: Agreement) -> str:
    kind = a.kind.capitalize()
    status = "planned" if a.status == "planned" else "signed"
    line = kind + (f" {a.topic}" if a.topic and a.language == "en" else "")
    parties = [_latin_name(p) for p in a.parties]
    line += f" {status}"
    if len(parties) >= 2:
        line += f" between {_join(parties, 'and')}"
    elif parties:
        line += f" by {parties[0]}"
    if a.date:
        d = date.fromisoformat(a.date)
        line += f" on {d.day} {d.strftime('%B')} {d.year}"
    if a.place:
        line += f" in {_latin_name(a.place)}"
    return line


def _summary_ru(a: Agreement) -> str:
    noun, signed, planned = _KIND_RU.get(a.kind, _KIND_RU["agreement"])
    line = noun + (f" {a.topic}" if a.topic and a.language == "ru" else "")
    line += f" {planned if a.status == 'planned' else signed}"
    if a.parties:
        line += f": {_join(list(a.parties), 'и')}"
    if a.date:
        d = date.fromisoformat(a.date)
        line += f"; {d.day} {_MONTHS_RU[d.month - 1]} {d.year} г."
    if a.place:
        line += f"; место: {a.place}"
    return line


def agreement_summary(agreement: Agreement, language: str) -> str:
    """One line: what was agreed, between whom, when, where (names in Latin for "en")."""
    if language == "ru":
        return _summary_ru(agreement)
    return _summary_en(agreement)
