"""Reused and fresh token codes merged in chunk order (pure: arrays only, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from index.embedding_pass import ChunkCoder, code_tokens
from index.tokens import SUBQUANTIZERS, TOKEN_LAYER, ChunkTokens, TokenCodec, pack


def _old(rng: np.random.Generator, chunks: int) -> ChunkTokens:
    codec = TokenCodec(rng.random((SUBQUANTIZERS, 256, 6), dtype=np.float32))
    per_chunk = [rng.integers(0, 256, (int(rng.integers(0, 9)), SUBQUANTIZERS), np.uint8)
                 for _ in range(chunks)]  # fmt: skip
    codes, offsets = pack(per_chunk)
    return ChunkTokens(codec, codes, offsets, TOKEN_LAYER)


@pytest.mark.parametrize("seed", range(20))
def test_merged_codes_equal_chunk_by_chunk_copies(seed: int) -> None:
    """Any update: kept rows in any order (an edit, a removal), fresh rows between them."""
    rng = np.random.default_rng(seed)
    old = _old(rng, int(rng.integers(1, 30)))
    kept = [r for r in range(len(old)) if rng.random() < 0.8]
    if rng.random() < 0.3:
        rng.shuffle(kept)
    rows = list(kept)
    for _ in range(int(rng.integers(0, 5))):
        rows.insert(int(rng.integers(0, len(rows) + 1)), -1)
    coder = ChunkCoder(range(len(rows)), old.codec)
    fresh = {i: rng.integers(0, 256, (int(rng.integers(1, 9)), SUBQUANTIZERS), np.uint8)
             for i, r in enumerate(rows) if r < 0}  # fmt: skip
    coder.codes.update(fresh)
    merged = code_tokens(coder, old, rows)
    assert merged is not None
    expected, offsets = pack([fresh[i] if r < 0 else old.codes_of(r) for i, r in enumerate(rows)])
    assert np.array_equal(merged.offsets, offsets)
    assert np.array_equal(merged.codes, expected)
    assert merged.check(len(rows), old.codec.dim) is None
