"""The agreement detector: bundled articles, labelled examples, summaries and story grouping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.agreement_line import agreement_line
from evaluation.agreements import (
    as_document,
    evaluate_stories,
    load_labelled,
)
from index.cleaning import clean_document
from index.documents import Document
from index.loaders import load_path
from nlp.dates import find_dates
from nlp.entities import RussianNer
from rag.alerts.agreements import (
    Agreement,
    agreement_sentence,
    detect_agreement,
    newest_agreements,
    same_agreement_story,
)

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "agreements.jsonl"
STORIES = ROOT / "tests" / "data" / "agreement_stories.jsonl"


@pytest.fixture(scope="module")
def ner() -> RussianNer:
    return RussianNer()


@pytest.fixture(scope="module")
def bundled() -> dict[str, Document]:
    docs: dict[str, Document] = {}
    for raw in load_path(ROOT / "data" / "corpus").documents:
        doc = clean_document(raw)
        assert doc is not None
        docs[doc.doc_id[:3]] = doc
    return docs


@pytest.fixture(scope="module")
def labelled(ner: RussianNer) -> list[tuple[dict[str, object], Document, Agreement | None]]:
    out = []
    for row in load_labelled(LABELLED):
        doc = as_document(row)
        out.append((row, doc, detect_agreement(doc, ner)))
    return out


def test_labelled_set_is_balanced_and_split() -> None:
    rows = load_labelled(LABELLED)
    assert len(rows) >= 60
    assert 0.3 <= sum(r["label"] for r in rows) / len(rows) <= 0.5
    assert {r["lang"] for r in rows} == {"ru", "en"}
    assert {r["split"] for r in rows} == {"dev", "test"}
    assert len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000", ["Московский инновационный кластер", "Китай"]),
        ("001", ["Москва", "Пекин"]),
        ("002", ["Moscow", "Beijing"]),
        ("003", ["Москва", "Innobiz"]),
        ("004", ["Ленинградской области"]),
    ],
)
def test_bundled_articles_are_agreements(
    bundled: dict[str, Document], ner: RussianNer, prefix: str, expected: list[str]
) -> None:
    found = detect_agreement(bundled[prefix], ner)
    assert found is not None
    joined = " | ".join(found.parties)
    for party in expected:
        assert party in joined, (party, found.parties)
    assert 1 <= len(found.parties) <= 4
    assert found.status == "signed"
    assert found.kind == "agreement"


def test_bundled_dates_are_never_invented(bundled: dict[str, Document], ner: RussianNer) -> None:
    assert detect_agreement(bundled["001"], ner).date == "2020-09-18"  # type: ignore[union-attr]
    assert detect_agreement(bundled["003"], ner).date is None  # type: ignore[union-attr]
    assert detect_agreement(bundled["004"], ner).date is None  # type: ignore[union-attr]


def test_bundled_story(bundled: dict[str, Document], ner: RussianNer) -> None:
    a, b, c = (detect_agreement(bundled[p], ner) for p in ("001", "002", "003"))
    assert a and b and c
    assert same_agreement_story(a, b), "RU and EN report of the Moscow-Beijing signing"
    assert not same_agreement_story(b, c), "Beijing and Innobiz are different agreements"


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Мэр открыл выставку", "Мэр открыл выставку роботов. Экспонаты покажут до марта."),
        ("Эксперт о переговорах", "Эксперт считает, что стороны могли бы подписать соглашение."),
        ("Talks stall", "The two ministers did not sign the trade agreement on Tuesday."),
        ("A new user agreement", "The app asks users to accept its updated user agreement."),
        ("Грант для школы", "Школа получила грант на новое оборудование."),
    ],
)
def test_mentions_without_a_new_agreement_are_rejected(title: str, text: str) -> None:
    """Openings, opinions, negated signings, user terms and grants are not agreement news."""
    language = "ru" if re.search("[а-я]", text) else "en"
    assert detect_agreement(Document("n", title, text, "", language)) is None


def test_sentence_is_verbatim(
    labelled: list[tuple[dict[str, object], Document, Agreement | None]],
) -> None:
    for _, doc, found in labelled:
        if found is not None:
            assert found.sentence in doc.title or found.sentence in doc.text
            assert agreement_sentence(doc) == found.sentence


def test_dates_are_from_the_text_or_the_article(
    labelled: list[tuple[dict[str, object], Document, Agreement | None]],
) -> None:
    for _, doc, found in labelled:
        if found is None or found.date is None:
            continue
        in_text = {d.isoformat() for d, _ in find_dates(doc.title + "\n" + doc.text)}
        assert found.date == doc.date or found.date in in_text
    masdar = next(f for r, _, f in labelled if r["id"] == "en_p_masdar_mou")
    assert masdar is not None and masdar.date == "2024-03-12", "the text's date wins"
    undated = Document("x", "Яндекс и МФТИ подписали соглашение", "Подробности позже.", "", "ru")
    assert detect_agreement(undated).date is None  # type: ignore[union-attr]


def test_summaries_name_the_parties(
    labelled: list[tuple[dict[str, object], Document, Agreement | None]],
) -> None:
    for row, _, found in labelled:
        if found is None:
            continue
        assert found.parties, row["id"]
        ru, en = agreement_line(found, "ru"), agreement_line(found, "en")
        assert all(p in ru for p in found.parties), ru
        assert not re.search(r"[А-Яа-яЁё]", en), en  # Latin names in English
        assert ("planned" in en) == (found.status == "planned")
        assert "\n" not in ru and "\n" not in en
    kazan = next(f for r, _, f in labelled if r["id"] == "ru_p_kazan_tashkent")
    assert kazan is not None
    assert agreement_line(kazan, "en").startswith("Memorandum signed between Kazan and Tashkent")
    assert "Казань" in agreement_line(kazan, "ru") and "11 апреля 2024" in agreement_line(
        kazan, "ru"
    )


def test_expected_parties_and_kinds(
    labelled: list[tuple[dict[str, object], Document, Agreement | None]],
) -> None:
    for row, _, found in labelled:
        if found is None or "parties" not in row:
            continue
        assert found.kind == row["kind"], row["id"]
        hits = sum(
            any(_loose(p) in _loose(q) or _loose(q) in _loose(p) for q in found.parties)
            for p in row["parties"]  # type: ignore[attr-defined]
        )
        assert hits >= 1, (row["id"], found.parties)


def _loose(name: str) -> str:
    return re.sub(r"[«»\"\s]", "", name.lower())[:8]


def test_statuses() -> None:
    planned = Document(
        "p", "Finland and Japan to sign quantum agreement", "Talks ended.", "", "en"
    )
    assert detect_agreement(planned).status == "planned"  # type: ignore[union-attr]
    cancelled = Document(
        "c",
        "Компании подпишут соглашение о сотрудничестве",
        "Позже стороны отказались от сделки.",
        "",
        "ru",
    )
    assert detect_agreement(cancelled) is None


def test_story_pairs_are_scored(ner: RussianNer) -> None:
    """The story evaluation pairs both kinds and gives a verdict for each pair; its accuracy is
    reported by `newsbot eval --agreements`, not asserted on the data the rules were tuned on."""
    results = evaluate_stories(LABELLED, STORIES, ner)
    assert any(p["same"] for p, _ in results) and any(not p["same"] for p, _ in results)
    assert all(isinstance(verdict, bool) for _, verdict in results)


def test_newest_agreements(
    labelled: list[tuple[dict[str, object], Document, Agreement | None]],
) -> None:
    docs = [doc for _, doc, _ in labelled]
    newest = newest_agreements(docs, 3)
    assert len(newest) == 3
    assert [d.date for d in newest] == sorted((d.date or "" for d in newest), reverse=True)
    assert all(agreement_sentence(d) for d in newest)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Две партии сформировали коалицию после выборов.", "partnership"),
        ("The parties formed a coalition government on Monday.", "partnership"),
        ("Холдинг купил стартап в сфере логистики.", "deal"),
        ("The insurer acquired a 40% stake in the broker.", "deal"),
        ("The studio completed its acquisition of the publisher.", "deal"),
        ("Два банка объявили о слиянии.", "deal"),
        ("Клуб подписал контракт с новым главным тренером.", "contract"),
    ],
)
def test_deals_coalitions_and_signings_are_agreements(sentence: str, kind: str) -> None:
    doc = Document("d", sentence, "", "", "ru" if re.search("[а-я]", sentence) else "en")
    found = detect_agreement(doc)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(
    "sentence",
    [
        "Он купил дом в пригороде.",
        "She bought a ticket to Rome.",
        "Компания закрыла завод в области.",
        "The ministry closed the school for the winter.",
        "They acquired new skills at the course.",
    ],
)
def test_buying_and_closing_alone_are_not_deals(sentence: str) -> None:
    doc = Document("d", sentence, "", "", "ru" if re.search("[а-я]", sentence) else "en")
    assert detect_agreement(doc) is None


OBITUARY = [
    "Скончался бывший министр иностранных дел.",
    "Ему было 84 года.",
    "Он родился в Саратове и окончил институт международных отношений.",
    "Долгие годы он работал в посольствах в Европе.",
    "В те годы стороны подписали соглашение о торговле, которое готовила его команда.",
]


def test_an_agreement_below_the_lead_is_background() -> None:
    """An obituary recalls an accord in its fifth sentence: not news of an agreement."""
    doc = Document("o", "Умер бывший министр", " ".join(OBITUARY), "2026-01-10", "ru")
    assert detect_agreement(doc) is None
    leading = [OBITUARY[-1].replace("В те годы с", "С"), *OBITUARY[:4]]
    assert detect_agreement(Document("n", "Новости", " ".join(leading), "", "ru")) is not None


def test_a_late_report_about_the_leads_subject_is_news() -> None:
    """A meeting story that ends with what was signed there is news of that agreement."""
    text = (
        "Делегация Казани провела переговоры в Ташкенте. Обсуждали туризм и транспорт. "
        "Стороны наметили новые рейсы. Отдельно говорили об образовании. "
        "По итогам визита Казань и Ташкент подписали меморандум о сотрудничестве."
    )
    assert detect_agreement(Document("m", "Визит в Ташкент", text, "", "ru")) is not None
    unrelated = text.replace("Казань и Ташкент", "Омск и Пермь")
    assert detect_agreement(Document("u", "Визит в Ташкент", unrelated, "", "ru")) is None


def test_passed_away_looks_back_and_passed_a_law_does_not() -> None:
    """ "Passed away" marks an obituary; a parliament that passed a law is news of today."""
    tail = (
        "The delegation discussed transport. Flights were planned. Schools were discussed too. "
        "Later Kazan and Tashkent signed a memorandum of cooperation."
    )
    obituary = Document("o", "A diplomat passed away", "Kazan mourns. " + tail, "", "en")
    assert detect_agreement(obituary) is None
    news = Document("n", "Kazan council passed a budget", "Kazan met Tashkent. " + tail, "", "en")
    assert detect_agreement(news) is not None
