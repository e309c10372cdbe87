import pytest

from nlp.quantities import find_quantities, render_english


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
