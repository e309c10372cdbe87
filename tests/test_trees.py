"""Boosted trees exported from scikit-learn and scored without it (rag/answering/trees.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from rag.answering.trees import TreeEnsemble, is_tree_file, load_trees

FEATURES = ("a", "b", "c")


def _fitted(seed: int, **params: object) -> tuple[HistGradientBoostingClassifier, np.ndarray]:
    """A classifier on a label no single feature or sum of them gives (an interaction)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(600, len(FEATURES)))
    y = (x[:, 0] * x[:, 1] > 0.2) | (x[:, 2] > 1.2)
    model = HistGradientBoostingClassifier(max_iter=40, random_state=0, **params).fit(x, y)
    return model, rng.normal(size=(300, len(FEATURES)))


@pytest.mark.parametrize("seed", range(3))
def test_exported_trees_score_as_scikit_learn_does(seed: int) -> None:
    model, x = _fitted(seed)
    trees = TreeEnsemble.from_sklearn(model, FEATURES)
    assert len(trees.roots) == 40
    np.testing.assert_allclose(trees.scores(x), model.decision_function(x), atol=1e-9)
    # one row at a time too, as the answer step scores one question
    assert trees.scores(x[0])[0] == pytest.approx(model.decision_function(x[:1])[0])


def test_monotonic_trees_keep_their_direction() -> None:
    model, x = _fitted(5, monotonic_cst=[0, 0, 1])
    trees = TreeEnsemble.from_sklearn(model, FEATURES)
    grid = np.repeat(x[:1], 50, axis=0)
    grid[:, 2] = np.linspace(-3, 3, 50)
    assert (np.diff(trees.scores(grid)) >= -1e-12).all()


def test_saved_trees_load_the_same_and_are_checked(tmp_path: Path) -> None:
    model, x = _fitted(1)
    trees = replace(TreeEnsemble.from_sklearn(model, FEATURES), threshold=0.4)
    path = tmp_path / "trees.json"
    trees.save(path, ["constructed"], "test")
    assert is_tree_file(path)
    loaded = load_trees(path, FEATURES)
    assert loaded.threshold == 0.4
    np.testing.assert_allclose(loaded.scores(x), trees.scores(x), atol=1e-7)
    with pytest.raises(ValueError, match="other features"):
        load_trees(path, ("a", "b"))

    data = json.loads(path.read_text(encoding="utf-8"))
    inner = next(i for i, f in enumerate(data["feature"]) if f >= 0)
    for field, bad in (("left", inner), ("right", len(data["feature"])), ("feature", 7)):
        broken = json.loads(json.dumps(data))
        broken[field][inner] = bad  # a loop onto itself, past the end, a missing column
        other = tmp_path / f"{field}.json"
        other.write_text(json.dumps(broken), encoding="utf-8")
        with pytest.raises(ValueError, match="malformed"):
            load_trees(other, FEATURES)
