"""Date parsing and the header-only publication date."""

from __future__ import annotations

from datetime import date

import pytest

from index.settings import REPO_ROOT
from nlp.dates import find_dates, find_header_date, is_date_only_line, parse_date

CORPUS = REPO_ROOT / "data" / "corpus"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21.09.2020", date(2020, 9, 21)),
        ("21/09/2020", date(2020, 9, 21)),
        ("2020-09-21", date(2020, 9, 21)),
        ("2020-09-21T10:15:00+03:00", date(2020, 9, 21)),
        ("2020-09-21 10:15", date(2020, 9, 21)),
        ("18 сентября 2020", date(2020, 9, 18)),
        ("18 сентября 2020 года", date(2020, 9, 18)),
        ("1 мая 2021 г.", date(2021, 5, 1)),
        ("3 март 2019", date(2019, 3, 3)),  # nominative form
        ("7 дек. 2018", date(2018, 12, 7)),
        ("September 18, 2020", date(2020, 9, 18)),
        ("18 September 2020", date(2020, 9, 18)),
        ("Sep 18 2020", date(2020, 9, 18)),
        ("Sept. 18, 2020", date(2020, 9, 18)),
        ("Mon, 21 Sep 2020 10:00:00 +0300", date(2020, 9, 21)),
        ("  29.02.2020 ", date(2020, 2, 29)),
    ],
)
def test_parse_date_formats(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["31.02.2020", "2020-13-01", "32 января 2020", "29.02.2019", "February 30, 2020", "", "soon",
     "18.09.20201", "0.09.2020"],
)  # fmt: skip
def test_parse_date_rejects_impossible_or_non_dates(text: str) -> None:
    assert parse_date(text) is None


def test_find_dates_gives_spans() -> None:
    text = "Встреча 18 сентября 2020 года, отчёт от 21.09.2020."
    found = find_dates(text)
    assert [d for d, _ in found] == [date(2020, 9, 18), date(2020, 9, 21)]
    start, end = found[1][1]
    assert text[start:end] == "21.09.2020"


def test_header_date_of_bundled_articles() -> None:
    expected = {"000": date(2020, 9, 21), "001": date(2020, 9, 18), "002": date(2020, 9, 18)}
    for path in sorted(CORPUS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        found = find_header_date(lines)
        want = expected.get(path.name[:3])
        assert (found[0] if found else None) == want, path.name


def test_header_date_reports_line_and_span() -> None:
    lines = ["Opening Asia", "", "Headline of the day", "18.09.2020 123 просмотров", "Body."]
    found = find_header_date(lines)
    assert found is not None
    value, index, (start, end) = found
    assert value == date(2020, 9, 18) and index == 3 and lines[3][start:end] == "18.09.2020"


def test_header_date_ignores_tail_and_body_sentences() -> None:
    body = ["A long first paragraph of the story that goes on." for _ in range(8)]
    # the only date line sits in the tail ("related news")
    assert find_header_date(["Headline", *body, "06.11.2018 44", "Other story"]) is None
    # a date inside a long body sentence is the date of an event, not of the publication
    sentence = (
        "On 18 September 2020 the mayor held a meeting of the board where many other things "
        "were discussed at length by all the participants of the event."
    )
    assert find_header_date([sentence]) is None


def test_header_date_of_short_text_stays_in_first_half() -> None:
    assert find_header_date(["Headline", "Body sentence here.", "06.11.2018 44"]) is None
    assert find_header_date(["18 сентября 2020", "Текст новости."]) == (
        date(2020, 9, 18),
        0,
        (0, 16),
    )


def test_is_date_only_line() -> None:
    assert is_date_only_line("21.09.2020 #Рубрика")
    assert is_date_only_line("18.09.2020 123 просмотров")
    assert is_date_only_line("06.11.2018 44")
    assert is_date_only_line("September 18, 2020 | 1 200 views")
    assert not is_date_only_line("Москва, 18 сентября 2020")
    assert not is_date_only_line("В 2020 году всё изменилось.")
