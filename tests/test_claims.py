"""Splitting a text into check-worthy claims (pure: razdel + pymorphy3, no model)."""

from __future__ import annotations

import pytest

from rag.factcheck.claims import is_check_worthy, split_claims, split_facts


def test_sentences_become_claims_and_chatter_is_skipped() -> None:
    text = (
        "Здравствуйте, коллеги! Соглашение с ZGC подписал Собянин. Я считаю, что это важно. "
        "Кто подписал документ? В кластере участвует более 17 тыс. предприятий."
    )
    assert split_claims(text) == [
        "Соглашение с ZGC подписал Собянин",
        "В кластере участвует более 17 тыс. предприятий",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Hello everyone!",
        "Thank you, dear colleagues.",
        "I think this is a great step for the city.",
        "На мой взгляд, это отличная новость.",
        "Who signed the agreement?",
        "Great news!",
    ],
)
def test_opinions_questions_and_greetings_are_not_claims(sentence: str) -> None:
    assert not is_check_worthy(sentence)
    assert split_claims(sentence) == []


def test_two_clauses_with_their_own_verbs_are_two_claims() -> None:
    sentence = (
        "The Moscow Accelerator attracted more than 4,500 applications, and the pilot testing "
        "programme let 3,000 companies try their products."
    )
    assert split_facts(sentence) == [
        "The Moscow Accelerator attracted more than 4,500 applications",
        "The pilot testing programme let 3,000 companies try their products",
    ]


def test_a_right_clause_without_subject_takes_the_left_one() -> None:
    assert split_facts("Собянин провёл заседание и подписал соглашение.") == [
        "Собянин провёл заседание",
        "Собянин подписал соглашение",
    ]
    assert split_facts("Sobyanin chaired the meeting and signed the agreement.") == [
        "Sobyanin chaired the meeting",
        "Sobyanin signed the agreement",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Москва и Пекин заключили соглашение о сотрудничестве в сфере инноваций.",
        "Кластер объединяет более 40 научно-исследовательских и 120 производственных предприятий.",
        "Компания «Рога и копыта» подписала соглашение с городом.",
    ],
)
def test_joined_subjects_numbers_and_quoted_names_stay_whole(sentence: str) -> None:
    assert split_facts(sentence) == [sentence.rstrip(".")]


def test_the_right_clause_must_own_its_verb() -> None:
    # "и России" has no verb before the next joiner: the cut falls at ", а".
    sentence = (
        "Финал пройдет в Китае и России до конца 2021 года, а исполнителями станут "
        "Университет Цинхуа и Союз бизнес-ангелов."
    )
    assert split_facts(sentence) == [
        "Финал пройдет в Китае и России до конца 2021 года",
        "Исполнителями станут Университет Цинхуа и Союз бизнес-ангелов",
    ]
