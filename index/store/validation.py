"""Checks of a generation's input before anything touches the disk (pure; ValueError means a
caller bug, not bad data on disk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from index.documents import Chunk, Document, SentenceSpan
from index.embedder import EmbedderIdentity
from index.tokens import ChunkTokens


def _validate_vectors(what: str, vectors: npt.NDArray[Any], rows: int, dim: int) -> None:
    if vectors.dtype != np.float32 or vectors.ndim != 2:
        raise ValueError(
            f"{what} vectors must be 2-D float32, got {vectors.dtype} {vectors.shape}"
        )
    if vectors.shape != (rows, dim):
        raise ValueError(f"{what} vectors shape {vectors.shape} != ({rows} {what}s, dim {dim})")
    if not np.isfinite(vectors).all():
        raise ValueError(f"{what} vectors contain NaN or infinity")


def _validate_documents(
    documents: Sequence[Document], chunks: Sequence[Chunk], sentences: Sequence[SentenceSpan]
) -> None:
    by_id: dict[str, Document] = {}
    for doc in documents:
        if doc.doc_id in by_id:
            raise ValueError(f"duplicate doc_id {doc.doc_id!r}")
        by_id[doc.doc_id] = doc
    seen: set[str] = set()
    for chunk in chunks:
        if chunk.chunk_id in seen:
            raise ValueError(f"duplicate chunk_id {chunk.chunk_id!r}")
        seen.add(chunk.chunk_id)
        owner = by_id.get(chunk.doc_id)
        if owner is None:
            raise ValueError(f"chunk {chunk.chunk_id!r} refers to unknown doc {chunk.doc_id!r}")
        if owner.text[chunk.start : chunk.end] != chunk.text:
            raise ValueError(f"chunk {chunk.chunk_id!r} does not match its document's text")
    spans: set[SentenceSpan] = set()
    for sentence in sentences:
        if sentence in spans:
            raise ValueError(f"duplicate sentence {sentence}")
        spans.add(sentence)
        owner = by_id.get(sentence.doc_id)
        if owner is None:
            raise ValueError(f"sentence {sentence} refers to an unknown document")
        if not 0 <= sentence.start < sentence.end <= len(owner.text):
            raise ValueError(f"sentence {sentence} lies outside its document's text")


def validate_generation(
    identity: EmbedderIdentity,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: npt.NDArray[Any],
    sentences: Sequence[SentenceSpan],
    sentence_vectors: npt.NDArray[Any],
    second_identity: EmbedderIdentity | None = None,
    second_vectors: npt.NDArray[Any] | None = None,
    tokens: ChunkTokens | None = None,
) -> None:
    """Reject inconsistent input before anything touches the disk (ValueError: a caller bug)."""
    _validate_vectors("chunk", vectors, len(chunks), identity.dim)
    if tokens is not None:
        problem = tokens.check(len(chunks), identity.dim)
        if problem is not None:
            raise ValueError(problem)
    _validate_vectors("sentence", sentence_vectors, len(sentences), identity.dim)
    if (second_identity is None) != (second_vectors is None):
        raise ValueError("second vectors and the second embedder's identity go together")
    if second_identity is not None and second_vectors is not None:
        _validate_vectors("second chunk", second_vectors, len(chunks), second_identity.dim)
    _validate_documents(documents, chunks, sentences)
