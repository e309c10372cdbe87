"""The agreement record an alert is made from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    """An agreement an article reports, with what a reader wants at a glance."""

    doc_id: str
    kind: str  # "agreement" | "memorandum" | "partnership" | "contract" | "deal" | "roadmap"
    status: str  # "signed" | "planned"
    parties: tuple[str, ...]  # as written (Russian nominative), most important first
    date: str | None  # ISO; the text's date of the agreement, else the article's, else None
    place: str | None  # where it was signed, if said
    sentence: str  # verbatim substring of the title or the text
    language: str
    topic: str | None = None  # "о сотрудничестве в сфере инноваций", "on AI research"
