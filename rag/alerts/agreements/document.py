"""One article: its reporting sentences, title first, unless the deal fell through."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date

from index.documents import Document
from nlp.dates import find_dates, parse_date
from nlp.names import name_keys
from nlp.sentences import split_sentences
from rag.alerts.agreements.lexicon import EN_CANCEL, LEAD_SENTENCES, RETROSPECTIVE, RU_CANCEL
from rag.alerts.agreements.participants import names_participant
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
    """The article's date; for an undated one the newest full date it gives, since news tells
    of its own days (years alone are not used: "до 2030 года" looks ahead)."""
    if document.date:
        return parse_date(document.date)
    found = [d for d, _ in find_dates(f"{document.title}\n{document.text}")]
    return max(found, default=None)


def _lead(parts: list[tuple[str, str]]) -> set[int]:
    """Positions of the title and the first LEAD_SENTENCES sentences of the text."""
    body = [i for i, (where, _) in enumerate(parts) if where == "text"]
    return {i for i, (where, _) in enumerate(parts) if where == "title"} | set(
        body[:LEAD_SENTENCES]
    )


def _looks_back(sentences: Iterable[str]) -> bool:
    """An obituary or an anniversary piece: what it recalls is not news."""
    for s in sentences:
        tokens = tokenise(s)
        words = {t.lemma for t in tokens} | {t.lower for t in tokens}
        words |= {f"{a.lower} {b.lower}" for a, b in itertools.pairwise(tokens)}  # "passed away"
        if words & RETROSPECTIVE:
            return True
    return False


def _news_of_article(found: list[tuple[int, str, Finding]], parts: list[tuple[str, str]]) -> bool:
    """Whether the article is news of the agreement it reports, not a story that recalls one:
    the lead reports it, or a later report is about what the lead names and the lead does not
    look back."""
    lead = _lead(parts)
    if any(i in lead for i, _, _ in found):
        return True
    lead_text = [parts[i][1] for i in sorted(lead)]
    if _looks_back(lead_text):
        return False
    named = {k for s in lead_text for k in name_keys(s)}
    return any(named & set(name_keys(s)) for _, s, _ in found)


def document_findings(document: Document) -> list[tuple[str, Finding]]:
    """The reporting sentences of an article that is news of an agreement (`_news_of_article`)
    and not of one that fell through."""
    reference = _reference_date(document)
    parts = document_sentences(document)
    sentences = [s for _, s in parts]
    found = [
        (i, s, f)
        for i, s in enumerate(sentences)
        if (f := analyse(s, reference))
        and (parts[i][0] == "title" or names_participant(tokenise(s), f))
    ]
    if not found or not _news_of_article(found, parts) or _cancelled(sentences):
        return []
    return [(s, f) for _, s, f in found]


def agreement_sentence(document: Document) -> str | None:
    """The first sentence (title included) that reports an agreement, if any."""
    found = document_findings(document)
    return found[0][0] if found else None


def newest_agreements(documents: Iterable[Document], n: int) -> list[Document]:
    """Agreement news, newest first; undated articles after dated ones."""
    found = [d for d in documents if agreement_sentence(d) is not None]
    found.sort(key=lambda d: d.date or "", reverse=True)
    return found[:n]
