"""Follow-up questions borrow the previous question's topic but keep their own question type."""

from __future__ import annotations

import pytest

from bot.followup import complete, is_follow_up
from rag.answering.question import QType, analyse


@pytest.mark.parametrize(
    "text",
    [
        "а когда?",
        "And who chaired it?",
        "where?",
        "А сколько их было?",
        "what about Beijing?",
        "А в Казани?",
        "Кто подписал?",
        "Who else?",
        "When was it signed?",
    ],
)
def test_questions_that_lean_on_the_previous_turn(text: str) -> None:
    assert is_follow_up(text)


@pytest.mark.parametrize(
    "text",
    [
        "Who signed the agreement between Moscow and Beijing in September?",
        "Сколько заявок собрал Московский акселератор в этом году?",
        # short, but with a topic of their own: rewriting them would ask something else
        "What is Innobiz?",
        "Кто такой Фурсин?",
        "Who is the mayor?",
        "Где находится Гатчина?",
        "А сколько стоит iPhone 15?",
    ],
)
def test_standalone_questions_are_not_follow_ups(text: str) -> None:
    assert not is_follow_up(text)


def test_completed_follow_up_keeps_its_own_type_and_the_previous_topic() -> None:
    merged = complete("Кто подписал соглашение с ZGC?", "а когда?")
    question = analyse(merged)
    assert question.qtype is QType.WHEN
    assert "ZGC" in merged and "Кто" not in merged


def test_follow_up_without_a_question_word_keeps_the_previous_question() -> None:
    merged = complete("Who signed the agreement with Beijing?", "and with ZGC?")
    assert analyse(merged).qtype is QType.WHO
    assert "ZGC" in merged and "Beijing" in merged
