"""The FAISS search restricted to some rows (a date range) finds the best rows among them."""

from __future__ import annotations

import numpy as np
import pytest

from index.store.ann import IndexKind, build_faiss_index, search


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_search_among_rows_returns_their_best_only(kind: IndexKind) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index, _ = build_faiss_index(vectors, kind)
    query = vectors[:1] + 0.01
    rows = np.arange(2000, 3000, 7, dtype=np.int64)  # the query's own row is not among them
    found = [r for r, _ in search(index, query, 10, rows)[0]]
    best = rows[np.argsort(-(vectors[rows] @ query[0]))[:10]]
    assert set(found) <= set(rows.tolist())
    assert len(set(found) & set(best.tolist())) >= 9
    assert search(index, query, 10)[0][0][0] == 0  # unrestricted, its own row comes first
