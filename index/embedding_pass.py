"""The embedding pass of an index update: length-sorted batches, token states coded as they come.

Split from index/builder.py, which decides what to embed; this module only embeds and codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from index.embedder import Embedder, TokenEmbedder, Vectors
from index.tokens import (
    SUBQUANTIZERS,
    TOKEN_LAYER,
    TRAINING_TOKENS,
    ChunkTokens,
    Codes,
    TokenCodec,
    TokenStates,
    pack,
    stored_middles,
)

StatesSink = Callable[[list[int], list[TokenStates]], None]


def embed_texts(
    embedder: Embedder,
    texts: Sequence[str],
    batch_size: int,
    progress: bool,
    on_states: StatesSink | None = None,
) -> Vectors:
    """Embed in length-sorted batches, returning rows in the input order. With `on_states` the
    embedder must be a `TokenEmbedder`; each batch's token states go to it (by input position)
    as they come, so that they can be compressed before the next batch is embedded.

    Each batch is padded to its longest text; batching chunks and sentences in document order
    wasted most of the model time on padding (pipeline 60% slower than one bare `encode` of the
    same texts; sorted: within 3%, bench/index_throughput.py). Batches keep the progress bar
    (with ETA) moving and memory flat.
    """
    dim = embedder.identity.dim
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    step = max(batch_size, 8 * batch_size)  # sentence-transformers re-batches inside
    with tqdm(
        total=len(texts), desc="Embedding", unit="text", disable=not progress, leave=False
    ) as bar:
        for i in range(0, len(order), step):
            rows = order[i : i + step]
            batch = [texts[r] for r in rows]
            if on_states is not None:
                assert isinstance(embedder, TokenEmbedder)
                vecs, states = embedder.embed_passages_with_tokens(batch)
                on_states(rows, states)
            else:
                vecs = embedder.embed_passages(batch)
            vecs = np.asarray(vecs, dtype=np.float32)
            if vecs.shape != (len(rows), dim):
                raise ValueError(f"embedder returned {vecs.shape}, expected ({len(rows)}, {dim})")
            out[rows] = vecs
            bar.update(len(rows))
    return out


class ChunkCoder:
    """Product-codes chunks' token states as they are embedded (raw states of a large build
    would not fit in memory); without a codec to reuse, it trains one on the first
    `TRAINING_TOKENS` states (or all, when fewer) and codes those and all later ones with it."""

    def __init__(self, rows: Sequence[int], codec: TokenCodec | None) -> None:
        self.codec = codec
        self.codes: dict[int, Codes] = {}
        self._rows = rows  # input position -> chunk row
        self._pending: list[tuple[int, TokenStates]] = []
        self._pending_tokens = 0

    def add(self, positions: list[int], states: list[TokenStates]) -> None:
        """States of embedded texts by input position; positions past the chunks (sentences
        embedded in the same pass) are not kept."""
        for p, st in zip(positions, states, strict=True):
            if p < len(self._rows):
                self._pending.append((self._rows[p], st))
                self._pending_tokens += len(st)
        if self._pending and (self.codec is not None or self._pending_tokens >= TRAINING_TOKENS):
            self._flush()

    def finish(self) -> TokenCodec | None:
        if self._pending:
            self._flush()
        return self.codec

    def _flush(self) -> None:
        stacked = np.vstack([st for _, st in self._pending])
        if self.codec is None:
            self.codec = TokenCodec.train(stacked)
        codes = self.codec.encode(stacked)
        start = 0
        for row, st in self._pending:
            self.codes[row] = codes[start : start + len(st)]
            start += len(st)
        self._pending, self._pending_tokens = [], 0


def reused_vectors(old: Vectors | None, reused_rows: Sequence[int], dim: int) -> Vectors:
    """Rows copied from `old` where `reused_rows` names one; the others are left to fill."""
    vectors = np.empty((len(reused_rows), dim), dtype=np.float32)
    kept = [i for i, r in enumerate(reused_rows) if r >= 0]
    if kept and old is not None:
        vectors[kept] = old[[reused_rows[i] for i in kept]]
    return vectors


def code_tokens(
    coder: ChunkCoder, old_tokens: ChunkTokens | None, chunk_rows: Sequence[int]
) -> ChunkTokens | None:
    """Every chunk's coded token states: fresh ones from `coder`, the others reused."""
    codec = coder.finish()
    if codec is None:
        return None
    if old_tokens is None:  # every chunk was embedded
        codes, offsets = pack([coder.codes[i] for i in range(len(chunk_rows))])
        return ChunkTokens(codec, codes, offsets, TOKEN_LAYER)
    return ChunkTokens(codec, *_merged_codes(coder.codes, old_tokens, chunk_rows), TOKEN_LAYER)


def _merged_codes(
    fresh: dict[int, Codes], old: ChunkTokens, chunk_rows: Sequence[int]
) -> tuple[Codes, npt.NDArray[np.int64]]:
    """Fresh codes and reused ones in chunk order."""
    rows = np.asarray(chunk_rows, dtype=np.int64)
    reused = rows >= 0
    old_lengths = np.diff(old.offsets)
    lengths = np.zeros(len(rows), dtype=np.int64)
    lengths[reused] = old_lengths[rows[reused]]
    for i in np.flatnonzero(~reused):
        lengths[i] = len(fresh[int(i)])
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.empty((int(offsets[-1]), SUBQUANTIZERS), dtype=np.uint8)
    _copy_rows(codes, offsets, fresh, old.codes, old.offsets, rows)
    return codes, offsets


def _copy_rows(
    out: npt.NDArray[Any],
    offsets: npt.NDArray[np.int64],
    fresh: Mapping[int, npt.NDArray[Any]],
    old: npt.NDArray[Any] | None,
    old_offsets: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
) -> None:
    """Each chunk's per-token rows into `out`: from `fresh` where it has them, else from the
    live generation's row `rows[i]`. Each run of consecutive reused rows is copied as one
    slice: an update that keeps most of a large index copies a few blocks, not one small array
    per chunk (0.9 s of a one-article ingest at 100k chunks before)."""
    reused = rows >= 0
    reused[list(fresh)] = False
    # a run continues where this row is reused and follows the previous reused row
    continues = np.zeros(len(rows), dtype=bool)
    continues[1:] = reused[1:] & reused[:-1] & (rows[1:] == rows[:-1] + 1)
    starts = np.flatnonzero(~continues)
    ends = np.append(starts[1:], len(rows))
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if reused[a]:
            assert old is not None
            src = old_offsets[rows[a]]
            out[offsets[a] : offsets[b]] = old[src : src + offsets[b] - offsets[a]]
        else:
            out[offsets[a] : offsets[b]] = fresh[a]


def with_middles(
    tokens: ChunkTokens,
    old: ChunkTokens | None,
    chunk_rows: Sequence[int],
    passage: Callable[[int], str],
    spans: Callable[[str], Sequence[tuple[int, int]]],
) -> ChunkTokens:
    """`tokens` with every chunk's token middles (index/tokens.py `stored_middles`): reused
    from the live generation where it stored them, else from the tokenizer's spans of the
    chunk's passage text (`passage(i)`), so the answer step never tokenises a chunk per
    question. A live generation without them gets them all once, on its next update."""
    rows = np.asarray(chunk_rows, dtype=np.int64)
    known = old is not None and old.middles is not None
    fresh = {
        i: stored_middles(spans(passage(i)), int(tokens.offsets[i + 1] - tokens.offsets[i]))
        for i in range(len(rows))
        if rows[i] < 0 or not known
    }
    middles = np.empty(len(tokens.codes), dtype=np.int32)
    old_values = old.middles if old is not None else None
    old_offsets = old.offsets if old is not None else np.zeros(1, dtype=np.int64)
    _copy_rows(middles, tokens.offsets, fresh, old_values, old_offsets, rows)
    return replace(tokens, middles=middles)
