"""Query vectors of short strings (names, terms) kept by their text: news repeat the same
names and phrases, and embedding one costs a model call."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
from cachetools import LRUCache

from index.embedder import Embedder


class QueryVectorCache:
    """e5 query vectors by text, at most `size` of them (1.5 KB each for e5-small)."""

    def __init__(self, embedder: Embedder, size: int) -> None:
        self.embedder = embedder
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(size)
        self._lock = threading.Lock()

    def vectors(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """A vector for every text; only the ones not cached are embedded, in one batch."""
        texts = set(texts)
        with self._lock:
            known = {t: v for t in texts if (v := self._vectors.get(t)) is not None}
        todo = sorted(texts - known.keys())
        if todo:
            fresh = np.asarray(self.embedder.embed_queries(todo), dtype=np.float32)
            with self._lock:
                for text, vector in zip(todo, fresh, strict=True):
                    self._vectors[text] = vector
                    known[text] = vector
        return known
