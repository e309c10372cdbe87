"""FAISS: the search restricted to some rows (a date range) finds the best rows among them;
an HNSW graph is extended only when it holds exactly the first rows."""

from __future__ import annotations

import numpy as np
import pytest

from index.store import ann
from index.store.ann import IndexKind, LiveIndex, build_faiss_index, extend_hnsw, search


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


def _unit(n: int, seed: int = 3) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, 32)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_hnsw_is_extended_only_over_its_own_rows() -> None:
    vectors = _unit(1200)
    base, base_params = build_faiss_index(vectors[:1000], "hnsw")
    live = LiveIndex(base, base_params)
    grown, params = build_faiss_index(vectors, "hnsw", extend=live)
    assert base.ntotal == 1000  # the live index is copied, never changed
    assert grown.ntotal == 1200 and params["measured_recall_at_10"] >= 0.95
    assert [search(grown, vectors[[5, 1100]], 1)[i][0][0] for i in (0, 1)] == [5, 1100]
    assert extend_hnsw(base, vectors) is not None

    changed = vectors.copy()
    changed[10] = _unit(1, seed=9)[0]  # one old row differs: the graph would be wrong
    assert extend_hnsw(base, changed) is None
    assert extend_hnsw(base, vectors[:900]) is None  # fewer rows than the graph holds
    flat, _ = build_faiss_index(vectors[:1000], "flat")
    assert extend_hnsw(flat, vectors) is None
    rebuilt, _ = build_faiss_index(changed, "hnsw", extend=live)  # falls back to a build
    assert search(rebuilt, changed[10:11], 1)[0][0][0] == 10


def test_exact_top_k_over_row_blocks_matches_a_full_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((50, 8)).astype(np.float32)
    queries = rng.standard_normal((6, 8)).astype(np.float32)
    monkeypatch.setattr(ann, "_EXACT_BLOCK_ROWS", 7)  # several blocks, one of them short
    found = ann._exact_top_k(vectors, queries, 5)
    want = np.argsort(-(queries @ vectors.T), axis=1)[:, :5]
    assert [sorted(r) for r in found.tolist()] == [sorted(r) for r in want.tolist()]
    assert ann._exact_top_k(vectors[:3], queries, 3).shape == (6, 3)  # fewer rows than a block


def test_a_slightly_grown_graph_keeps_its_tuning_and_a_grown_one_is_retuned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vectors = _unit(1500)
    n = 1000
    base, params = build_faiss_index(vectors[:n], "hnsw")
    assert params["tuned_rows"] == n
    tuned: list[int] = []
    real = ann.tune_ef_search

    def counting(index: object, rows: np.ndarray) -> tuple[int, float]:
        tuned.append(len(rows))
        return real(index, rows)

    monkeypatch.setattr(ann, "tune_ef_search", counting)
    few = n + max(1, int(n * ann.RETUNE_GROWTH) // 2)
    grown, kept = build_faiss_index(vectors[:few], "hnsw", extend=LiveIndex(base, params))
    assert tuned == [] and kept["tuned_rows"] == n and kept["ef_search"] == params["ef_search"]
    assert grown.hnsw.efSearch == int(params["ef_search"])
    many = int(n * (1 + ann.RETUNE_GROWTH)) + 1
    _, retuned = build_faiss_index(vectors[:many], "hnsw", extend=LiveIndex(grown, kept))
    assert tuned == [many] and retuned["tuned_rows"] == many
    # A manifest written before tuned sizes were recorded: tuned again.
    old = {k: v for k, v in params.items() if k != "tuned_rows"}
    build_faiss_index(vectors[:few], "hnsw", extend=LiveIndex(base, old))
    assert tuned == [many, few]
