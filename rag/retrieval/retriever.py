"""Hybrid retrieval over one index snapshot: dense e5 + BM25 (+ USE), fused, with date filters."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

from index.chunking import passage_text
from index.embedder import Embedder, TokenEmbedder, Vectors
from index.store import IndexSnapshot
from index.tokens import TokenStates, maxsim
from nlp.dates import parse_date

# "Latest" questions: passages within this cosine of the most relevant one count as equally
from nlp.names import name_keys
from rag.answering.question import Question
from rag.retrieval.fusion import DEFAULT, WITH_USE, FusionParams, candidate_pool, fuse, zscore
from rag.retrieval.hits import Hit
from rag.retrieval.lexical import LexicalIndex

# "Latest" questions: passages within this cosine of the most relevant one count as equally
# relevant and are ordered newest first (e5 cosines of on-topic passages differ by ~0.01-0.03).
LATEST_MARGIN = 0.03
# The chunk's best sentence joins its dense score: a question usually targets one sentence, and
# across languages that sentence matches more clearly than the whole chunk. Equal weight, not
# tuned: XQuAD en->ru R@1 0.89 -> 0.91 on the first 400 questions, ru->ru and TyDi ru unchanged.
SENTENCE_WEIGHT = 1.0
# Late interaction (index/tokens.py): the fused ranking's best TOKEN_RERANK_DEPTH chunks are
# re-ordered by z(fused) + TOKEN_WEIGHT * z(maxsim of the question's and the chunk's token states).
# Equal weight and depth 8 (R@5 is already 0.99): bench/token_rerank.py shows the grid on two
# halves of the questions. `newsbot eval`, same run without/with: XQuAD en->ru R@1 0.884 -> 0.913,
# ru->ru 0.958 -> 0.964, en->en 0.968 -> 0.978, TyDi ru 0.897 -> 0.905, TyDi en 0.952 -> 0.959.
TOKEN_RERANK_DEPTH = 8
TOKEN_WEIGHT = 1.0


def embed_question(embedder: Embedder, text: str) -> tuple[Vectors, TokenStates | None]:
    """The question's vector and, when the embedder gives them, its token states (one pass)."""
    if isinstance(embedder, TokenEmbedder):
        return embedder.embed_query_with_tokens(text)
    return embedder.embed_queries([text])[0], None


# A date range holding at most this many chunks is scanned exactly (cost linear in the rows in
# range: a gather and a dot product each); a wider one is searched by FAISS with the range as
# an ID selector (tests/test_ann.py checks HNSW still finds the best rows passing it).
EXACT_FILTERED_ROWS = 20_000


class HybridRetriever:
    """Fuses dense e5, stem BM25, name keys and, when available, a second embedder's cosine.

    The second channel (USE) is on when the snapshot holds second vectors and a matching
    `second_embedder` is given: the question is embedded with it (~1.6 ms) and its best rows join
    the candidate pool. `params` defaults to `WITH_USE` then and to `DEFAULT` otherwise.
    """

    def __init__(
        self,
        snapshot: IndexSnapshot,
        candidates: int = 50,
        params: FusionParams | None = None,
        *,
        second_embedder: Embedder | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.candidates = candidates
        if second_embedder is not None and snapshot.second_identity != second_embedder.identity:
            second_embedder = None  # no channel, or another model's vectors: cannot compare
        self.second_embedder = second_embedder
        self.params = params or (WITH_USE if second_embedder is not None else DEFAULT)
        # The title names what a chunk is about even when its sentences never repeat it
        # ("Official languages are ..." under "Aruba"): +4 points R@1 on TyDi ru (bench/).
        texts = [passage_text(snapshot.document_of(c).title, c.text) for c in snapshot.chunks]
        self.lexical = LexicalIndex.build(texts)
        self.names = LexicalIndex.build(texts, tokenizer=name_keys)
        self._row_lang = [snapshot.document_of(c).language for c in snapshot.chunks]
        self._row_date = [_doc_date(snapshot, c.doc_id) for c in snapshot.chunks]
        self._row_day = np.array([d.toordinal() if d else -1 for d in self._row_date], np.int64)

    def search(
        self,
        question: Question,
        query_vector: Vectors,
        *,
        k: int,
        since: date | None = None,
        until: date | None = None,
        query_tokens: TokenStates | None = None,
    ) -> list[Hit]:
        """Best `k` chunks; `query_tokens` (from `embed_question`) turns on the token re-ranking
        when the snapshot stores token states."""
        n = len(self.snapshot)
        if n == 0:
            return []
        pool = min(n, self.candidates)
        qvec = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        bm25 = self.lexical.scores(question.text)
        names = self.names.scores(question.text)
        use_all = self._second_scores(question)
        allowed = None if since is None and until is None else self._rows_in_range(since, until)
        if allowed is not None:
            # Filtered inside the search, not after it: every channel ranks only the rows in
            # range, so a narrow range that holds documents never comes back empty.
            if not len(allowed):
                return []
            bm25, names = _only(bm25, allowed), _only(names, allowed)
            use_all = _only(use_all, allowed) if use_all is not None else None
        rows = candidate_pool(
            self._dense_rows(qvec, pool, allowed),
            _top(bm25, pool),
            _top(names, pool),
            *([_top_any(use_all, pool)] if use_all is not None else []),
        )
        if allowed is not None:  # a channel with fewer rows in range than `pool` pads with -inf
            rows = rows[np.isin(rows, allowed)]
        dense = self.snapshot.vectors[rows] @ qvec
        if SENTENCE_WEIGHT:
            dense = dense + SENTENCE_WEIGHT * self._best_sentence(rows, qvec)
        same = np.fromiter(
            (self._row_lang[r] == question.language for r in rows.tolist()), dtype=np.bool_
        )
        use = use_all[rows] if use_all is not None else None
        fused = fuse(rows, dense, bm25[rows], names[rows], same, self.params, use=use)
        if query_tokens is not None and self.snapshot.tokens is not None:
            fused = self._rerank_by_tokens(fused, query_tokens)
        dense_of = {int(r): float(d) for r, d in zip(rows, dense, strict=True)}
        if question.wants_latest:
            fused = self._prefer_recent(fused, dense_of)
        return [self._hit(row, score, dense_of[row]) for row, score in fused[:k]]

    def _hit(self, row: int, score: float, dense: float) -> Hit:
        chunk = self.snapshot.chunks[row]
        return Hit(chunk, self.snapshot.document_of(chunk), score=score, dense=dense)

    def _dense_rows(
        self, qvec: Vectors, pool: int, allowed: npt.NDArray[np.int64] | None
    ) -> npt.NDArray[np.int64]:
        """The dense channel's best rows, among `allowed` (a date range) when given."""
        if allowed is not None and len(allowed) <= EXACT_FILTERED_ROWS:
            return allowed[_top_any(self.snapshot.vectors[allowed] @ qvec, pool)]
        found = self.snapshot.search(qvec[None, :], pool, rows=allowed)[0]
        return np.fromiter((r for r, _ in found), dtype=np.int64)

    def _rerank_by_tokens(
        self, ranked: list[tuple[int, float]], query_tokens: TokenStates
    ) -> list[tuple[int, float]]:
        """The head of `ranked` re-ordered by fused score and token maxsim together.

        The head keeps its own scores in descending order (position i gets the i-th best of
        them), so scores stay monotonic and on the fused scale for whoever reads them.
        """
        tokens = self.snapshot.tokens
        head = ranked[:TOKEN_RERANK_DEPTH]
        if tokens is None or len(head) < 2 or len(query_tokens) == 0:
            return ranked
        fused = np.array([s for _, s in head])
        late = np.array([maxsim(query_tokens, tokens.states(r)) for r, _ in head])
        order = np.argsort(-(zscore(fused) + TOKEN_WEIGHT * zscore(late)), kind="stable")
        slots = sorted((s for _, s in head), reverse=True)
        return [(head[i][0], slots[j]) for j, i in enumerate(order.tolist())] + ranked[len(head) :]

    def _best_sentence(
        self, rows: npt.NDArray[np.int64], qvec: Vectors
    ) -> npt.NDArray[np.float32]:
        """Per chunk row, the best cosine of the question with one of its sentences."""
        out = np.zeros(len(rows), dtype=np.float32)
        for i, row in enumerate(rows.tolist()):
            spans = self.snapshot.sentences_in(self.snapshot.chunks[row])
            if spans:
                vecs = self.snapshot.sentence_vectors[[r for _, _, r in spans]]
                out[i] = float(np.max(vecs @ qvec))
            else:
                out[i] = float(self.snapshot.vectors[row] @ qvec)
        return out

    def _second_scores(self, question: Question) -> npt.NDArray[np.float32] | None:
        """The second embedder's cosine of the question with every chunk (None: channel off).

        A full scan: 512 floats per chunk is ~1 ms per 10k chunks, less than a FAISS index
        would save at this corpus size, and it needs no second search structure on disk.
        """
        second = self.snapshot.second_vectors
        if self.second_embedder is None or second is None:
            return None
        qvec = np.asarray(self.second_embedder.embed_queries([question.text]), dtype=np.float32)
        scores: npt.NDArray[np.float32] = second @ qvec.reshape(-1)
        return scores

    def _rows_in_range(self, since: date | None, until: date | None) -> npt.NDArray[np.int64]:
        """Rows dated within [since, until]; an unknown date cannot be shown to be in range."""
        day = self._row_day
        inside = day >= 0
        if since is not None:
            inside &= day >= since.toordinal()
        if until is not None:
            inside &= day <= until.toordinal()
        return np.flatnonzero(inside).astype(np.int64)

    def _prefer_recent(
        self, ranked: list[tuple[int, float]], dense_of: dict[int, float]
    ) -> list[tuple[int, float]]:
        """Among passages about as relevant as the best one, newest first (unknown dates last).

        Relevance is judged on the raw cosine, not the fused z-scores, which a small candidate
        pool stretches until any difference looks large.
        """
        if not ranked:
            return ranked
        best = max(dense_of[r] for r, _ in ranked)
        near = [(r, s) for r, s in ranked if dense_of[r] >= best - LATEST_MARGIN]
        rest = [(r, s) for r, s in ranked if dense_of[r] < best - LATEST_MARGIN]
        near.sort(key=lambda rs: (self._row_date[rs[0]] or date.min, rs[1]), reverse=True)
        return near + rest


def _doc_date(snapshot: IndexSnapshot, doc_id: str) -> date | None:
    raw = snapshot.documents[doc_id].date
    return parse_date(raw) if raw else None


def _only(scores: npt.NDArray[np.float32], rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """`scores` with every row outside `rows` at -inf, so no top-k prefers one."""
    out = np.full_like(scores, -np.inf)
    out[rows] = scores[rows]
    return out


def _top_any(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
    """Rows of the `k` best scores, whatever their sign (a cosine channel)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return np.asarray(top[np.argsort(-scores[top], kind="stable")], dtype=np.int64)


def _top(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
    """Rows of the `k` best positive scores (a channel with no match contributes nothing)."""
    positive = int(np.count_nonzero(scores > 0))
    k = min(k, positive)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return np.asarray(top[np.argsort(-scores[top], kind="stable")], dtype=np.int64)
