import pytest

from rag.answering.question import (
    QType,
    analyse,
    asked_quantity,
    described_person,
    question_type,
)


@pytest.mark.parametrize(
    ("text", "qtype"),
    [
        ("Who signed the agreement?", QType.WHO),
        ("Кто подписал соглашение?", QType.WHO),
        ("С кем договорилась Москва?", QType.WHO),
        ("How many companies take part in the cluster?", QType.HOW_MANY),
        ("Сколько предприятий участвует в кластере?", QType.HOW_MANY),
        ("Какой процент участников — малые предприятия?", QType.HOW_MANY),
        ("When was the agreement signed?", QType.WHEN),
        ("В каком году прошла выставка?", QType.WHEN),
        ("Где пройдёт финал конкурса?", QType.WHERE),
        ("Where will the final take place?", QType.WHERE),
        ("What is the Moscow Innovation Cluster?", QType.WHAT),
        ("Что такое кластер?", QType.WHAT),
        ("Tell me about innovation in Moscow", QType.OTHER),
    ],
)
def test_question_type(text: str, qtype: QType) -> None:
    assert question_type(text) is qtype


def test_analyse_language_and_latest() -> None:
    q = analyse("  Какие   последние соглашения? ")
    assert q.text == "Какие последние соглашения?"
    assert q.language == "ru"
    assert q.wants_latest
    q = analyse("Who signed the ZGC agreement?")
    assert q.language == "en"
    assert not q.wants_latest


def test_english_names_skip_nationality_adjectives() -> None:
    from nlp.entities import english_entities

    text = "The deal links Russian and Chinese firms with Nordic Labs and the city of Oslo."
    assert [e.text for e in english_entities(text)] == ["Nordic Labs", "Oslo"]


@pytest.mark.parametrize(
    ("question", "person"),
    [
        ("Кто такой Дмитрий Ялов?", "Дмитрий Ялов"),
        ("Who is Xi Jinping?", "Xi Jinping"),
        ("Кем является Наталья Сергунина", "Наталья Сергунина"),
        ("Who is the mayor of Moscow?", None),  # asks for a person, names none
        ("Кто подписал соглашение?", None),
    ],
)
def test_who_is_x_names_the_person_described(question: str, person: str | None) -> None:
    assert described_person(question) == person
    assert analyse(question).described == person


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("How much did the sale of the stake bring?", "money"),
        ("Сколько денег принесла продажа?", "money"),
        ("Сколько стоило строительство линии?", "money"),
        ("Во сколько обошлось строительство?", "money"),
        ("What share of the market does it hold?", "percent"),
        ("Какой процент участников — малые предприятия?", "percent"),
        ("How many companies take part in the cluster?", None),
        ("How much does the satellite weigh?", None),
        ("Сколько весит спутник?", None),
    ],
)
def test_the_kind_of_number_a_question_asks_for(text: str, kind: str | None) -> None:
    assert asked_quantity(text) == kind
