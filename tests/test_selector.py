"""The learned sentence selector: its features, its stored weights and what it prefers."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag.answering.question import analyse
from rag.answering.ranker import LinearRanker
from rag.answering.selector import SELECTOR_PATH, load_selector
from rag.answering.sentence_features import FEATURES, SentenceView, feature_matrix


def _view(text: str, similarity: float = 0.85, cross: bool = False) -> SentenceView:
    return SentenceView(
        text=text,
        chunk_text=text,
        similarity=similarity,
        chunk_dense=0.84,
        chunk_rank=0,
        cross_language=cross,
        first_in_chunk=True,
    )


def _column(name: str) -> int:
    return FEATURES.index(name)


def test_features_read_the_question_type() -> None:
    question = analyse("Сколько предприятий входит в кластер?")
    rows = feature_matrix(
        question,
        [
            _view("В кластер входят более 17 тыс. предприятий."),
            _view("Свыше 90% участников довольны."),
            _view("Кластер объединяет инновационные компании."),
        ],
    )
    assert rows[0, _column("counts_asked_noun")] == 1.0
    assert rows[1, _column("type_how_many")] == 1.0 and rows[1, _column("counts_asked_noun")] == 0
    assert rows[2, _column("untyped_miss")] == 1.0 and rows[2, _column("type_how_many")] == 0


def test_cross_language_columns_only_for_the_other_language() -> None:
    question = analyse("Who signed the agreement?")
    rows = feature_matrix(
        question,
        [_view("Соглашение подписал Иванов.", 0.7, cross=True), _view("Ivanov signed it.", 0.8)],
    )
    assert rows[0, _column("cross_similarity_gap")] == pytest.approx(-0.1)
    assert rows[1, _column("cross_similarity_gap")] == 0.0
    assert rows[1, _column("similarity_gap")] == 0.0


def test_token_match_columns_compare_with_the_best_candidate() -> None:
    question = analyse("Who signed the agreement?")
    views = [_view("Ivanov signed it."), _view("The park opened on Monday.")]
    views = [replace(views[0], token_match=0.62), replace(views[1], token_match=0.50)]
    rows = feature_matrix(question, views)
    assert rows[:, _column("token_match")].tolist() == [0.62, 0.50]
    assert rows[0, _column("token_match_gap")] == 0.0
    assert rows[1, _column("token_match_gap")] == pytest.approx(-0.12)


def test_stored_weights_match_the_code() -> None:
    selector = load_selector()
    assert selector.weights.shape == (len(FEATURES),)
    assert np.isfinite(selector.weights).all()


def test_weights_for_other_features_are_refused(tmp_path: Path) -> None:
    data = json.loads(SELECTOR_PATH.read_text(encoding="utf-8"))
    data["features"] = [*data["features"][:-1], "something_else"]
    path = tmp_path / "selector.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        load_selector(path)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    weights = np.arange(len(FEATURES), dtype=np.float64) / 10
    selector = LinearRanker(FEATURES, weights=weights, bias=0.5, mean=np.ones(len(FEATURES)))
    path = tmp_path / "selector.json"
    selector.save(path, trained_on=["a set"], command="bench/train_reader.py --write")
    back = load_selector(path)
    x = np.eye(len(FEATURES))
    np.testing.assert_allclose(back.scores(x), selector.scores(x), atol=1e-6)


def test_a_count_of_the_asked_thing_wins_over_a_percentage() -> None:
    """Both sentences are as close to the question; only one says how many firms."""
    question = analyse("Сколько предприятий входит в кластер?")
    rows = feature_matrix(
        question,
        [
            _view("Свыше 90% участников кластера довольны."),
            _view("В кластер входят более 17 тыс. предприятий."),
        ],
    )
    scores = load_selector().scores(rows)
    assert scores[1] > scores[0]


def test_who_questions_see_a_person_named() -> None:
    question = analyse("Кто подписал соглашение с ZGC?")
    rows = feature_matrix(
        question,
        [
            _view("Соглашение подписали руководитель фонда Анатолий Валетов и Чжао Чаншань."),
            _view("На заседании подписано соглашение между Фондом МИК и АО ZGC."),
        ],
    )
    assert rows[0, _column("names_person")] == 1.0
    assert rows[1, _column("names_person")] == 0.0
    english = feature_matrix(
        analyse("Who signed the deal?"),
        [
            _view("The deal was signed by John Smith."),
            _view("The Moscow Innovation Cluster signed."),
        ],
    )
    assert english[:, _column("names_person")].tolist() == [1.0, 0.0]
