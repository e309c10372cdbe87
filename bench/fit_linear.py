"""Fitting the readers' linear models, L2 on standardised features.

`fit` is a conditional logit (a softmax over each question's candidates), for
`train_reader.py` (which sentence answers) and `train_span_reader.py` (which span of it): only
differences between one question's candidates are learned. `fit_logistic` is a plain logistic
regression, for `train_answerability.py` (whether the corpus answers at all).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.answering.ranker import LinearRanker, load_ranker

Matrix = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
L2 = 1.0  # on standardised features; the fits are not sensitive to it (0.1-10 alike on TyDi)


def _loss(
    w: Matrix, groups: Sequence[tuple[Matrix, Mask]], mean: Matrix, scale: Matrix
) -> tuple[float, Matrix]:
    """Negative log probability of the right candidates, L2 on the weights, and its gradient."""
    total, grad = 0.5 * L2 * float(w @ w), L2 * w
    for features, right in groups:
        x = (features - mean) / scale
        s = x @ w
        p = np.exp(s - s.max())
        p /= p.sum()
        q = p * right
        mass = q.sum()
        total -= float(np.log(mass))
        grad = grad - (x.T @ (q / mass - p))
    return total, grad


def fit(groups: Sequence[tuple[Matrix, Mask]], names: tuple[str, ...]) -> LinearRanker:
    """Weights for `names`; groups without a right candidate carry no signal and are left out."""
    usable = [(f, r) for f, r in groups if r.any()]
    stacked = np.vstack([f for f, _ in usable])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-9
    result = minimize(
        _loss, np.zeros(len(names)), args=(usable, mean, scale), jac=True, method="L-BFGS-B"
    )
    return LinearRanker(features=names, weights=result.x / scale, bias=0.0, mean=mean)


def _logistic_loss(w: Matrix, x: Matrix, y: Matrix) -> tuple[float, Matrix]:
    """Negative log likelihood of the labels, L2 on the weights (not the bias, the last)."""
    z = x @ w
    p = 1.0 / (1.0 + np.exp(-z))
    eps = 1e-12
    total = -float(np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
    grad = x.T @ (p - y)
    total += 0.5 * L2 * float(w[:-1] @ w[:-1])
    grad[:-1] += L2 * w[:-1]
    return total, grad


def fit_logistic(features: Matrix, labels: Mask, names: tuple[str, ...]) -> LinearRanker:
    """P(label) = sigmoid(score): the ranker's bias carries the intercept."""
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-9
    x = np.hstack([(features - mean) / scale, np.ones((len(features), 1))])
    y = labels.astype(np.float64)
    result = minimize(
        _logistic_loss, np.zeros(len(names) + 1), args=(x, y), jac=True, method="L-BFGS-B"
    )
    w = result.x
    return LinearRanker(features=names, weights=w[:-1] / scale, bias=float(w[-1]), mean=mean)


def committed_model(path: Path) -> LinearRanker:
    """The committed weights, read for the features they were trained on: a retrain may add
    features, and the committed model then scores on its own columns (`scores_on`)."""
    trained_for = tuple(json.loads(path.read_text(encoding="utf-8"))["features"])
    return load_ranker(path, trained_for)


class Scorer(Protocol):
    """A linear model or boosted trees (rag/answering/trees.py): named columns in, scores out."""

    features: tuple[str, ...]

    def scores(self, rows: Matrix, /) -> Matrix: ...


def scores_on(model: Scorer, matrix: Matrix, features: Sequence[str]) -> Matrix:
    """The model's scores of rows whose columns are `features` (a superset of the model's)."""
    return model.scores(matrix[:, [list(features).index(f) for f in model.features]])


def show_and_store(
    model: LinearRanker, path: Path, trained_on: Sequence[str], write: bool
) -> None:
    """Print the weights; with `write`, store them where the product reads them."""
    weights = {f: round(float(w), 3) for f, w in zip(model.features, model.weights, strict=True)}
    print("\nweights:", weights, "bias", round(model.bias, 3), "threshold", model.threshold)
    if write:
        command = f"bench/{Path(sys.argv[0]).name} --write"
        model.save(path, trained_on=trained_on, command=command)
        print(f"wrote {path}")


def trainer_arguments(
    doc: str, path: Path, argv: Sequence[str] | None
) -> tuple[argparse.Namespace, Path | None]:
    """The trainers' shared command line (--limit, --write) and the public sets' folder (None,
    with a message, when NEWSBOT_EVAL_DIR is unset)."""
    from evaluation.settings import EvalSettings

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--write", action="store_true", help=f"store the weights in {path}")
    args = parser.parse_args(argv)
    eval_dir = EvalSettings().eval_dir
    if eval_dir is None:
        print("set NEWSBOT_EVAL_DIR to the converted public sets")
    return args, eval_dir
