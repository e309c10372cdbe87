"""Numbers written in words: found where they stand, with their value (pure, no model)."""

from __future__ import annotations

import pytest

from nlp.numerals import word_numbers
from nlp.quantities import find_quantities


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("На линии восемнадцать остановок", [("восемнадцать", 18)]),
        ("погибли двадцати трёх человек", [("двадцати трёх", 23)]),
        ("сто двадцать вагонов и пять депо", [("сто двадцать", 120), ("пять", 5)]),
        ("одна тысяча двести рублей", [("одна тысяча двести", 1200)]),
        ("two hundred and fifty people", [("two hundred and fifty", 250)]),
        ("twenty-five stops", [("twenty-five", 25)]),
        (
            "задержаны трое, погибли пятеро из двадцати",
            [("трое", 3), ("пятеро", 5), ("двадцати", 20)],
        ),
    ],
)
def test_numbers_in_words_keep_their_place(text: str, found: list[tuple[str, int]]) -> None:
    assert [(text[w.start : w.end], w.value) for w in word_numbers(text)] == found


@pytest.mark.parametrize(
    "text",
    [
        "один из лидеров партии",  # a lone "one" is a pronoun more often than a count
        "one of the leaders",
        "тысячи людей вышли",  # a lone power is vague
        "в двадцать первом веке",  # a rank
        "the twenty-first century",
        "приехал с семью",  # "family" more often than "seven"
        "two and three",  # two numbers, not one
    ],
)
def test_words_that_are_no_count(text: str) -> None:
    assert word_numbers(text) == []


def test_a_number_in_words_takes_qualifier_percent_and_noun() -> None:
    text = "Компания продала около трёх процентов акций, а не более пяти лет назад"
    first, second = find_quantities(text)
    assert (first.text, first.value, first.qualifier, first.scale, first.noun) == (
        "около трёх процентов акций",
        3,
        "about",
        "%",
        "акций",
    )
    assert (second.value, second.qualifier, second.noun) == (5, "at most", "лет")


def test_digits_and_words_come_in_text_order() -> None:
    found = find_quantities("5 депо и восемнадцать остановок, 30% пути")
    assert [q.value for q in found] == [5, 18, 30]
