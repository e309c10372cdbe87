"""What the sentence token match costs the answer step: `rank` with and without it, same run.

Why: the selector's token-match features (rag/answering/sentence_tokens.py) tokenise each read
chunk's passage text and decode its stored token codes, per question; the `ask` p95 budget of
the corpus-scale issue leaves a few milliseconds for the answer step. Each question is ranked
both ways, alternating which goes first, on one thread as the bot answers; the retrieval is
shared and not timed.

    NEWSBOT_EVAL_DIR=../shared/eval/converted .venv/bin/python bench/token_match_cost.py \
        [--questions 200] [--setting en-ru]

Over XQuAD's whole articles (the held-out half), from the eval index `newsbot eval` and the
trainers cache.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from public_sets import public_set  # noqa: E402

from evaluation.retrieval import _build_eval_index  # noqa: E402
from evaluation.settings import EvalSettings  # noqa: E402
from index.embedder_loader import load_embedder  # noqa: E402
from index.runtime import configure_threads  # noqa: E402
from index.second_embedder import load_second_embedder  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from rag.answering.engine import PER_OTHER_LANGUAGE, AnswerEngine, reading_list  # noqa: E402
from rag.answering.question import analyse  # noqa: E402
from rag.retrieval.retriever import embed_question  # noqa: E402
from rag.settings import RagSettings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--setting", default="en-ru")
    args = parser.parse_args()
    eval_dir = EvalSettings().eval_dir
    if eval_dir is None:
        print("set NEWSBOT_EVAL_DIR to the converted public sets")
        return 2
    settings, rag = IndexSettings(), RagSettings()
    configure_threads(settings)  # the answering count, as in the bot
    embedder, second = load_embedder(settings), load_second_embedder(settings)
    chosen = public_set(eval_dir, "xquad-articles", args.setting, 1, args.questions)
    eval_settings = _build_eval_index(chosen.corpus, chosen.target, settings, embedder, second)
    engine = AnswerEngine.from_settings(
        eval_settings, rag, embedder=embedder, second_embedder=second
    )
    timings: dict[bool, list[float]] = {True: [], False: []}
    for i, row in enumerate(chosen.questions):
        question = analyse(str(row["question"]))
        qvec, qtokens = embed_question(embedder, question.text)
        hits = engine.retriever.search(question, qvec, k=12, query_tokens=qtokens)
        reading = reading_list(hits, rag.answer_chunks, PER_OTHER_LANGUAGE)
        # Once untimed: the first look at an article fills the answerer's place cache.
        engine.answerer.rank(question, qvec, reading, query_tokens=qtokens)
        for with_tokens in (i % 2 == 0, i % 2 == 1):
            t0 = time.perf_counter()
            engine.answerer.rank(
                question, qvec, reading, query_tokens=qtokens if with_tokens else None
            )
            timings[with_tokens].append((time.perf_counter() - t0) * 1000)
    print(f"xquad-articles {args.setting}, {len(timings[True])} questions, one thread")
    print("| rank step | p50 ms | p95 ms |\n|---|---|---|")
    for with_tokens, label in ((False, "without token match"), (True, "with token match")):
        t = np.array(timings[with_tokens])
        print(f"| {label} | {np.percentile(t, 50):.2f} | {np.percentile(t, 95):.2f} |")
    extra = np.array(timings[True]) - np.array(timings[False])
    p50, p95 = np.percentile(extra, [50, 95])
    print(f"added per question: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
