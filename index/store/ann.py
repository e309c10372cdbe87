"""The FAISS search structure of a generation: which kind, building it (with HNSW efSearch
tuned on the data itself), writing, reading back with its checks, and searching it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
import numpy.typing as npt

from index.embedder import Vectors
from index.runtime import use_faiss_threads
from index.store.layout import FAISS_FILE, corrupt

log = logging.getLogger(__name__)

IndexKind = Literal["flat", "hnsw"]
INDEX_KINDS: tuple[IndexKind, ...] = ("flat", "hnsw")

# HNSW parameters; bench/ann_recall.py measured recall@10 against exact search for these.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_CANDIDATES = (64, 128, 256, 512)
TARGET_RECALL_AT_10 = 0.95
_TUNING_QUERIES = 200
_TUNING_SEED = 1234
# An extended graph keeps the efSearch tuned for it until it has this share more rows: the
# exact search the tuning needs grows linearly with the index (0.8 s at 100k rows), while a
# few appended rows leave the measured recall where it was.
RETUNE_GROWTH = 0.1
_EXACT_BLOCK_ROWS = 65536

SearchHits = list[list[tuple[int, float]]]


def choose_index_kind(n_chunks: int, exact_search_max_chunks: int) -> IndexKind:
    """Exact search while it is fast enough, HNSW past that (see bench/ann_recall.py)."""
    return "flat" if n_chunks <= exact_search_max_chunks else "hnsw"


@dataclass(frozen=True)
class LiveIndex:
    """The live generation's search index and the parameters its manifest records."""

    index: faiss.Index
    params: Mapping[str, float]


def build_faiss_index(
    vectors: Vectors, kind: IndexKind, extend: LiveIndex | None = None
) -> tuple[faiss.Index, dict[str, float]]:
    """The search structure over `vectors` (inner product == cosine for unit rows).

    `extend`: the live generation's index; when it is an HNSW graph over exactly the first rows
    of `vectors`, a copy of it gets only the rows past those (`extend_hnsw`), and keeps its
    tuned efSearch while it has grown by less than RETUNE_GROWTH since that tuning."""
    use_faiss_threads()
    dim = vectors.shape[1]
    if kind == "flat":
        flat = faiss.IndexFlatIP(dim)
        flat.add(vectors)
        return flat, {}
    hnsw: Any = extend_hnsw(extend.index, vectors) if extend is not None else None
    kept = _kept_tuning(extend.params, len(vectors)) if hnsw is not None and extend else None
    if hnsw is None:
        hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        hnsw.add(vectors)
    if kept is not None:
        ef, recall, tuned_rows = kept
    else:
        (ef, recall), tuned_rows = tune_ef_search(hnsw, vectors), len(vectors)
    hnsw.hnsw.efSearch = ef
    params = {
        "M": float(HNSW_M),
        "ef_construction": float(HNSW_EF_CONSTRUCTION),
        "ef_search": float(ef),
        "measured_recall_at_10": round(recall, 4),
        "tuned_rows": float(tuned_rows),  # how many rows the graph had when ef was tuned
    }
    return hnsw, params


def _kept_tuning(params: Mapping[str, float], n_rows: int) -> tuple[int, float, int] | None:
    """The live graph's efSearch, recall and tuned size, if still valid for `n_rows` rows."""
    tuned_rows, ef = params.get("tuned_rows"), params.get("ef_search")
    if not tuned_rows or not ef or n_rows > tuned_rows * (1 + RETUNE_GROWTH):
        return None
    return int(ef), float(params.get("measured_recall_at_10", 0.0)), int(tuned_rows)


def extend_hnsw(base: faiss.Index, vectors: Vectors) -> faiss.Index | None:
    """A copy of `base` with the rows of `vectors` past its own added; None unless `base` is an
    HNSW graph of these parameters holding exactly `vectors`' first rows, bit for bit.

    Why: rebuilding the graph cost ~25 s of the 59 s that ingesting one article into 100k chunks
    took on the bot's one thread (bench/ingest_cost.py), though an update that only adds
    documents leaves every old row where it was. The copy keeps the live
    snapshot's graph untouched for the questions it is serving; the stored rows are compared,
    not assumed, so a reordered or changed row always means a fresh build.
    """
    if not isinstance(base, faiss.IndexHNSWFlat) or base.d != vectors.shape[1]:
        return None
    n_old = int(base.ntotal)
    graph: Any = base.hnsw
    if not 0 < n_old <= len(vectors) or graph.nb_neighbors(1) != HNSW_M:
        return None
    if not np.array_equal(base.reconstruct_n(0, n_old), vectors[:n_old]):
        return None
    copy = faiss.clone_index(base)
    copy.hnsw.efConstruction = HNSW_EF_CONSTRUCTION  # type: ignore[attr-defined]
    if n_old < len(vectors):
        copy.add(np.ascontiguousarray(vectors[n_old:]))
    log.info("HNSW graph of %d rows extended by %d", n_old, len(vectors) - n_old)
    return copy


def tune_ef_search(index: Any, vectors: Vectors) -> tuple[int, float]:
    """Smallest efSearch whose recall@10 vs exact search reaches the target on this data.

    Queries are perturbed copies of stored rows (a stored row itself would be found trivially),
    so the estimate reflects this corpus rather than the synthetic benchmark.
    """
    n, dim = vectors.shape
    k = min(10, n)
    rng = np.random.default_rng(_TUNING_SEED)
    rows = rng.choice(n, size=min(_TUNING_QUERIES, n), replace=False)
    queries = vectors[rows] + rng.standard_normal((len(rows), dim)).astype(np.float32) * (
        0.5 / np.sqrt(dim)
    )
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    truth = _exact_top_k(vectors, queries, k)
    recall = 0.0
    for ef in HNSW_EF_CANDIDATES:
        index.hnsw.efSearch = ef
        found = index.search(queries, k)[1]
        hits = sum(
            len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True)
        )
        recall = hits / truth.size
        if recall >= TARGET_RECALL_AT_10:
            return ef, recall
    log.warning("HNSW recall@10 %.3f below target even at efSearch=%d", recall, ef)
    return HNSW_EF_CANDIDATES[-1], recall


def _exact_top_k(vectors: Vectors, queries: Vectors, k: int) -> npt.NDArray[np.int64]:
    """Rows of the k best inner products per query (unordered), by blocks of rows.

    Why not an exact FAISS index: its k-best selection made the 200 tuning searches over 100k
    rows take 1.5-1.8 s on one thread, three times a matrix product and a partial sort."""
    scores = np.zeros((len(queries), 0), dtype=np.float32)
    rows = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), _EXACT_BLOCK_ROWS):
        block = np.asarray(vectors[start : start + _EXACT_BLOCK_ROWS], dtype=np.float32)
        block_rows = np.arange(start, start + len(block), dtype=np.int64)
        scores = np.concatenate([scores, queries @ block.T], axis=1)
        rows = np.concatenate([rows, np.broadcast_to(block_rows, (len(queries), len(block)))], 1)
        if scores.shape[1] > k:
            keep = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            scores = np.take_along_axis(scores, keep, axis=1)
            rows = np.take_along_axis(rows, keep, axis=1)
    return rows


def write_faiss(path: Path, index: faiss.Index) -> None:
    faiss.write_index(index, str(path))


def read_faiss(
    gen_dir: Path, kind: IndexKind, params: dict[str, float], n: int, dim: int
) -> faiss.Index:
    """The generation's index, checked against what its manifest says (CorruptIndexError)."""
    try:
        index = faiss.read_index(str(gen_dir / FAISS_FILE))
    except (RuntimeError, OSError) as exc:
        raise corrupt(gen_dir, f"{FAISS_FILE}: {exc}") from exc
    want_type = faiss.IndexFlatIP if kind == "flat" else faiss.IndexHNSWFlat
    if not isinstance(index, want_type) or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise corrupt(gen_dir, f"{FAISS_FILE} is not a {kind} index")
    if index.ntotal != n or index.d != dim:
        raise corrupt(gen_dir, f"{FAISS_FILE} holds {index.ntotal} x {index.d}")
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = int(params.get("ef_search", 128))
    return index


def search(
    index: faiss.Index,
    query_vectors: npt.NDArray[Any],
    k: int,
    rows: npt.NDArray[np.int64] | None = None,
) -> SearchHits:
    """Per query, up to k (row, cosine) pairs, best first; fewer when the index is smaller.

    `rows` restricts the search to those rows inside FAISS (an ID selector), so a filter
    never empties a result that rows passing it could fill."""
    dim = index.d
    queries = np.ascontiguousarray(np.atleast_2d(query_vectors), dtype=np.float32)
    if queries.ndim != 2 or queries.shape[1] != dim:
        raise ValueError(f"query vectors must be (n, {dim}), got {queries.shape}")
    k_eff = min(k, index.ntotal)
    if k_eff <= 0 or len(queries) == 0:
        return [[] for _ in range(len(queries))]
    use_faiss_threads()
    if rows is None:
        scores, ids = index.search(queries, k_eff)
    else:
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(rows, dtype=np.int64))
        if isinstance(index, faiss.IndexHNSWFlat):
            params: Any = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(index.hnsw.efSearch, k_eff)  # its own default would be 16
        else:
            params = faiss.SearchParameters()
        params.sel = selector
        scores, ids = index.search(queries, k_eff, params=params)
    return [
        [(int(i), float(s)) for i, s in zip(id_row, score_row, strict=True) if i >= 0]
        for id_row, score_row in zip(ids, scores, strict=True)
    ]
