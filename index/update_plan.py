"""Planning an update: which incoming documents are new, changed, unchanged or pruned, and the
next generation's document order (pure; no embedding, no I/O). Split from index/builder.py,
which embeds and writes what this decides.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.documents import Document

log = logging.getLogger(__name__)


def with_content_hash(doc: Document) -> Document:
    """The document with `content_hash` filled in (sha256 of the text) when the loader left it
    empty, so that change detection never depends on who built the Document."""
    if doc.content_hash:
        return doc
    return replace(doc, content_hash=hashlib.sha256(doc.text.encode("utf-8")).hexdigest())


def dedupe_by_id(documents: Sequence[Document]) -> list[Document]:
    """One document per doc_id, the last one winning, in first-seen order."""
    by_id: dict[str, Document] = {}
    for doc in documents:
        if doc.doc_id in by_id:
            log.warning(
                "doc_id %r occurs more than once in the input; the last one wins", doc.doc_id
            )
        by_id[doc.doc_id] = doc
    return list(by_id.values())


@dataclass(frozen=True)
class UpdatePlan:
    """Which documents keep their chunks and vectors, and which need embedding."""

    documents: list[Document]  # the next generation's documents, in order
    reuse: set[str]  # doc_ids whose old chunks, sentences and their vectors are kept
    added: int
    changed: int
    removed: int
    unchanged: int


def plan_update(
    old: dict[str, Document],
    incoming: Sequence[Document],
    prune_prefix: str | None,
    chunking_unchanged: bool,
) -> UpdatePlan:
    """Diff incoming documents against the indexed ones (pure; no embedding, no I/O).

    A document is unchanged when both its content hash and its text match; metadata-only edits
    (title, date, ...) count as changed but keep their vectors, except that a new title
    re-embeds the chunks (`passage_text`); its sentences are still reused by offsets. Old
    documents missing from the input are dropped only when their source starts with
    `prune_prefix`.

    Order: the indexed documents where they were, then the new ones, so that an update that
    only adds documents only appends rows (the search index is then extended, not rebuilt).
    """
    by_id = {d.doc_id: d for d in incoming}
    documents: list[Document] = []
    reuse: set[str] = set()
    added = changed = unchanged = removed = 0
    for doc_id, prev in old.items():
        doc = by_id.get(doc_id)
        if doc is None:
            if prune_prefix is not None and prev.source.startswith(prune_prefix):
                removed += 1
                continue
            doc = prev
            if chunking_unchanged:
                reuse.add(doc_id)
        elif prev.content_hash == doc.content_hash and prev.text == doc.text:
            if chunking_unchanged and prev.title == doc.title:
                reuse.add(doc_id)
            if prev == doc:
                unchanged += 1
            else:
                changed += 1
        else:
            changed += 1
        documents.append(doc)
    for doc in incoming:
        if doc.doc_id not in old:
            added += 1
            documents.append(doc)
    return UpdatePlan(documents, reuse, added, changed, removed, unchanged)
