"""How a sentence about an agreement is read: when it is a recollection, an opinion, a meeting
arranged or a sentence naming nobody, and when it is news (constructed cases)."""

from __future__ import annotations

import re

import pytest

from index.documents import Document
from rag.alerts.agreements import detect_agreement


def _doc(title: str, text: str, when: str | None = "2026-03-02") -> Document:
    language = "ru" if re.search("[а-яё]", title + text, re.IGNORECASE) else "en"
    return Document("d", title, text, "s", language, when)


@pytest.mark.parametrize(
    "text",
    [
        "В 1997 году стороны подписали договор о дружбе.",
        "После подписания Амстердамского договора 1997 года союз расширился.",
        "The Treaty of Lisbon 2007 was signed to reform the union.",
        "The inventor partnered with two businessmen in 1886.",
        "A new formula was agreed upon during 1946.",
        "Мир наступил с подписанием мирного договора в 1763 году.",
    ],
)
def test_a_year_before_the_article_marks_a_recollection(text: str) -> None:
    assert detect_agreement(_doc("Обзор", text)) is None


def test_a_count_is_not_a_year() -> None:
    assert detect_agreement(_doc("Итоги", "Компания подписала 1500 контрактов с поставщиками."))
    assert detect_agreement(_doc("Results", "The firm signed 1500 contracts with suppliers."))


def test_an_undated_article_is_dated_by_its_newest_full_date() -> None:
    text = (
        "12 мая 2010 года министры подписали соглашение о торговле. "
        "В 2008 году стороны подписали меморандум."
    )
    found = detect_agreement(_doc("Торговля", text, None))
    assert found is not None and found.sentence.startswith("12 мая 2010")
    old = "12 мая 2010 года прошла выставка. В 2008 году стороны подписали меморандум."
    assert detect_agreement(_doc("Выставка", old, None)) is None


@pytest.mark.parametrize(
    "text",
    [
        "Мы договорились о том, что необходимо вернуть хорошие отношения между странами.",
        "Министры договорились о необходимости продолжать диалог.",
        "Президенты договорились о встрече в следующем месяце.",
        "Президенты договорились встретиться в следующем месяце.",
        "Стороны договорились провести переговоры в Женеве.",
        "Предварительная договорённость о визите была достигнута на саммите.",
        "The two leaders agreed to meet again in May.",
        "Pharmacists cannot form business partnerships with physicians.",
        "Возможности платформы станут доступны партнерам.",
    ],
)
def test_opinions_and_arranged_meetings_are_not_agreements(text: str) -> None:
    assert detect_agreement(_doc("Новости", text)) is None


@pytest.mark.parametrize(
    "text",
    [
        "Министры обсудили сотрудничество и подписали соглашение о поставках.",
        "Стороны договорились на встрече о создании совместного предприятия.",
        "Корпорация Microsoft покупает Skype за 8,5 млрд долларов.",
        "Газпром приобретает контрольный пакет акций нефтяной компании.",
        "Израиль и ХАМАС заключили перемирие при посредничестве Египта.",
        "The two sides agreed a ceasefire on Monday after talks in Cairo.",
        "The parliament ratified the treaty on Tuesday.",
        "Nokia and Microsoft discussed the terms and signed a deal on Friday.",
    ],
)
def test_agreement_news_in_other_words(text: str) -> None:
    assert detect_agreement(_doc("Новости", text)) is not None


def test_a_sentence_naming_nobody_needs_the_title() -> None:
    text = "Все контракты заключены, на стройплощадках ведётся работа."
    assert detect_agreement(_doc("Стройка идёт по графику", text)) is None
    assert detect_agreement(
        _doc("Стройка идёт по графику", text.replace("заключены", "с подрядчиками заключены"))
    )
    assert detect_agreement(_doc("Подрядчики подписали контракты на стройку", text)) is not None
    assert detect_agreement(_doc("Updates", "All contracts have been signed.")) is None
    assert detect_agreement(_doc("Updates", "The club signed a contract with its new coach."))


@pytest.mark.parametrize(
    ("past", "present"),
    [
        (
            "Организаторы ещё весной заключили договоры с 50 ресторанами.",
            "Организаторы заключили договоры с 50 ресторанами.",
        ),
        (
            "В прошлом месяце компании подписали соглашение о поставках.",
            "Компании подписали соглашение о поставках.",
        ),
        (
            "The two firms signed a supply agreement last month.",
            "The two firms signed a supply agreement.",
        ),
    ],
)
def test_a_time_already_past_marks_a_recollection(past: str, present: str) -> None:
    assert detect_agreement(_doc("Новости", past)) is None
    assert detect_agreement(_doc("Новости", present)) is not None
