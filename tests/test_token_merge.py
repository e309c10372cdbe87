"""Reused and fresh token codes and middles merged in chunk order (pure: arrays only, no model)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from index.embedding_pass import ChunkCoder, code_tokens, with_middles
from index.tokens import (
    SUBQUANTIZERS,
    TOKEN_LAYER,
    ChunkTokens,
    TokenCodec,
    pack,
    stored_middles,
)


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


def _spans(text: str) -> list[tuple[int, int]]:
    """One single-character token per character: token j's middle is j."""
    return [(j, j + 1) for j in range(len(text))]


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("old_has_middles", [True, False])
def test_middles_are_reused_or_computed_row_for_row(seed: int, old_has_middles: bool) -> None:
    """Reused chunks keep the live generation's middles (when it stored them), the others get
    them from their passage text; one whose text does not line up with its states gets -1."""
    rng = np.random.default_rng(seed)
    old = _old(rng, int(rng.integers(1, 20)))
    old_middles = rng.integers(0, 500, len(old.codes), dtype=np.int32)
    if old_has_middles:
        old = replace(old, middles=old_middles)
    rows = [r for r in range(len(old)) if rng.random() < 0.7]
    rows.insert(int(rng.integers(0, len(rows) + 1)), -1)
    rows.insert(int(rng.integers(0, len(rows) + 1)), -1)
    coder = ChunkCoder(range(len(rows)), old.codec)
    coder.codes.update({i: rng.integers(0, 256, (3, SUBQUANTIZERS), np.uint8)
                        for i, r in enumerate(rows) if r < 0})  # fmt: skip
    merged = code_tokens(coder, old, rows)
    assert merged is not None
    mismatched = next(i for i, r in enumerate(rows) if r < 0)
    lengths = np.diff(merged.offsets)

    def passage(i: int) -> str:
        return "x" * (int(lengths[i]) + (1 if i == mismatched else 0))

    with_mid = with_middles(merged, old, rows, passage, _spans)
    assert with_mid.check(len(rows), old.codec.dim) is None
    for i, r in enumerate(rows):
        got = with_mid.middles_of(i)
        assert got is not None and len(got) == lengths[i]
        if i == mismatched:
            assert (got == -1).all()
        elif r >= 0 and old_has_middles:
            assert np.array_equal(got, old_middles[old.offsets[r] : old.offsets[r + 1]])
        else:
            assert got.tolist() == list(range(int(lengths[i])))


def test_middles_round_down_to_the_same_sentence_rows() -> None:
    spans = [(0, 3), (4, 9), (9, 10), (11, 16)]
    stored = stored_middles(spans, 4)
    assert stored.dtype == np.int32 and stored.tolist() == [1, 6, 9, 13]
    exact = np.array([(s + e) / 2 for s, e in spans])
    for start in range(0, 17):
        for end in range(start, 18):
            lo, hi = np.searchsorted(exact, [start, end], side="left")
            assert np.searchsorted(stored, [start, end], side="left").tolist() == [lo, hi]
