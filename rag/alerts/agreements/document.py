"""One article: its reporting sentences, title first, unless the deal fell through."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from index.documents import Document
from nlp.dates import parse_date
from nlp.sentences import split_sentences
from rag.alerts.agreements.lexicon import EN_CANCEL, RU_CANCEL
from rag.alerts.agreements.sentence import (
    Finding,
    analyse,
    noun_kind,
    self_sufficient,
    sign_kind,
)
from rag.alerts.agreements.tokens import tokenise


def document_sentences(document: Document) -> list[tuple[str, str]]:
    """("title" | "text", sentence) in reading order; each is a verbatim substring."""
    out = [("title", document.title)] if document.title.strip() else []
    out.extend(("text", document.text[a:b]) for a, b in split_sentences(document.text))
    return out


def _cancelled(sentences: Iterable[str]) -> bool:
    """Whether the article says an agreement was cancelled, postponed or left."""
    for sentence in sentences:
        tokens = tokenise(sentence)
        talks_of_it = any(
            noun_kind(tokens, i) or sign_kind(t) or self_sufficient(tokens, i)
            for i, t in enumerate(tokens)
        ) or any(t.lemma in ("сделка", "переговоры") or t.lower == "talks" for t in tokens)
        if not talks_of_it:
            continue
        if EN_CANCEL.search(sentence) or any(t.lemma in RU_CANCEL for t in tokens):
            return True
    return False


def _reference_date(document: Document) -> date | None:
    if document.date:
        return parse_date(document.date)
    return None


def document_findings(document: Document) -> list[tuple[str, Finding]]:
    reference = _reference_date(document)
    sentences = [s for _, s in document_sentences(document)]
    found = [(s, f) for s in sentences if (f := analyse(s, reference)) is not None]
    if not found or _cancelled(sentences):
        return []
    return found


def agreement_sentence(document: Document) -> str | None:
    """The first sentence (title included) that reports an agreement, if any."""
    found = document_findings(document)
    return found[0][0] if found else None


def newest_agreements(documents: Iterable[Document], n: int) -> list[Document]:
    """Agreement news, newest first; undated articles after dated ones."""
    found = [d for d in documents if agreement_sentence(d) is not None]
    found.sort(key=lambda d: d.date or "", reverse=True)
    return found[:n]
