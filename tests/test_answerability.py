"""The answerability model: its features of a ranking, and the stored weights' shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.answering.answerability import (
    ANSWERABILITY_FEATURES,
    ANSWERABILITY_PATH,
    MAX_MARGIN,
    answerability_features,
    load_answerability,
    probability,
)
from rag.answering.ranker import load_ranker
from rag.answering.sentence_features import FEATURES


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
        [0.86, 0.9], np.array([2.0, 0.0]), sentences, question_has_names=True, cross_language=False
    )
    assert row.shape == (1, len(ANSWERABILITY_FEATURES))
    assert row[0, _column("closest")] == pytest.approx(0.9)
    assert row[0, _column("chosen_similarity")] == pytest.approx(0.86)
    assert row[0, _column("selector_probability")] == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert row[0, _column("selector_margin")] == pytest.approx(2.0)
    assert row[0, _column("word_overlap")] == 0.5
    assert row[0, _column("names_missing")] == 1.0


def test_a_sentence_with_the_asked_names_misses_none() -> None:
    sentences = _sentence_row(name_overlap=1.0).reshape(1, -1)
    row = answerability_features([0.9], np.array([1.0]), sentences, True, cross_language=True)
    assert row[0, _column("names_missing")] == 0.0
    assert row[0, _column("cross_language")] == 1.0
    assert row[0, _column("selector_margin")] == MAX_MARGIN  # a lone candidate


def test_more_similar_sentences_are_more_likely_to_answer() -> None:
    model = load_answerability()
    sentences = _sentence_row(word_overlap=0.5, chunk_dense=0.85).reshape(1, -1)
    low, high = (
        probability(model, answerability_features([s], np.array([1.0]), sentences, False, False))
        for s in (0.80, 0.92)
    )
    assert 0.0 < low < high < 1.0


def test_stored_weights_fit_the_features_and_others_are_refused(tmp_path: Path) -> None:
    model = load_answerability()
    assert model.weights.shape == (len(ANSWERABILITY_FEATURES),)
    assert model.threshold is not None and 0.0 < model.threshold < 1.0
    data = json.loads(ANSWERABILITY_PATH.read_text(encoding="utf-8"))
    data["features"] = data["features"][1:]
    path = tmp_path / "answerability.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        load_ranker(path, ANSWERABILITY_FEATURES)
