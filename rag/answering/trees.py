"""Gradient-boosted trees over named features, stored as JSON and scored with numpy.

Why: whether the corpus answers depends on interactions a logistic model cannot weigh — a
similarity that is high for a Russian question is low for an English one over Russian news, a
token match counts for more when the names are missing — and on held-out XQuAD, at the same
share of refusals with the gold paragraph removed, boosted trees over the same features answered
right more often at 14 of 18 points compared, by up to 5 points (`bench/train_answerability.py`,
README "Refusal"). scikit-learn
trains them (`HistGradientBoostingClassifier`); its fitted trees are exported here node by node,
so the product reads plain JSON (no pickle) and needs no scikit-learn to score.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TreeEnsemble:
    """The trees' nodes, all trees in one set of arrays: node i splits on column `feature[i]`
    (-1: a leaf worth `value[i]`), going to `left[i]` when the value is <= `split[i]`."""

    features: tuple[str, ...]
    baseline: float
    roots: Ints
    feature: Ints
    split: Floats
    left: Ints
    right: Ints
    value: Floats
    # The least probability at which the corpus is taken to answer.
    threshold: float | None = None

    def scores(self, rows: Floats) -> Floats:
        """The log-odds of each row (columns in the order of `features`)."""
        x = np.atleast_2d(np.asarray(rows, dtype=np.float64))
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        at = np.arange(len(x))[:, None]
        while True:
            column = self.feature[node]
            inner = column >= 0
            if not inner.any():
                break
            goes_left = x[at, np.maximum(column, 0)] <= self.split[node]
            node = np.where(inner, np.where(goes_left, self.left[node], self.right[node]), node)
        return np.asarray(self.baseline + self.value[node].sum(axis=1), dtype=np.float64)

    @classmethod
    def from_sklearn(cls, model: Any, features: Sequence[str]) -> TreeEnsemble:
        """A fitted binary `HistGradientBoostingClassifier`'s trees (its raw decision function
        is the sum of every tree's leaf, shrinkage included, plus the baseline)."""
        roots: list[int] = []
        feature: list[int] = []
        left: list[int] = []
        right: list[int] = []
        split: list[float] = []
        value: list[float] = []
        for (predictor,) in model._predictors:
            nodes = predictor.nodes
            base = len(feature)
            roots.append(base)
            leaf = nodes["is_leaf"].astype(bool)
            feature.extend(np.where(leaf, -1, nodes["feature_idx"]).tolist())
            split.extend(nodes["num_threshold"].tolist())
            left.extend((nodes["left"].astype(np.int64) + base).tolist())
            right.extend((nodes["right"].astype(np.int64) + base).tolist())
            value.extend(np.where(leaf, nodes["value"], 0.0).tolist())
        return cls(
            features=tuple(features),
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            roots=np.array(roots, dtype=np.int64),
            feature=np.array(feature, dtype=np.int64),
            split=np.array(split, dtype=np.float64),
            left=np.array(left, dtype=np.int64),
            right=np.array(right, dtype=np.int64),
            value=np.array(value, dtype=np.float64),
        )

    def save(self, path: Path, trained_on: Sequence[str], command: str) -> None:
        payload = {
            "features": list(self.features),
            "kind": "boosted trees",
            "baseline": self.baseline,
            "threshold": self.threshold,
            "roots": self.roots.tolist(),
            "feature": self.feature.tolist(),
            "split": [round(float(s), 9) for s in self.split],
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": [round(float(v), 9) for v in self.value],
            "trained_on": list(trained_on),
            "command": command,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, separators=(",", ":")) + "\n", encoding="utf-8")


def is_tree_file(path: Path) -> bool:
    return bool(json.loads(path.read_text(encoding="utf-8")).get("kind") == "boosted trees")


@cache
def load_trees(path: Path, features: tuple[str, ...]) -> TreeEnsemble:
    """The committed trees; a file for other features than the code's, or whose nodes point
    outside it, is refused."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != features:
        raise ValueError(f"{path} was trained on other features; rerun {data.get('command')}")
    model = TreeEnsemble(
        features=features,
        baseline=float(data["baseline"]),
        roots=np.array(data["roots"], dtype=np.int64),
        feature=np.array(data["feature"], dtype=np.int64),
        split=np.array(data["split"], dtype=np.float64),
        left=np.array(data["left"], dtype=np.int64),
        right=np.array(data["right"], dtype=np.int64),
        value=np.array(data["value"], dtype=np.float64),
        threshold=data.get("threshold"),
    )
    n = len(model.feature)
    inner = model.feature >= 0
    if not (
        len(model.split) == len(model.left) == len(model.right) == len(model.value) == n
        and (model.feature < len(features)).all()
        and ((model.roots >= 0) & (model.roots < n)).all()
        and ((model.left[inner] > np.flatnonzero(inner)) & (model.left[inner] < n)).all()
        and ((model.right[inner] > np.flatnonzero(inner)) & (model.right[inner] < n)).all()
    ):
        raise ValueError(f"{path} holds malformed trees; rerun {data.get('command')}")
    return model
