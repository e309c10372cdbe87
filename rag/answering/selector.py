"""The learned answer-sentence selector: a linear score over `sentence_features`, best first.

The weights are trained on public QA (TyDi QA GoldP) by `bench/train_reader.py` and stored in
`data/sentence_selector.json` beside this file: a few numbers, read once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from rag.answering.question import Question
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


@dataclass(frozen=True)
class SentenceSelector:
    weights: npt.NDArray[np.float64]
    bias: float
    mean: npt.NDArray[np.float64]

    def scores(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Higher is more likely the answering sentence (a logit: only differences count)."""
        return np.asarray((features - self.mean) @ self.weights + self.bias, dtype=np.float64)

    def save(self, path: Path, trained_on: Sequence[str]) -> None:
        payload = {
            "features": list(FEATURES),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": self.bias,
            "mean": [round(float(m), 6) for m in self.mean],
            "trained_on": list(trained_on),
            "command": "bench/train_reader.py --write",
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


@cache
def load_selector(path: Path = SELECTOR_PATH) -> SentenceSelector:
    """The committed weights; a file for other features than the code's is refused."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path} was trained on other features; rerun bench/train_reader.py")
    return SentenceSelector(
        weights=np.array(data["weights"], dtype=np.float64),
        bias=float(data["bias"]),
        mean=np.array(data["mean"], dtype=np.float64),
    )


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
            )
        )
    return out
