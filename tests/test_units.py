"""What a number measures: units and currencies in either language."""

from __future__ import annotations

import pytest

from nlp.quantities import find_quantities
from nlp.units import currency_of, measure_unit, quantity_kind


@pytest.mark.parametrize(
    ("word", "unit"),
    [
        ("км", "km"),
        ("километров", "km"),
        ("kilometres", "km"),
        ("km.", "km"),
        ("метра", "m"),
        ("килограммов", "kg"),
        ("kg", "kg"),
        ("тонн", "t"),
        ("лет", "year"),
        ("years", "year"),
        ("человек", "people"),
        ("остановок", None),
        ("stops", None),
        ("миллионов", None),  # a scale, not a mile
        ("лётчиков", None),  # no "лет"
        ("частных", None),  # no "час"
        ("метро", None),  # no "метр"
        (None, None),
    ],
)
def test_units_in_either_language(word: str | None, unit: str | None) -> None:
    assert measure_unit(word) == unit


def test_one_currency_or_none() -> None:
    assert currency_of("9,4 млрд рублей") == "RUB"
    assert currency_of("$1.1 billion") == currency_of("1.1 billion dollars") == "USD"
    assert currency_of("100 евро") == "EUR"
    assert currency_of("100 евро и 5 долларов") is None  # two: unknown
    assert currency_of("12 компаний") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("стоимость составила 9,4 млрд рублей", "money"),
        ("the sale brought in about $1.1 billion", "money"),
        ("its 4.2% stake", "percent"),
        ("в 5 странах Европы", "count"),  # "Европы" is no euro
        ("10 пациентов клиники", "count"),  # nor "-иен-" a yen
        ("взяты 5 рубежей обороны", "count"),  # nor "рубеж" a rouble
    ],
)
def test_the_kind_of_a_quantity(text: str, kind: str) -> None:
    (q,) = find_quantities(text)
    assert quantity_kind(q, text) == kind
