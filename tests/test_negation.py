"""A negation word that makes a bound ("не более", "must not exceed") negates nothing."""

from __future__ import annotations

import pytest

from nlp.negation import is_negated


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Дефицит не должен превышать 3% бюджета.", "ru"),
        ("Ставка не больше 7%.", "ru"),
        ("Зарплата не может быть ниже 15 тыс. рублей.", "ru"),
        ("The deficit must not exceed 3% of output.", "en"),
        ("They hired no fewer than 40 engineers.", "en"),
    ],
)
def test_bounds_are_not_negations(text: str, language: str) -> None:
    assert not is_negated(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Стороны не подписали соглашение.", "ru"),
        ("Компания отказалась от сделки.", "ru"),
        ("The ministers did not sign the treaty.", "en"),
        ("The club declined to renew his contract.", "en"),
    ],
)
def test_negations_still_are(text: str, language: str) -> None:
    assert is_negated(text, language)
