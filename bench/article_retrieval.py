"""Whole articles, not single paragraphs: newsbot against the plain LangChain recipe.

Why: XQuAD and TyDi index one paragraph per document, where real news articles run to many
paragraphs; a pipeline tuned there may find the right article less often than the plain
recipe does on articles. Here XQuAD's paragraphs are joined back into their 48 Wikipedia
articles (in order, one document each, per language), and every question is asked of that
corpus two ways in the same run:

- newsbot: the production pipeline (`newsbot eval`'s index of these documents, retrieval,
  the extractive answer);
- the plain LangChain recipe: `RecursiveCharacterTextSplitter(chunk_size=800)` (its default
  overlap), the same e5 model without its prefixes, a flat FAISS inner-product index, top 4.

"Article first": the first citation (newsbot; a refusal counts as a miss) or the top chunk
(LangChain) is from the gold article; "top hit": newsbot's retriever's first chunk is.
"Answer shown": a gold answer string is inside what the user is shown — newsbot's answer and
its quotes, or LangChain's top raw chunk (800 characters against one sentence: the recipe
shows far more text). "Refused": newsbot's refusals over the corpus, and over the corpus
without the gold article (the recipe never refuses).

    NEWSBOT_EVAL_DIR=../shared/eval/converted .venv/bin/python bench/article_retrieval.py \
        [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluation.retrieval import _build_eval_index, answer_hit, read_jsonl  # noqa: E402
from evaluation.settings import EvalSettings  # noqa: E402
from index.embedder import Embedder  # noqa: E402
from index.embedder_loader import load_embedder  # noqa: E402
from index.second_embedder import load_second_embedder  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from rag.answering.engine import PER_OTHER_LANGUAGE, AnswerEngine, reading_list  # noqa: E402
from rag.answering.question import analyse  # noqa: E402
from rag.retrieval.retriever import embed_question  # noqa: E402
from rag.settings import RagSettings  # noqa: E402

SETTINGS = ("ru-ru", "en-ru", "en-en")
CHUNK_SIZE = 800
TOP_K = 4


@dataclass
class Tally:
    article_first: int = 0
    top_hit: int = 0  # the retriever's first hit is from the gold article
    refused: int = 0
    answer_shown: int = 0
    refused_absent: int = 0
    questions: int = 0


def articles(eval_dir: Path, language: str, out: Path) -> tuple[Path, dict[str, str]]:
    """XQuAD's paragraphs of one language joined into articles; paragraph id -> article id."""
    by_title: dict[str, list[dict[str, Any]]] = {}
    for row in read_jsonl(eval_dir / "xquad" / "corpus.jsonl"):
        if row.get("lang") == language:
            by_title.setdefault(str(row["title"]), []).append(row)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "corpus.jsonl"
    owner: dict[str, str] = {}
    with path.open("w", encoding="utf-8") as fh:
        for i, (title, rows) in enumerate(sorted(by_title.items())):
            doc_id = f"xquad-{language}-article-{i:02d}"
            rows.sort(key=lambda r: str(r["id"]))
            text = "\n\n".join(str(r["text"]) for r in rows)
            record = {"id": doc_id, "lang": language, "title": title, "text": text}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            owner.update({str(r["id"]): doc_id for r in rows})
    return path, owner


class LangChainRecipe:
    """The plain recipe over the same articles: split, embed without prefixes, flat FAISS."""

    def __init__(self, corpus: Path, embedder: Embedder) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE)
        self.chunks: list[tuple[str, str]] = []
        for row in read_jsonl(corpus):
            for piece in splitter.split_text(str(row["text"])):
                self.chunks.append((str(row["id"]), piece))
        self._model: Any = embedder._model
        vectors = self._encode([c[1] for c in self.chunks])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        v = self._model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(v, dtype=np.float32)

    def top(self, question: str) -> list[tuple[str, str]]:
        _, rows = self.index.search(self._encode([question]), TOP_K)
        return [self.chunks[int(i)] for i in rows[0] if i >= 0]


def run_setting(
    eval_dir: Path, setting: str, limit: int | None, embedder: Embedder
) -> tuple[Tally, Tally]:
    target = setting.split("-")[1]
    settings, rag = IndexSettings(), RagSettings()
    second = load_second_embedder(settings)
    corpus, owner = articles(eval_dir, target, settings.data_dir / "bench" / "xquad-articles")
    eval_settings = _build_eval_index(corpus, target, settings, embedder, second)
    engine = AnswerEngine.from_settings(
        eval_settings, rag, embedder=embedder, second_embedder=second
    )
    recipe = LangChainRecipe(corpus, embedder)
    ours, theirs = Tally(), Tally()
    rows = read_jsonl(eval_dir / "xquad" / f"questions.{setting}.jsonl")[:limit]
    for row in rows:
        gold = owner[str(row["context_id"])]
        answers = [*row.get("answers", []), *row.get("answers_alt", [])]
        question = analyse(str(row["question"]))
        qvec, qtokens = embed_question(embedder, question.text)
        hits = engine.retriever.search(question, qvec, k=12, query_tokens=qtokens)
        reading = reading_list(hits, rag.answer_chunks, PER_OTHER_LANGUAGE)
        answer = engine.answerer.answer(
            question, qvec, reading, threshold=rag.refuse_below, query_tokens=qtokens
        )
        ours.top_hit += bool(hits) and hits[0].document.doc_id == gold
        ours.refused += not answer.answered
        if answer.answered:
            ours.article_first += answer.citations[0].doc_id == gold
            shown = [answer.answer, *(c.quote for c in answer.citations)]
            ours.answer_shown += answer_hit(answers, shown)
        absent = [h for h in hits if h.document.doc_id != gold][: rag.answer_chunks]
        ranking = engine.answerer.rank(question, qvec, absent, query_tokens=qtokens)
        ours.refused_absent += not engine.answerer.is_answerable(question, ranking)
        top = recipe.top(str(row["question"]))
        if top:
            theirs.article_first += top[0][0] == gold
            theirs.answer_shown += answer_hit(answers, [top[0][1]])
        ours.questions += 1
        theirs.questions += 1
    return ours, theirs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    eval_dir = EvalSettings().eval_dir
    if eval_dir is None:
        print("set NEWSBOT_EVAL_DIR to the converted public sets")
        return 2
    embedder = load_embedder(IndexSettings())
    print(
        "| XQuAD articles | questions | article first: newsbot | LangChain | newsbot's top "
        "hit | answer shown: newsbot | LangChain (raw 800-char chunk) | newsbot refused: "
        "gold present | gold removed | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for setting in SETTINGS:
        t0 = time.perf_counter()
        ours, theirs = run_setting(eval_dir, setting, args.limit, embedder)
        n = max(1, ours.questions)
        print(
            f"| {setting} | {ours.questions} | {ours.article_first / n:.3f} "
            f"| {theirs.article_first / n:.3f} | {ours.top_hit / n:.3f} "
            f"| {ours.answer_shown / n:.3f} | {theirs.answer_shown / n:.3f} "
            f"| {ours.refused / n:.3f} | {ours.refused_absent / n:.3f} "
            f"| {time.perf_counter() - t0:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
