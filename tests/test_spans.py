"""The span reader: its candidates, the question's own subject left out, names listed together,
and the committed weights' choices on constructed sentences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.entities import RussianNer, english_entities, find_entities
from rag.answering.question import analyse
from rag.answering.ranker import load_ranker
from rag.answering.spans import (
    SPAN_FEATURES,
    SPAN_READER_PATH,
    candidate_spans,
    choose_span,
    decide,
    load_span_reader,
    named_in_question,
    span_features,
)


@pytest.fixture(scope="module")
def ner() -> RussianNer:
    return RussianNer()


def _chosen(question: str, sentence: str, language: str, ner: RussianNer) -> list[str]:
    q = analyse(question)
    entities = find_entities(sentence, language, ner)
    return [s.text for s in choose_span(q, sentence, entities, q.language != language)]


def test_candidates_are_names_dates_and_quantities_not_numbers_inside_dates() -> None:
    sentence = "On 21 September 2020 Acme Corp hired 250 engineers in 1999 terms."
    spans = candidate_spans(sentence, english_entities(sentence))
    kinds = [(s.kind, s.text) for s in spans]
    assert ("TIME", "21 September 2020") in kinds
    assert ("QTY", "250 engineers") in kinds
    assert ("TIME", "in 1999") in kinds
    assert not any(k == "NAME" and t == "September" for k, t in kinds)
    assert not any(k == "QTY" and "21" in t for k, t in kinds)


def test_the_question_subject_is_no_answer_in_either_script(ner: RussianNer) -> None:
    question = analyse("Who signed the agreement with Beijing?")
    sentence = "Соглашение с Пекином подписал Иван Петров."
    spans = candidate_spans(sentence, find_entities(sentence, "ru", ner))
    left_out = [s.text for s in spans if named_in_question(s, question)]
    assert left_out == ["Пекином"]


def test_names_listed_together_answer_together(ner: RussianNer) -> None:
    sentence = (
        "Документ подписали руководитель фонда Анатолий Валетов и председатель совета "
        "директоров компании Альфа Иван Сидоров."
    )
    assert _chosen("Кто подписал документ?", sentence, "ru", ner) == [
        "Анатолий Валетов",
        "Иван Сидоров",
    ]


def test_a_name_after_a_verb_is_not_listed_with_the_first(ner: RussianNer) -> None:
    sentence = "Документ подписал Анатолий Валетов, сообщил Иван Сидоров."
    chosen = _chosen("Кто подписал документ?", sentence, "ru", ner)
    assert "Иван Сидоров" not in chosen


def test_a_count_of_the_asked_thing_beats_a_percentage(ner: RussianNer) -> None:
    sentence = "В кластер входят более 17 тыс. предприятий, свыше 90% участников довольны."
    assert _chosen("Сколько предприятий входит в кластер?", sentence, "ru", ner) == [
        "более 17 тыс. предприятий"
    ]


def test_the_question_type_decides_the_kind(ner: RussianNer) -> None:
    sentence = "21 марта 2023 года в Казани Иван Петров подписал договор на 5 млн рублей."
    when = _chosen("Когда Иван Петров подписал договор?", sentence, "ru", ner)
    assert when == ["21 марта 2023 года"]
    who = _chosen("Кто подписал договор в Казани?", sentence, "ru", ner)
    assert who == ["Иван Петров"]


def test_without_a_span_of_the_asked_kind_the_sentence_answers(ner: RussianNer) -> None:
    sentence = "Стороны договорились развивать сотрудничество в области образования."
    assert _chosen("Почему стороны подписали соглашение?", sentence, "ru", ner) == []


def test_a_threshold_of_one_never_gives_a_short_answer() -> None:
    question = analyse("When was the deal signed?")
    sentence = "The deal was signed on 3 May 2021."
    spans = candidate_spans(sentence, english_entities(sentence))
    features = span_features(question, sentence, spans, cross_language=False)
    reader = load_span_reader()
    assert decide(reader, features, sentence, spans, threshold=0.0)
    assert decide(reader, features, sentence, spans, threshold=1.0) == []


def test_features_have_one_row_per_span_and_one_for_no_answer() -> None:
    question = analyse("How many engineers did Acme hire?")
    sentence = "Acme hired 250 engineers in March."
    spans = candidate_spans(sentence, english_entities(sentence))
    rows = span_features(question, sentence, spans, cross_language=False)
    assert rows.shape == (len(spans) + 1, len(SPAN_FEATURES))
    assert rows[-1, SPAN_FEATURES.index("none_how_many")] == 1.0
    engineers = next(i for i, s in enumerate(spans) if s.kind == "QTY")
    assert rows[engineers, SPAN_FEATURES.index("asked_noun")] == 1.0


def test_stored_weights_fit_the_features_and_others_are_refused(tmp_path: Path) -> None:
    reader = load_span_reader()
    assert reader.weights.shape == (len(SPAN_FEATURES),)
    assert np.isfinite(reader.weights).all() and reader.threshold is not None
    data = json.loads(SPAN_READER_PATH.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    path = tmp_path / "span_reader.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        load_ranker(path, SPAN_FEATURES)
