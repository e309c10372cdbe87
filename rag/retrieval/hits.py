"""A retrieved passage with the scores that ranked it."""

from __future__ import annotations

from dataclasses import dataclass

from index.documents import Chunk, Document


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    document: Document
    score: float  # fused score used for ranking
    dense: float  # cosine between question and chunk
