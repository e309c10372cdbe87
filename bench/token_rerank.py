"""Late-interaction re-ranking study: depth, weight, layer and compression of the token channel.

Reproduces the choices in `rag/retrieval/retriever.py` (TOKEN_RERANK_DEPTH, TOKEN_WEIGHT) and
`index/tokens.py` (TOKEN_LAYER, 64-byte product codes) on the eval indexes that `newsbot eval`
builds under var/eval/ (run it first). For every question the production retriever ranks without
the token channel; the head is then re-scored as z(fused) + w * z(maxsim), reporting R@1 on the
two halves of the questions (split by a hash of the source id, as in retrieval_research.py):

    .venv/bin/python bench/token_rerank.py                 # stored PQ codes: depth x weight grid
    .venv/bin/python bench/token_rerank.py --raw 6 8 10 12 # uncompressed states of those layers
                                                           # (re-embeds the head chunks: minutes)
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import index.torch_embedder as embedder_module  # noqa: E402
from evaluation.retrieval import read_jsonl  # noqa: E402
from evaluation.settings import EvalSettings  # noqa: E402
from index.chunking import passage_text  # noqa: E402
from index.embedder_loader import load_embedder  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from index.store import IndexSnapshot  # noqa: E402
from index.tokens import TokenStates, maxsim  # noqa: E402
from index.torch_embedder import SentenceTransformerEmbedder  # noqa: E402
from rag.answering.question import analyse  # noqa: E402
from rag.retrieval.fusion import zscore  # noqa: E402
from rag.retrieval.retriever import HybridRetriever, embed_question  # noqa: E402

SETS = [  # name, folder, question setting, indexed language
    ("xquad en-ru", "xquad", "en-ru", "ru"),
    ("xquad ru-ru", "xquad", "ru-ru", "ru"),
    ("xquad en-en", "xquad", "en-en", "en"),
    ("tydi ru-ru", "tydiqa-goldp", "ru-ru", "ru"),
    ("tydi en-en", "tydiqa-goldp", "en-en", "en"),
]
# The converted public sets (shared/eval/convert.py), as `newsbot eval` reads them.
EVAL_DIR = EvalSettings().eval_dir or REPO.parent / "shared" / "eval" / "converted"
DEPTHS = (5, 8, 12)
WEIGHTS = (0.0, 0.5, 0.75, 1.0, 1.25, 1.5)
HEAD = max(DEPTHS)


class Question:
    def __init__(self, gold: str, half_a: bool, rows: list[int], fused: list[float]) -> None:
        self.gold, self.half_a, self.rows, self.fused = gold, half_a, rows, fused
        self.late: dict[str, list[float]] = {}


def collect(
    snap: IndexSnapshot,
    retriever: HybridRetriever,
    embedder: SentenceTransformerEmbedder,
    qs: list,
) -> tuple[list[Question], list[TokenStates]]:
    out, query_states = [], []
    for q in qs:
        question = analyse(str(q["question"]))
        qvec, qtok = embed_question(embedder, question.text)
        hits = retriever.search(question, qvec, k=HEAD)  # no tokens: the fused ranking
        half = hashlib.sha1(str(q["source_id"]).encode()).digest()[0] % 2 == 0
        rows = [snap.row_of(h.chunk.chunk_id) for h in hits]
        out.append(Question(str(q["context_id"]), half, rows, [h.score for h in hits]))
        query_states.append(qtok if qtok is not None else np.zeros((0, 1), np.float32))
    return out, query_states


def recall(snap: IndexSnapshot, qs: list[Question], key: str, depth: int, w: float) -> tuple:
    hits = {True: [], False: []}
    for q in qs:
        d = min(depth, len(q.rows))
        score = zscore(np.array(q.fused[:d]))
        if w and d > 1:
            score = score + w * zscore(np.array(q.late[key][:d]))
        top = q.rows[int(np.argmax(score))] if d else -1
        hits[q.half_a].append(top >= 0 and snap.chunks[top].doc_id == q.gold)
    return tuple(round(float(np.mean(hits[h])), 3) for h in (True, False))


def add_late(
    qs: list[Question], query_states: list[TokenStates], key: str, states: Callable
) -> None:
    for q, qt in zip(qs, query_states, strict=True):
        q.late[key] = [maxsim(qt, states(r)) for r in q.rows]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", type=int, nargs="*", default=[], help="layers to compare, raw states")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    settings = IndexSettings()
    embedder = load_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    for name, folder, setting, lang in SETS:
        tag = f"{folder}-corpus-{lang}"
        snap = IndexSnapshot.load(settings.data_dir / "eval" / tag / "index")
        if snap.tokens is None:
            sys.exit(f"{tag}: no token states; run `newsbot eval` first")
        retriever = HybridRetriever(snap)  # no USE channel: it is measured elsewhere
        questions = read_jsonl(EVAL_DIR / folder / f"questions.{setting}.jsonl")
        qs, qstates = collect(snap, retriever, embedder, questions[: args.limit])
        add_late(qs, qstates, "pq", snap.tokens.states)
        keys = ["pq"]
        for layer in args.raw:
            embedder_module.TOKEN_LAYER = layer  # type: ignore[attr-defined]
            rows = sorted({r for q in qs for r in q.rows})
            texts = [
                passage_text(snap.document_of(snap.chunks[r]).title, snap.chunks[r].text)
                for r in rows
            ]
            raw = dict(zip(rows, embedder.embed_passages_with_tokens(texts)[1], strict=True))
            qraw = [
                embedder.embed_query_with_tokens(analyse(str(q["question"])).text)[1]
                for q in questions[: args.limit]
            ]
            add_late(qs, qraw, f"raw{layer}", raw.__getitem__)
            keys.append(f"raw{layer}")
        embedder_module.TOKEN_LAYER = 10  # type: ignore[attr-defined]
        print(f"\n{name} ({len(qs)} questions) R@1 half A / half B; fused alone: "
              f"{recall(snap, qs, 'pq', 1, 0.0)}")  # fmt: skip
        for key in keys:
            for depth in DEPTHS:
                cells = "  ".join(f"w{w}: {recall(snap, qs, key, depth, w)}" for w in WEIGHTS[1:])
                print(f"  {key:6} depth {depth:2}  {cells}", flush=True)


if __name__ == "__main__":
    main()
