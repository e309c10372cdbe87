import pytest

from nlp.quantities import find_quantities, render_english, written_precision


@pytest.mark.parametrize(
    ("text", "value", "qualifier", "scale", "english"),
    [
        ("участвует уже более 17 тыс. предприятий", 17_000, "more than", "thousand",
         "more than 17 thousand"),
        ("привлекла более 4,5 тыс. заявок", 4_500, "more than", "thousand",
         "more than 4.5 thousand"),
        ("attracted 10,000 applications", 10_000, None, None, "10,000"),
        ("работают 4 500 человек", 4_500, None, None, "4,500"),
        ("Свыше 90% участников", 90, "over", "%", "over 90%"),
        ("more than 130 thousand companies", 130_000, "more than", "thousand",
         "more than 130 thousand"),
        ("бюджет 2,3 млрд рублей", 2.3e9, None, "billion", "2.3 billion"),
    ],
)  # fmt: skip
def test_find_and_render(
    text: str, value: float, qualifier: str | None, scale: str | None, english: str
) -> None:
    (q,) = find_quantities(text)
    assert q.value == pytest.approx(value)
    assert q.qualifier == qualifier
    assert q.scale == scale
    assert render_english(q) == english
    assert text[q.start : q.end] == q.text


def test_years_are_not_quantities() -> None:
    assert find_quantities("В 2019 году и в 2020 году") == []
    (q,) = find_quantities("в 2019 году открыли 15 парков")
    assert q.value == 15 and q.noun == "парков"


@pytest.mark.parametrize(
    ("text", "qualifier", "value"),
    [
        ("Дефицит бюджета не должен превышать 3% ВВП.", "at most", 3),
        ("Ставка не может быть выше 7%.", "at most", 7),
        ("Зарплата не может быть ниже 15 тыс. рублей.", "at least", 15_000),
        ("Выручка превысила 5 млрд рублей.", "more than", 5e9),
        ("The deficit must not exceed 3% of output.", "at most", 3),
        ("It won't exceed 10 percent.", "at most", 10),
        ("Revenue exceeded $5 billion.", "more than", 5e9),
        ("They hired no fewer than 40 engineers.", "at least", 40),
    ],
)
def test_bounds_said_with_a_verb(text: str, qualifier: str, value: float) -> None:
    (q,) = find_quantities(text)
    assert (q.qualifier, q.value) == (qualifier, pytest.approx(value))


@pytest.mark.parametrize(
    ("text", "precision"),
    [
        ("длиной 1,5 км", 0.05 / 1.5),
        ("длиной 1500 метров", 50 / 1500),
        ("длиной 1,50 км", 0.005 / 1.5),
        ("a 1,500-metre line", 50 / 1500),
        ("длиной 1507 метров", 0.5 / 1507),
        ("длиной 0 метров", 0.0),
    ],
)
def test_written_precision_is_half_the_last_digit(text: str, precision: float) -> None:
    (q,) = find_quantities(text)
    assert written_precision(q) == pytest.approx(precision)
