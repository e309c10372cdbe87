"""Token-level states of chunks, compressed, for late-interaction ("maxsim") re-ranking.

Why: one pooled vector per chunk blurs which facts a passage holds. Across languages that is what
keeps recall@1 down: an English question's gold Russian paragraph is usually in the top 5 but
behind a paragraph on the same topic. Comparing every question token with every passage token
(ColBERT's maxsim) on a middle layer of the same e5 model, where the multilingual encoder aligns
words across languages (the SimAlign finding), separates them: XQuAD en->ru R@1 0.884 -> 0.913
in `newsbot eval` (rag/retrieval/retriever.py has the other sets); same-language sets gain
0.3-1.3 points.

The states come out of the forward pass that embeds the chunk anyway, so indexing costs no more
model time. Raw they are 1.5 KB per token; product quantisation (64 sub-vectors x 8 bits, k-means
codebooks) stores 64 bytes per token, ~9 KB per 500-character chunk, within 0.3 points of
raw states on XQuAD en->ru (PCA to 128 dimensions + int8, twice the bytes, lost a point; PCA to 64
lost 1.7). A codebook trained on the 3,500 tokens of the bundled corpus alone did as well, so the
first build's codebook serves later incremental updates (`bench/token_rerank.py --raw 10`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

TokenStates = npt.NDArray[np.float32]  # (tokens, dim), L2-normalised rows
Codes = npt.NDArray[np.uint8]  # (tokens, SUBQUANTIZERS)
Middles = npt.NDArray[np.int32]  # (tokens,)

# Hidden layer whose token states are kept (of e5-small's 12; 0 = the embedding layer). Layers
# 9-11 were equally good and clearly better than 6-8 or the last one (the study above).
TOKEN_LAYER = 10
SUBQUANTIZERS = 64
_BITS = 8
_CENTROIDS = 1 << _BITS
# k-means sample: a codebook from the bundled corpus's 3,500 tokens came within 0.3 points R@1 on
# XQuAD en->ru of one from all 77k tokens of its paragraphs; this keeps training near 1 s.
TRAINING_TOKENS = 8_192
_SEED = 1234
# Lloyd iterations per sub-quantiser: FAISS's default for product quantisers, which trained these
# codebooks before (same reconstruction, cosine 0.9153 against 0.9154 on 8k synthetic tokens).
_ITERATIONS = 25
# How far apart an empty centroid and the one it takes half the points of start (FAISS's value).
_SPLIT = 1.0 / 1024
# Points per distance block: a (2048 x 256) block stays in cache (1.6 s for 8k tokens, against
# 2.6 s with 512 and 3.0 s with all 8k at once, on 2 busy cores).
_BLOCK = 2048


def normalise(states: npt.NDArray[np.floating]) -> TokenStates:
    """Rows scaled to unit length (all-zero rows stay zero)."""
    x = np.asarray(states, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    out: TokenStates = x / np.maximum(norms, 1e-12)
    return out


def maxsim(query: TokenStates, passage: TokenStates) -> float:
    """Mean over the query's tokens of the best cosine with any passage token."""
    if len(query) == 0 or len(passage) == 0:
        return 0.0
    return float((query @ passage.T).max(axis=1).mean())


@dataclass(frozen=True)
class TokenCodec:
    """Product-quantisation codebooks: `codebook[m, c]` is centroid c of sub-vector m."""

    codebook: npt.NDArray[np.float32]  # (SUBQUANTIZERS, 256, dim // SUBQUANTIZERS)

    @property
    def dim(self) -> int:
        return int(self.codebook.shape[0] * self.codebook.shape[2])

    @classmethod
    def train(cls, states: TokenStates) -> TokenCodec:
        """Codebooks fitted to (a sample of) `states`, deterministic for the same input.

        Fewer distinct tokens than centroids (a tiny corpus) are repeated up to 256 rows:
        k-means then gives each its own centroid, so those tokens are coded without loss.
        """
        x = normalise(states)
        if len(x) == 0:
            raise ValueError("no token states to train the codec on")
        dim = x.shape[1]
        if dim % SUBQUANTIZERS:
            raise ValueError(f"dimension {dim} is not a multiple of {SUBQUANTIZERS}")
        if len(x) > TRAINING_TOKENS:
            rng = np.random.default_rng(_SEED)
            x = x[np.sort(rng.choice(len(x), TRAINING_TOKENS, replace=False))]
        if len(x) < _CENTROIDS:
            x = np.resize(x, (_CENTROIDS, dim))
        sub = dim // SUBQUANTIZERS
        rng = np.random.default_rng(_SEED)
        return cls(
            np.stack(
                [
                    _kmeans(np.ascontiguousarray(x[:, m * sub : (m + 1) * sub]), rng)
                    for m in range(SUBQUANTIZERS)
                ]
            )
        )

    @cached_property
    def _centroid_norms(self) -> npt.NDArray[np.float32]:
        norms: npt.NDArray[np.float32] = (self.codebook * self.codebook).sum(axis=2)
        return norms

    def encode(self, states: TokenStates) -> Codes:
        """Nearest centroid per sub-vector of every (normalised) row.

        One matrix product per sub-vector: 1.5x faster than FAISS's `compute_codes` here.
        """
        x = normalise(states)
        sub = self.codebook.shape[2]
        codes = np.empty((len(x), SUBQUANTIZERS), dtype=np.uint8)
        for m in range(SUBQUANTIZERS):
            # |a - c|^2 = |a|^2 - 2 a.c + |c|^2, and |a|^2 does not change the argmin
            dist = self._centroid_norms[m][None, :] - 2.0 * (
                x[:, m * sub : (m + 1) * sub] @ self.codebook[m].T
            )
            codes[:, m] = dist.argmin(axis=1)
        return codes

    @cached_property
    def _flat(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp]]:
        """The codebook as one table of sub-vectors, and where each sub-quantiser's starts."""
        flat = np.ascontiguousarray(self.codebook.reshape(-1, self.codebook.shape[2]))
        return flat, np.arange(SUBQUANTIZERS, dtype=np.intp) * self.codebook.shape[1]

    def decode(self, codes: Codes) -> TokenStates:
        """Approximate states of `codes`, re-normalised (maxsim compares cosines).

        One `take` from the flat table: half the time of indexing the 3-D codebook by
        (sub-quantiser, code) pairs (0.11 against 0.22 ms for a 130-token chunk).
        """
        if len(codes) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        flat, base = self._flat
        parts = np.take(flat, (codes.astype(np.intp) + base).ravel(), axis=0)
        return normalise(parts.reshape(len(codes), -1))


def _kmeans(points: npt.NDArray[np.float32], rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """`_CENTROIDS` centroids of `points` (at least that many rows) by Lloyd's k-means, as FAISS
    runs it: random rows to start, an empty centroid splits the largest cluster.

    Not FAISS's own: it assigns points with BLAS only when told to through a process-wide
    threshold (`distance_compute_blas_threshold`, 128,000 points by default; its other path was
    ~9x slower on 6-dimensional sub-vectors), and lowering that while answer threads search
    changes how their searches run. Here a matrix product per block does the assignment.
    """
    n, dim = points.shape
    centroids = points[rng.permutation(n)[:_CENTROIDS]].copy()
    with_one = np.hstack([points, np.ones((n, 1), dtype=np.float32)])
    nearest = np.empty(n, dtype=np.intp)
    split = np.where(np.arange(dim) % 2 == 0, _SPLIT, -_SPLIT).astype(np.float32)
    for _ in range(_ITERATIONS):
        # |p - c|^2 = |p|^2 - 2 p.c + |c|^2, and |p|^2 does not change the argmin
        weights = np.vstack([-2.0 * centroids.T, (centroids * centroids).sum(axis=1)[None, :]])
        weights = weights.astype(np.float32)
        for start in range(0, n, _BLOCK):
            block = with_one[start : start + _BLOCK] @ weights
            np.argmin(block, axis=1, out=nearest[start : start + _BLOCK])
        counts = np.bincount(nearest, minlength=_CENTROIDS)
        sums = np.stack(
            [np.bincount(nearest, weights=points[:, j], minlength=_CENTROIDS) for j in range(dim)],
            axis=1,
        )
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled, None]
        for empty in np.flatnonzero(~filled):
            big = int(counts.argmax())
            centroids[empty] = centroids[big] * (1 + split)
            centroids[big] *= 1 - split
            counts[empty] = counts[big] // 2
            counts[big] -= counts[empty]
    return centroids


def stored_middles(spans: Sequence[tuple[int, int]], count: int) -> Middles:
    """The middles to store for a chunk of `count` token states, from the tokenizer's
    character spans of its passage text; all -1 when the two do not line up (the answer step
    then matches the sentence on the whole chunk, as it would tokenising at question time).

    Rounded down: for whole-number sentence bounds, `floor(m) < b` exactly when `m < b`, so
    sentences get the same rows as from the exact middles.
    """
    if len(spans) != count:
        return np.full(count, -1, dtype=np.int32)
    return np.array([(s + e) // 2 for s, e in spans], dtype=np.int32).reshape(count)


def pack(per_chunk: list[Codes]) -> tuple[Codes, npt.NDArray[np.int64]]:
    """One codes matrix for all chunks plus offsets: chunk i is `codes[off[i]:off[i + 1]]`."""
    offsets = np.zeros(len(per_chunk) + 1, dtype=np.int64)
    if per_chunk:
        offsets[1:] = np.cumsum([len(c) for c in per_chunk])
    codes = (
        np.concatenate(per_chunk).astype(np.uint8, copy=False)
        if per_chunk and offsets[-1]
        else np.zeros((0, SUBQUANTIZERS), dtype=np.uint8)
    )
    return codes, offsets


@dataclass(frozen=True)
class ChunkTokens:
    """Every chunk's coded token states: chunk `row`'s are `codes[offsets[row]:offsets[row+1]]`."""

    codec: TokenCodec
    codes: Codes
    offsets: npt.NDArray[np.int64]  # (chunks + 1,), non-decreasing, from 0 to len(codes)
    layer: int
    # Each token's middle character in its chunk's passage text, row for row with `codes`
    # (None: an index written before they were stored; -1: not known for that chunk).
    middles: Middles | None = None

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def codes_of(self, row: int) -> Codes:
        return self.codes[int(self.offsets[row]) : int(self.offsets[row + 1])]

    def states(self, row: int) -> TokenStates:
        return self.codec.decode(self.codes_of(row))

    def middles_of(self, row: int) -> Middles | None:
        if self.middles is None:
            return None
        return self.middles[int(self.offsets[row]) : int(self.offsets[row + 1])]

    def check(self, chunks: int, dim: int) -> str | None:
        """What is inconsistent about these arrays for `chunks` rows of `dim` (None: fine)."""
        off = self.offsets
        if self.codec.codebook.shape[:2] != (SUBQUANTIZERS, _CENTROIDS):
            return f"token codebook of shape {self.codec.codebook.shape}"
        if self.codec.dim != dim:
            return f"token codebook of dimension {self.codec.dim}, expected {dim}"
        if self.codes.dtype != np.uint8 or self.codes.ndim != 2:
            return f"token codes are {self.codes.dtype} {self.codes.shape}"
        if self.codes.shape[1] != self.codec.codebook.shape[0]:
            return f"token codes have {self.codes.shape[1]} columns"
        if off.dtype != np.int64 or off.shape != (chunks + 1,):
            return f"token offsets are {off.dtype} {off.shape}, expected {chunks + 1} entries"
        if chunks + 1 and (off[0] != 0 or off[-1] != len(self.codes) or (np.diff(off) < 0).any()):
            return "token offsets do not partition the codes"
        mid = self.middles
        if mid is not None and (mid.dtype != np.int32 or mid.shape != (len(self.codes),)):
            return f"token middles are {mid.dtype} {mid.shape}, expected {len(self.codes)} int32"
        return None
