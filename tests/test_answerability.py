"""The answerability model: its features of a ranking, and the stored trees' shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.answering.answerability import (
    ANSWERABILITY_FEATURES,
    ANSWERABILITY_PATH,
    MAX_DOCUMENT_MARGIN,
    MAX_MARGIN,
    answerability_features,
    load_answerability,
    probability,
)
from rag.answering.sentence_features import FEATURES
from rag.answering.trees import load_trees


def _sentence_row(**values: float) -> np.ndarray:
    row = np.zeros(len(FEATURES))
    for name, value in values.items():
        row[FEATURES.index(name)] = value
    return row


def _column(name: str) -> int:
    return ANSWERABILITY_FEATURES.index(name)


def test_features_read_the_ranking() -> None:
    sentences = np.vstack([_sentence_row(word_overlap=0.5), _sentence_row()])
    row = answerability_features(
        [0.86, 0.9],
        np.array([2.0, 0.0]),
        sentences,
        question_has_names=True,
        cross_language=False,
        documents=["a", "b"],
    )
    assert row.shape == (1, len(ANSWERABILITY_FEATURES))
    assert row[0, _column("closest")] == pytest.approx(0.9)
    assert row[0, _column("chosen_similarity")] == pytest.approx(0.86)
    assert row[0, _column("selector_probability")] == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert row[0, _column("selector_margin")] == pytest.approx(2.0)
    assert row[0, _column("word_overlap")] == 0.5
    assert row[0, _column("names_missing")] == 1.0
    assert row[0, _column("document_share")] == 0.5
    assert row[0, _column("document_margin")] == pytest.approx(-0.04)


def test_a_sentence_with_the_asked_names_misses_none() -> None:
    sentences = _sentence_row(name_overlap=1.0).reshape(1, -1)
    row = answerability_features([0.9], np.array([1.0]), sentences, True, True, ["a"])
    assert row[0, _column("names_missing")] == 0.0
    assert row[0, _column("cross_language")] == 1.0
    assert row[0, _column("selector_margin")] == MAX_MARGIN  # a lone candidate
    assert row[0, _column("document_share")] == 1.0
    assert row[0, _column("document_margin")] == MAX_DOCUMENT_MARGIN  # no other article


def test_more_similar_passages_are_more_likely_to_answer() -> None:
    """The sentence and its chunk closer to the question together (the model weighs the two
    jointly: a sentence far closer than its own chunk is a weaker sign than both close)."""
    model = load_answerability()

    def p(similarity: float) -> float:
        sentences = _sentence_row(word_overlap=0.5, chunk_dense=similarity).reshape(1, -1)
        row = answerability_features([similarity], np.array([1.0]), sentences, False, False, ["a"])
        return probability(model, row)

    assert 0.0 < p(0.80) <= p(0.86) <= p(0.92) < 1.0
    assert p(0.80) < p(0.92)


def test_stored_trees_fit_the_features_and_others_are_refused(tmp_path: Path) -> None:
    model = load_answerability()
    assert model.features == ANSWERABILITY_FEATURES and len(model.roots) > 0
    assert model.threshold is not None and 0.0 < model.threshold < 1.0
    data = json.loads(ANSWERABILITY_PATH.read_text(encoding="utf-8"))
    data["features"] = data["features"][1:]
    path = tmp_path / "answerability.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        load_trees(path, ANSWERABILITY_FEATURES)
