"""Which public QA corpus a trainer reads, and which of its questions: shared by the trainers.

A set is named as `newsbot eval` names it ("xquad", "tydiqa-goldp"), or "xquad-articles":
XQuAD's paragraphs joined back into their Wikipedia articles (bench/article_retrieval.py), the
multi-paragraph form news comes in. `half` keeps every other article title (0 or 1; None: all),
so a trainer's held-out half shares no article with its training half in any language.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from article_retrieval import articles
from train_span_reader import half_of

from evaluation.retrieval import read_jsonl
from index.settings import IndexSettings


@dataclass(frozen=True)
class PublicSet:
    """A corpus to index, its language, its questions, and each gold paragraph's document."""

    corpus: Path
    target: str
    questions: list[dict[str, Any]]
    gold_of: dict[str, str]  # the question's context_id -> the doc_id that holds it


def public_set(
    eval_dir: Path, name: str, setting: str, half: int | None, limit: int | None
) -> PublicSet:
    target = setting.split("-")[1]
    source = "xquad" if name == "xquad-articles" else name
    paragraphs = read_jsonl(eval_dir / source / "corpus.jsonl")
    if name == "xquad-articles":
        out = IndexSettings().data_dir / "bench" / "xquad-articles"
        corpus, gold_of = articles(eval_dir, target, out)
    else:
        corpus = eval_dir / name / "corpus.jsonl"
        gold_of = {str(r["id"]): str(r["id"]) for r in paragraphs}
    keep = half_of(paragraphs, half)
    questions = [
        r
        for r in read_jsonl(eval_dir / source / f"questions.{setting}.jsonl")
        if keep is None or str(r["context_id"]) in keep
    ][:limit]
    return PublicSet(corpus, target, questions, gold_of)
