"""The learned answer-sentence selector: a linear score over `sentence_features`, best first.

The weights are trained on public QA (TyDi QA GoldP) by `bench/train_reader.py` and stored in
`data/sentence_selector.json` beside this file: a few numbers, read once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from rag.answering.question import Question
from rag.answering.ranker import LinearRanker, load_ranker
from rag.answering.sentence_features import FEATURES, SentenceView
from rag.retrieval.hits import Hit

SELECTOR_PATH = Path(__file__).with_name("data") / "sentence_selector.json"
# e5 scores an English question vs a Russian sentence 0.068 lower than vs its English twin
# (mean over 300 XQuAD pairs, bench/language_offset.py); added back to sentence and chunk
# similarities so that languages compete fairly.
CROSS_LANGUAGE_OFFSET = 0.068


class CandidateLike(Protocol):
    @property
    def hit(self) -> Hit: ...
    @property
    def start(self) -> int: ...
    @property
    def similarity(self) -> float: ...
    @property
    def text(self) -> str: ...
    @property
    def token_match(self) -> float: ...


def load_selector(path: Path = SELECTOR_PATH) -> LinearRanker:
    """The committed weights of `bench/train_reader.py --write`."""
    return load_ranker(path, FEATURES)


def views_of(
    question: Question, candidates: Sequence[CandidateLike], reading: Sequence[Hit]
) -> list[SentenceView]:
    """The features' view of each candidate; `reading` is the ranked hits they came from."""
    rank = {h.chunk.chunk_id: i for i, h in enumerate(reading)}
    out = []
    for c in candidates:
        cross = c.hit.document.language != question.language
        out.append(
            SentenceView(
                text=c.text,
                chunk_text=c.hit.chunk.text,
                similarity=c.similarity,
                chunk_dense=c.hit.dense + (CROSS_LANGUAGE_OFFSET if cross else 0.0),
                chunk_rank=rank.get(c.hit.chunk.chunk_id, len(reading)),
                cross_language=cross,
                first_in_chunk=not c.hit.chunk.text[: c.start].strip(),
                token_match=c.token_match,
            )
        )
    return out
