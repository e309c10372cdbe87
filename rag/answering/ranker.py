"""A linear scorer over named features, with weights learned on public QA and stored as JSON.

The sentence selector and the span reader are both conditional logits (a softmax over one
question's candidates); they share this form so that a weights file is checked against the
features its code computes, and a file trained for other features is refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class LinearRanker:
    features: tuple[str, ...]
    weights: npt.NDArray[np.float64]
    bias: float
    mean: npt.NDArray[np.float64]
    # The least probability at which the best candidate is taken (None: always the best).
    threshold: float | None = None

    def scores(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Higher is more likely the right candidate (a logit: only differences count)."""
        return np.asarray((features - self.mean) @ self.weights + self.bias, dtype=np.float64)

    def probabilities(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The softmax over one question's candidates."""
        s = self.scores(features)
        p = np.exp(s - s.max())
        return np.asarray(p / p.sum(), dtype=np.float64)

    def save(self, path: Path, trained_on: Sequence[str], command: str) -> None:
        payload = {
            "features": list(self.features),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": self.bias,
            "mean": [round(float(m), 6) for m in self.mean],
            "threshold": self.threshold,
            "trained_on": list(trained_on),
            "command": command,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


@cache
def load_ranker(path: Path, features: tuple[str, ...]) -> LinearRanker:
    """The committed weights; a file for other features than the code's is refused."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != features:
        raise ValueError(f"{path} was trained on other features; rerun {data.get('command')}")
    return LinearRanker(
        features=features,
        weights=np.array(data["weights"], dtype=np.float64),
        bias=float(data["bias"]),
        mean=np.array(data["mean"], dtype=np.float64),
        threshold=data.get("threshold"),
    )
