"""The `Embedder` interface: what the index and the retriever need from an encoder.

Implementations: index/torch_embedder.py (sentence-transformers, fp32) and
index/onnx_embedder.py (the same model as an int8 onnxruntime graph); index/embedder_loader.py
picks one from the settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from index.tokens import TokenStates, normalise

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


@runtime_checkable
class TokenEmbedder(Embedder, Protocol):
    """An embedder that also returns per-token states of a middle layer (index/tokens.py),
    from the same forward pass as the pooled vectors."""

    def embed_passages_with_tokens(
        self, texts: Sequence[str]
    ) -> tuple[Vectors, list[TokenStates]]: ...

    def embed_query_with_tokens(self, text: str) -> tuple[Vectors, TokenStates]:
        """The query's vector (1-D) and its token states."""
        ...

    def passage_token_spans(self, text: str) -> list[tuple[int, int]]:
        """Where in `text` each of its stored passage token states lies: (start, end) character
        offsets, one per row of `embed_passages_with_tokens`'s states, in order."""
        ...


def text_prefixes(model_name: str) -> tuple[str, str]:
    """(query prefix, passage prefix): e5 models were trained with these, and without them
    retrieval quality drops; other models get none."""
    if "e5" in model_name.lower():
        return "query: ", "passage: "
    return "", ""


def stored_token_spans(
    offsets: Sequence[tuple[int, int]], prefix: str, skip: int
) -> list[tuple[int, int]]:
    """The character spans in the text without `prefix` of the tokens `text_token_states`
    keeps, from a tokenizer's offsets of `prefix + text` (specials included)."""
    cut = len(prefix)
    kept = offsets[skip : max(skip, len(offsets) - 1)]
    return [(max(0, start - cut), max(0, end - cut)) for start, end in kept]


def text_token_states(hidden: npt.NDArray[np.floating], length: int, skip: int) -> TokenStates:
    """One text's normalised states without `<s>`, the prefix's `skip - 1` tokens and `</s>`.

    `length` counts the text's real tokens (padding aside); an empty text keeps no state.
    """
    return normalise(hidden[skip : max(skip, length - 1)])
