"""Score-level fusion of dense (e5) retrieval with BM25, gated by language.

Why not rank fusion: BM25 over stems means nothing between an English question and a Russian
passage, yet RRF gives its (random) top ranks the same vote as dense ones; on XQuAD en->ru that
drops recall@1 from 0.81 to 0.23. Here every channel is z-normalised over the query's candidate
pool and the stem-BM25 channel only counts for rows whose language is the query's. Names,
numbers and acronyms, keyed across scripts (`rag.retrieval.lexical.name_keys`), are a separate
channel that counts for every row.

    fused = z(e5 - hub_beta * hub) + [same language] * w_lexical * z(bm25) + w_names * z(names)
            + [other language] * w_use * z(use)

`hub` is each passage's mean cosine to its 10 nearest reference questions in the query's language
(CSLS). It removes e5's language bias: in a mixed RU/EN index a question drifts to passages in its
own language (or with Latin-script quotes); see `evaluation.research.hub_scores`.

Constants (`DEFAULT`, `WITH_USE`): grid search by `bench/retrieval_research.py --tune/--tune-use`
on half "A" of the questions (split by a hash of the source id) of XQuAD en->ru, ru->ru, en->en,
mixed-language XQuAD (en/ru questions), TyDi QA GoldP ru->ru and en->en; objective: mean R@1
over the seven settings. The optimum is flat (many points within 0.002 of the best), so round
values from the plateau were taken; the held-out half "B" numbers are in that script's table.
Hub references in that search: the other dataset's questions (TyDi for XQuAD and vice versa).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class FusionParams:
    """Weights of the channels relative to the dense one (whose weight is 1)."""

    w_lexical: float  # stem BM25, rows in the query's language only
    w_names: float  # cross-script name/number keys, every row
    w_use: float = 0.0  # USE-multilingual cosine for rows in another language than the query's
    w_use_same: float = 0.0  # ... for rows in the query's language (e5 alone is better there)
    w_lexical_cross: float = 0.0  # stem BM25 for rows in another language (kept 0: it is noise)
    hub_beta: float = 0.0  # CSLS hubness correction of the dense cosine (evaluation.research)


# Half A mean R@1 0.893 (best 0.895); without `hub` passed, hub_beta is simply unused.
DEFAULT = FusionParams(w_lexical=0.3, w_names=0.1, hub_beta=0.75)
# Half A mean R@1 0.920 (best 0.922): USE only for rows in the other language (it hurts TyDi ru).
WITH_USE = FusionParams(w_lexical=0.3, w_names=0.1, hub_beta=0.75, w_use=1.0)


def zscore(x: FloatArray) -> npt.NDArray[np.float64]:
    """(x - mean) / std over the candidate pool; all zeros when the pool has no spread."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x
    sd = float(x.std())
    if sd < 1e-9:
        return np.zeros_like(x)
    return (x - float(x.mean())) / sd


def fused_scores(
    dense: FloatArray,
    lexical: FloatArray,
    names: FloatArray,
    same_language: BoolArray,
    params: FusionParams,
    use: FloatArray | None = None,
    hub: FloatArray | None = None,
) -> npt.NDArray[np.float64]:
    """Fused score per candidate; all arrays are aligned with the candidate pool.

    `hub`: `evaluation.research.hub_scores` of the candidates for the query's language (None:
    no correction).
    """
    if hub is not None and params.hub_beta:
        dense = np.asarray(dense, dtype=np.float64) - params.hub_beta * np.asarray(
            hub, dtype=np.float64
        )
    out = zscore(dense)
    w_lex = np.where(same_language, params.w_lexical, params.w_lexical_cross)
    out = out + w_lex * zscore(lexical)
    if params.w_names:
        out = out + params.w_names * zscore(names)
    if use is not None and (params.w_use or params.w_use_same):
        out = out + np.where(same_language, params.w_use_same, params.w_use) * zscore(use)
    return out


def fuse(
    rows: IntArray,
    dense: FloatArray,
    lexical: FloatArray,
    names: FloatArray,
    same_language: BoolArray,
    params: FusionParams = DEFAULT,
    use: FloatArray | None = None,
    hub: FloatArray | None = None,
) -> list[tuple[int, float]]:
    """Candidate rows ranked by fused score, best first (ties keep the input order)."""
    s = fused_scores(dense, lexical, names, same_language, params, use, hub)
    order = np.argsort(-s, kind="stable")
    return [(int(rows[i]), float(s[i])) for i in order]


def candidate_pool(*ranked: IntArray) -> IntArray:
    """Union of several channels' top rows, in first-seen order (dense first by convention)."""
    seen: dict[int, None] = {}
    for rows in ranked:
        for r in rows.tolist():
            seen[int(r)] = None
    return np.fromiter(seen, dtype=np.int64, count=len(seen))
