"""Time expressions for "when?" answers, and their English rendering from Russian sources."""

from __future__ import annotations

import pytest

from nlp.when import TIME_EXPRESSION, english_time


@pytest.mark.parametrize(
    ("sentence", "found", "english"),
    [
        ("Презентация планируется в декабре в Южной Корее.", "в декабре", "in December"),
        (
            "Документ подписали 21 сентября 2020 года.",
            "21 сентября 2020 года",
            "21 September 2020",
        ),
        ("В 2014 году потенциал был представлен.", "В 2014 году", "in 2014"),
        ("Работы продлятся до марта 2022 года.", "до марта 2022 года", "by March 2022"),
        ("Соглашение подписано 18.09.2020 в Москве.", "18.09.2020", "18.09.2020"),
        ("The lab will open in December 2021.", "in December 2021", "in December 2021"),
        ("Signed on September 18, 2020.", "September 18, 2020", "September 18, 2020"),
    ],
)
def test_time_expressions_are_found_and_rendered(sentence: str, found: str, english: str) -> None:
    m = TIME_EXPRESSION.search(sentence)
    assert m is not None and m.group(0) == found
    assert english_time(m.group(0)) == english


@pytest.mark.parametrize("sentence", ["В Москве открылся технопарк.", "Он работает 24 часа."])
def test_no_time_expression_no_match(sentence: str) -> None:
    assert TIME_EXPRESSION.search(sentence) is None
