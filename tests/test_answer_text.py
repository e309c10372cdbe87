"""The words around what the engine found: refusals, quotes in the other language, dates."""

from __future__ import annotations

from bot.formatting import answer_plain, answer_text
from rag.answering.answer import Answer, Citation


def _citation(language: str) -> Citation:
    return Citation(1, "d#0", "d", "Title", "2024-04-11", "src", "Quote.", language)


def test_a_refusal_names_the_closest_topics_in_the_question_language() -> None:
    ru = Answer("Кто?", "ru", False, "", closest_topics=["Первая", "Вторая"])
    assert answer_text(ru) == (
        "В корпусе новостей нет ответа на этот вопрос. Ближайшие темы: «Первая»; «Вторая»."
    )
    en = Answer("Who?", "en", False, "")
    assert answer_text(en) == "The news corpus does not answer this question."


def test_a_quote_in_the_other_language_is_framed() -> None:
    answer = Answer(
        "Кто подписал?",
        "ru",
        True,
        "[1]: «Ivanov signed it.»",
        [_citation("en")],
        quoted_language="en",
    )
    assert answer_text(answer) == "Источник сообщает (на английском) [1]: «Ivanov signed it.»"
    english = Answer("Who?", "en", True, "[1]: «Подписал Иванов.»", quoted_language="ru")
    assert answer_text(english).startswith("The source says (in Russian) [1]: «")


def test_a_when_question_gets_the_source_date() -> None:
    answer = Answer(
        "When?", "en", True, "The centre opened. [1]", [_citation("en")], published="2024-04-11"
    )
    assert (
        answer_text(answer) == "The centre opened. [1] The source was published on 11.04.2024 [1]."
    )
    assert answer_plain(answer).startswith(answer_text(answer))


def test_old_records_without_the_new_fields_still_render() -> None:
    data = Answer("Q?", "en", True, "A [1].").to_json()
    del data["quoted_language"], data["published"]
    assert answer_text(Answer.from_json(data)) == "A [1]."
