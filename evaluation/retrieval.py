"""`newsbot eval`: retrieval recall, answer hit rate and refusal calibration on public QA data.

Each eval corpus gets its own index under `<data_dir>/eval/`, built by the production pipeline
(cleaning, chunking, incremental indexing), so a re-run embeds nothing new.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.research import without_second_channel
from index.embedder import Embedder, Vectors
from index.settings import IndexSettings
from index.tokens import TokenStates
from rag.answering.engine import PER_OTHER_LANGUAGE, AnswerEngine, reading_list
from rag.answering.question import Question, analyse
from rag.retrieval.hits import Hit
from rag.retrieval.retriever import HybridRetriever, embed_question
from rag.settings import RagSettings

STANDARD_SETS = [
    ("xquad", "questions.en-ru.jsonl"),
    ("xquad", "questions.ru-ru.jsonl"),
    ("xquad", "questions.en-en.jsonl"),
    ("tydiqa-goldp", "questions.ru-ru.jsonl"),
    ("tydiqa-goldp", "questions.en-en.jsonl"),
]
KS = (1, 5, 10)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def first_doc_ranks(doc_ids: Iterable[str]) -> list[str]:
    """Distinct documents in rank order (several chunks of one paragraph count once)."""
    return list(dict.fromkeys(doc_ids))


def recall_at(ranked: Sequence[str], gold: str, k: int) -> float:
    return 1.0 if gold in ranked[:k] else 0.0


def answer_hit(answers: Sequence[str], texts: Sequence[str]) -> bool:
    hay = " ".join(texts).casefold()
    return any(a.strip() and a.strip().casefold() in hay for a in answers)


def best_threshold(pos: Sequence[float], neg: Sequence[float]) -> tuple[float, float]:
    """The cut on similarity that maximises balanced accuracy (answer pos, refuse neg)."""
    if not pos or not neg:
        return float("nan"), float("nan")
    p = np.sort(np.asarray(pos))
    n = np.sort(np.asarray(neg))
    best = (0.0, 0.0)
    for t in np.unique(np.concatenate([p, n])):
        tpr = 1.0 - np.searchsorted(p, t, side="left") / len(p)
        tnr = np.searchsorted(n, t, side="left") / len(n)
        bal = (tpr + tnr) / 2
        if bal > best[1]:
            best = (float(t), float(bal))
    return best


@dataclass
class SetReport:
    name: str
    questions: int
    recall: dict[str, dict[int, float]] = field(default_factory=dict)
    answer_hit_rate: float = 0.0
    cited_gold_rate: float = 0.0  # the first citation is the gold paragraph
    refusal_rate: float = 0.0
    refusal_when_absent: float = 0.0
    sims_present: list[float] = field(default_factory=list)
    sims_absent: list[float] = field(default_factory=list)
    cross_language: bool = False
    ms_per_question: float = 0.0

    def row(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "questions": self.questions,
            **{
                f"{method} R@{k}": round(v, 3)
                for method, by_k in self.recall.items()
                for k, v in by_k.items()
            },
            "answer hit": round(self.answer_hit_rate, 3),
            "cited gold": round(self.cited_gold_rate, 3),
            "refused (gold present)": round(self.refusal_rate, 3),
            "refused (gold removed)": round(self.refusal_when_absent, 3),
            "ms/question": round(self.ms_per_question, 1),
        }


def _build_eval_index(
    corpus: Path,
    language: str | None,
    settings: IndexSettings,
    embedder: Embedder,
    second_embedder: Embedder | None = None,
) -> IndexSettings:
    from index.builder import update_index
    from index.cleaning import clean_document
    from index.documents import RawDocument

    docs = []
    for row in read_jsonl(corpus):
        if language and row.get("lang") != language:
            continue
        raw = RawDocument(
            doc_id=str(row["id"]),
            text=str(row["text"]),
            source=f"{corpus.name}:{row['id']}",
            title=str(row.get("title") or row["id"]),
        )
        doc = clean_document(raw)
        if doc is not None:
            docs.append(doc)
    tag = f"{corpus.parent.name}-{corpus.stem}-{language or 'all'}"
    eval_settings = settings.model_copy(update={"data_dir": settings.data_dir / "eval" / tag})
    update_index(eval_settings, embedder, docs, second_embedder=second_embedder, progress=False)
    return eval_settings


METHODS = ("hybrid", "no tokens", "no USE", "dense", "bm25")


def _rankings(
    engine: AnswerEngine,
    plain: HybridRetriever,
    question: Question,
    qvec: Vectors,
    qtokens: TokenStates | None,
    depth: int,
) -> tuple[list[Hit], dict[str, list[str]]]:
    """The hybrid hits (read by the answer step) and each method's document ranking."""
    retriever = engine.retriever
    snap = retriever.snapshot
    hybrid = retriever.search(question, qvec, k=depth, query_tokens=qtokens)
    ranked = {
        "hybrid": first_doc_ranks(h.document.doc_id for h in hybrid),
        "no tokens": first_doc_ranks(
            h.document.doc_id for h in retriever.search(question, qvec, k=max(KS))
        ),
        "no USE": first_doc_ranks(
            h.document.doc_id
            for h in plain.search(question, qvec, k=max(KS), query_tokens=qtokens)
        ),
        "dense": first_doc_ranks(
            snap.chunks[r].doc_id for r, _ in snap.search(qvec[None, :], 3 * max(KS))[0]
        ),
        "bm25": first_doc_ranks(
            snap.chunks[r].doc_id for r, _ in retriever.lexical.search(question.text, 30)
        ),
    }
    return hybrid, ranked


@dataclass
class _Tally:
    sums: dict[str, dict[int, float]] = field(
        default_factory=lambda: {m: dict.fromkeys(KS, 0.0) for m in METHODS}
    )
    hits_ok: int = 0
    cited_gold: int = 0
    refused: int = 0
    refused_absent: int = 0


def _score_answer(
    engine: AnswerEngine,
    rag_settings: RagSettings,
    row: dict[str, Any],
    question: Question,
    vectors: tuple[Vectors, TokenStates | None],
    hybrid: list[Hit],
    report: SetReport,
    tally: _Tally,
) -> None:
    """The answer to the question, and the refusal score once its paragraph is removed."""
    qvec, qtokens = vectors
    reading = reading_list(hybrid, rag_settings.answer_chunks, PER_OTHER_LANGUAGE)
    answer = engine.answerer.answer(
        question, qvec, reading, threshold=rag_settings.refuse_below, query_tokens=qtokens
    )
    answers = [*row.get("answers", []), *row.get("answers_alt", [])]
    if answer.answered:
        texts = [answer.answer, *(c.quote for c in answer.citations)]
        tally.hits_ok += answer_hit(answers, texts)
        tally.cited_gold += answer.citations[0].doc_id == str(row["context_id"])
    else:
        tally.refused += 1
    # The same question with its paragraph removed: the corpus no longer answers it.
    gold = str(row["context_id"])
    absent = [
        h
        for h in engine.retriever.search(question, qvec, k=12, query_tokens=qtokens)
        if h.document.doc_id != gold
    ]
    ranking = engine.answerer.rank(
        question, qvec, absent[: rag_settings.answer_chunks], query_tokens=qtokens
    )
    if answer.confidence:
        report.sims_present.append(answer.confidence)
    if ranking.ranked:
        report.sims_absent.append(max(c.similarity for c in ranking.ranked))
        tally.refused_absent += not engine.answerer.is_answerable(question, ranking)


def evaluate_set(
    corpus: Path,
    questions_path: Path,
    settings: IndexSettings,
    rag_settings: RagSettings,
    embedder: Embedder,
    limit: int | None = None,
    second_embedder: Embedder | None = None,
) -> SetReport:
    questions = read_jsonl(questions_path)[:limit]
    setting = str(questions[0].get("setting", "")) if questions else ""
    target = setting.split("-")[1] if "-" in setting else None
    eval_settings = _build_eval_index(corpus, target, settings, embedder, second_embedder)
    engine = AnswerEngine.from_settings(
        eval_settings, rag_settings, embedder=embedder, second_embedder=second_embedder
    )
    name = f"{corpus.parent.name} {setting or questions_path.stem}"
    report = SetReport(name=name, questions=len(questions))
    report.cross_language = bool(target) and setting.split("-")[0] != target
    plain = without_second_channel(engine.retriever)
    tally = _Tally()
    depth = max(max(KS), 4 * rag_settings.answer_chunks)
    started = time.perf_counter()
    for row in questions:
        question = analyse(str(row["question"]))
        qvec, qtokens = embed_question(embedder, question.text)
        hybrid, ranked = _rankings(engine, plain, question, qvec, qtokens, depth)
        for m in METHODS:
            for k in KS:
                tally.sums[m][k] += recall_at(ranked[m], str(row["context_id"]), k)
        _score_answer(engine, rag_settings, row, question, (qvec, qtokens), hybrid, report, tally)
    n = max(1, len(questions))
    report.recall = {m: {k: v / n for k, v in tally.sums[m].items()} for m in METHODS}
    report.answer_hit_rate = tally.hits_ok / n
    report.cited_gold_rate = tally.cited_gold / n
    report.refusal_rate = tally.refused / n
    report.refusal_when_absent = tally.refused_absent / n
    report.ms_per_question = (time.perf_counter() - started) * 1000 / n
    return report


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """The report rows as a Markdown table (what goes in the README)."""
    if not rows:
        return ""
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def standard_sets(eval_dir: Path) -> list[tuple[Path, Path]]:
    """The (corpus, questions) pairs `newsbot eval` runs when given none."""
    return [(eval_dir / d / "corpus.jsonl", eval_dir / d / q) for d, q in STANDARD_SETS]


def calibration(reports: Sequence[SetReport]) -> dict[str, tuple[float, float]]:
    """Best cut per kind of set and over all of them (the one NEWSBOT_REFUSE_BELOW takes)."""
    out = {}
    for cross in (False, True):
        pos = [s for r in reports if r.cross_language == cross for s in r.sims_present]
        neg = [s for r in reports if r.cross_language == cross for s in r.sims_absent]
        out["cross_language" if cross else "same_language"] = best_threshold(pos, neg)
    out["all"] = best_threshold(
        [s for r in reports for s in r.sims_present], [s for r in reports for s in r.sims_absent]
    )
    return out
