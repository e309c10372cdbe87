"""The `Embedder` interface and its sentence-transformers implementation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from index.errors import ModelNotProvisionedError
from index.provision import MARKER_NAME, MODEL_FOLDER
from index.settings import DEFAULT_MODEL, IndexSettings

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EmbedderIdentity:
    """What produced a vector; an index refuses vectors from a different identity."""

    model: str
    backend: str
    dim: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Embedder(Protocol):
    @property
    def identity(self) -> EmbedderIdentity: ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """L2-normalised float32 rows, one per text."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """L2-normalised float32 rows, one per text."""
        ...


BACKEND = "sentence-transformers-torch-fp32"


def _is_e5(model_name: str) -> bool:
    """e5 models were trained with these prefixes; without them retrieval quality drops."""
    return "e5" in model_name.lower()


class SentenceTransformerEmbedder:
    """`Embedder` over a sentence-transformers model, on CPU in fp32.

    `texts_encoded` counts texts sent to the model, so callers and tests can check that
    unchanged chunks are not re-embedded.
    """

    def __init__(
        self,
        model_name: str,
        model_path: str | None = None,
        *,
        threads: int = 2,
        query_threads: int = 1,
        batch_size: int = 32,
    ) -> None:
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._threads = threads
        self._query_threads = query_threads
        # Its weight-loading progress bar is noise in a CLI and in the bot's logs.
        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        self._model = SentenceTransformer(model_path or model_name, device="cpu")
        # Renamed in sentence-transformers 6; the old name warns there but is all that 5.x has.
        get_dim = getattr(self._model, "get_embedding_dimension", None)
        dim = get_dim() if get_dim else self._model.get_sentence_embedding_dimension()
        if dim is None:
            raise ValueError(f"{model_name} does not report its embedding dimension")
        self._identity = EmbedderIdentity(model=model_name, backend=BACKEND, dim=int(dim))
        self._batch_size = batch_size
        prefixed = _is_e5(model_name)
        self._query_prefix = "query: " if prefixed else ""
        self._passage_prefix = "passage: " if prefixed else ""
        self.texts_encoded = 0

    @property
    def identity(self) -> EmbedderIdentity:
        return self._identity

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """One short question gains nothing from a second thread, and on a busy machine
        two spinning threads made it 5-10x slower (p50 417 vs 38 ms under load)."""
        import torch

        torch.set_num_threads(self._query_threads)
        try:
            return self._encode(texts, self._query_prefix)
        finally:
            torch.set_num_threads(self._threads)

    def _encode(self, texts: Sequence[str], prefix: str) -> Vectors:
        if len(texts) == 0:
            return np.zeros((0, self._identity.dim), dtype=np.float32)
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        self.texts_encoded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(settings: IndexSettings) -> Embedder:
    """The configured embedder; the default model must have been provisioned (no hub access)."""
    source = settings.embedding_model
    if settings.embedding_model == DEFAULT_MODEL:
        path = settings.model_dir / MODEL_FOLDER
        if not (path / MARKER_NAME).is_file():
            raise ModelNotProvisionedError(str(path))
        source = str(path)
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        source,
        threads=settings.embedding_threads,
        query_threads=settings.query_threads,
        batch_size=settings.embedding_batch_size,
    )
