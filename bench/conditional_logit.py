"""Fitting a conditional logit: a softmax over each question's candidates, L2 on the weights.

Shared by `train_reader.py` (which sentence answers) and `train_span_reader.py` (which span of
it): the likelihood is that of the right candidates of each question, so only differences
between one question's candidates are learned, never a score that must hold across questions.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.answering.ranker import LinearRanker

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
