"""The `Embedder` interface and its sentence-transformers implementation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

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
