"""Subscription topics: lexical matching across scripts and word forms, e5, calibration."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.formatting import topic_reason
from evaluation.topics import evaluate_topics
from index.cleaning import clean_document
from index.documents import Document
from index.embedder import EmbedderIdentity, Vectors
from index.loaders import load_path
from index.torch_embedder import SentenceTransformerEmbedder
from nlp.places import find_places, topic_places
from rag.alerts.topics import DEFAULT_THRESHOLD, TopicMatcher

DATA = Path(__file__).parent / "data" / "topics.jsonl"


class FlatEmbedder:
    """Every text gets the same vector: similarity never beats the topic's floor, so only the
    lexical stage can match. Counts calls, to show what is embedded."""

    identity = EmbedderIdentity(model="flat", backend="test", dim=4)

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.passages = 0

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        self.passages += len(texts)
        return np.full((len(texts), 4), 0.5, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.queries.extend(texts)
        return np.full((len(texts), 4), 0.5, dtype=np.float32)


def doc(title: str, text: str, language: str = "ru") -> Document:
    return Document(doc_id=title[:20], title=title, text=text, source="test", language=language)


@pytest.fixture
def lexical() -> TopicMatcher:
    return TopicMatcher(FlatEmbedder(), term_cosine=None)  # flat vectors "translate" anything


CHINA_RU = doc(
    "Московские стартапы выходят на новые рынки",
    "Соглашение подписали с китайскими компаниями. Представители Китая оценили проекты.",
)
BEIJING_RU = doc("Москва и Пекин подписали соглашение", "Подписание прошло по видеосвязи.")
CHINESE_EN = doc(
    "Cluster signs deal", "Chinese investors will fund two robotics labs.", language="en"
)
SHENZHEN_RU = doc("Компания из Шэньчжэня показала дрон", "Продажи начнутся летом.")
KOREA_EN = doc(
    "Moscow partners with a South Korean association",
    "The Korean association Innobiz will test startups.",
    language="en",
)
JAPAN_EN = doc("Japanese robot maker opens centre", "Tokyo executives said so.", language="en")
NORTH_KOREA_RU = doc("Северная Корея провела испытание ракеты", "Запуск прошёл в Пхеньяне.")
LENOBL_RU = doc(
    "В Ленинградской области открылся технопарк", "Резиденты займутся нанотехнологиями."
)
MOSCOW_RU = doc("В Москве открылся технопарк", "Резиденты займутся робототехникой.")


@pytest.mark.parametrize(
    ("topic", "document"),
    [
        ("Китай", CHINA_RU),  # "китайскими", "Китая"
        ("China", CHINA_RU),
        ("China", BEIJING_RU),  # the capital counts for the country
        ("Китай", CHINESE_EN),
        ("Китай", SHENZHEN_RU),  # so does any city of the country
        ("Beijing", BEIJING_RU),
        ("Пекин", BEIJING_RU),
        ("Южная Корея", KOREA_EN),
        ("South Korea", KOREA_EN),
        ("Япония", JAPAN_EN),
        ("Ленинградская область", LENOBL_RU),
        ("Москва", MOSCOW_RU),
        ("Moscow", KOREA_EN),
        ("нанотехнологии", LENOBL_RU),  # "нанотехнологиями"
        ("Innobiz", KOREA_EN),
        ("Иннобиз", KOREA_EN),  # name key across scripts
        ("стартапы", CHINA_RU),
        ("startups", CHINA_RU),  # "стартапы" / "startups" by name key
    ],
)
def test_lexical_matches(lexical: TopicMatcher, topic: str, document: Document) -> None:
    match = lexical.match(topic, document)
    assert match is not None, (topic, document.title)
    assert match.stage == "lexical" and match.score == 1.0
    assert match.reasons and all(r.kind == "mention" for r in match.reasons)


@pytest.mark.parametrize(
    ("topic", "document"),
    [
        ("Beijing", SHENZHEN_RU),  # a sibling city is not the city
        ("Пекин", CHINA_RU),  # nor is the country
        ("Южная Корея", JAPAN_EN),
        ("Japan", KOREA_EN),
        ("Южная Корея", NORTH_KOREA_RU),
        ("South Korea", NORTH_KOREA_RU),
        ("Ленинградская область", MOSCOW_RU),
        ("Москва", LENOBL_RU),
        ("нанотехнологии", MOSCOW_RU),
        ("Китай", KOREA_EN),
        ("Казахстан", doc("IT-компании откроют офисы в Казани", "Переговоры шли с весны.")),
        ("India", doc("Лаборатория и Индонезия подписали меморандум", "Обмен данными.")),
        ("United Kingdom", doc("Сайт переведут", "Контент переведут на английский язык.")),
    ],
)
def test_lexical_non_matches(lexical: TopicMatcher, topic: str, document: Document) -> None:
    assert lexical.match(topic, document) is None, (topic, document.title)


def test_reasons_name_the_words_found(lexical: TopicMatcher) -> None:
    china = lexical.match("China", BEIJING_RU)
    assert china is not None
    assert topic_reason(china, "en") == "mentions Beijing (Пекин)"
    assert topic_reason(china, "ru") == "упоминается Пекин"
    nano = lexical.match("нанотехнологии", LENOBL_RU)
    assert nano is not None and "нанотехнологиями" in topic_reason(nano, "ru")


def test_cross_script_person_names(lexical: TopicMatcher) -> None:
    en = doc("Cluster names partners", "Anatoly Valetov said three deals were signed.", "en")
    ru = doc("Кластер назвал партнёров", "По словам Анатолия Валетова, подписано три соглашения.")
    assert lexical.match("Валетов", en) is not None
    assert lexical.match("Valetov", ru) is not None
    assert lexical.match("Valetov", MOSCOW_RU) is None
    sabina = doc("Премия врачам", "Премию получила хирург Сабина Ахмедова.")
    assert lexical.match("Sobyanin", sabina) is None  # the same consonants, another name


def test_phrase_words_must_stand_together(lexical: TopicMatcher) -> None:
    near = doc("Кодекс этики", "Компании подписали кодекс этики искусственного интеллекта.")
    apart = doc(
        "Интеллект и право",
        "Искусственный спрос обсуждали весь день. Вечером говорили про интеллект машин "
        "и многое другое, не связанное с темой ни одним словом.",
    )
    assert lexical.match("искусственный интеллект", near) is not None
    assert lexical.match("искусственный интеллект", apart) is None


def test_one_passing_mention_deep_in_a_long_article_does_not_count(
    lexical: TopicMatcher,
) -> None:
    filler = " ".join(
        f"Участники обсудили вопрос номер {i} о развитии кластера." for i in range(12)
    )
    tail = doc("Ленинградская область и Китай договорились", f"{filler} Позже — в Южной Корее.")
    twice = doc("Ленинградская область договорилась", f"{filler} Южная Корея. И снова Сеул.")
    assert lexical.match("Китай", tail) is not None  # in the title
    assert lexical.match("Южная Корея", tail) is None
    assert lexical.match("Южная Корея", twice) is not None


def test_place_only_topics_never_embed_and_topics_embed_once() -> None:
    flat = FlatEmbedder()
    matcher = TopicMatcher(flat)
    matcher.match_many(["Китай", "Beijing", "South Korea"], CHINA_RU)
    assert flat.queries == [] and flat.passages == 0
    for _ in range(3):
        matcher.match_many(["онлайн-образование", "финтех", "финтех"], CHINA_RU)
    assert sorted(flat.queries) == ["онлайн-образование", "финтех"]


def test_topic_places_prefers_the_city() -> None:
    assert topic_places("Beijing") == (["Beijing"], "")
    assert topic_places("Китай нанотехнологии") == (["China"], "нанотехнологии")
    assert [m.place for m in find_places("Северная Корея")] == ["North Korea"]


def test_place_plus_subject_needs_both(lexical: TopicMatcher) -> None:
    assert lexical.match("Ленинградская область нанотехнологии", LENOBL_RU) is not None
    assert lexical.match("Москва нанотехнологии", LENOBL_RU) is None
    assert lexical.match("Москва нанотехнологии", MOSCOW_RU) is None  # flat vectors: no e5


# ---------------------------------------------------------------- with the real model


@pytest.mark.slow
def test_semantic_stage_matches_paraphrases(embedder: SentenceTransformerEmbedder) -> None:
    """Cross-lingual paraphrases with no shared word (the term stage off: "online education"
    would find "Онлайн-школа" there)."""
    matcher = TopicMatcher(embedder, term_cosine=None)
    school = doc(
        "Онлайн-школа математики привлекла инвестиции",
        "Ученики занимаются с преподавателями через интернет. Платформа выросла вдвое.",
    )
    video = doc(
        "Doctors will consult patients by video link",
        "Rural clinics get remote consultations with city specialists.",
        language="en",
    )
    for topic, document in (("online education", school), ("телемедицина", video)):
        match = matcher.match(topic, document)
        assert match is not None and match.stage == "semantic", topic
        assert match.score >= DEFAULT_THRESHOLD
        assert "close in meaning" in topic_reason(match, "en")
        assert "близко по смыслу" in topic_reason(match, "ru")
    assert matcher.match("космос", school) is None
    assert matcher.match("Japan", school) is None
    assert matcher.match("финтех", video) is None


@pytest.mark.slow
def test_topic_words_found_translated_in_the_lead(embedder: SentenceTransformerEmbedder) -> None:
    """No shared letters, no list of concepts: e5 finds the lead's phrase that translates the
    topic, and the phrase is the reason shown."""
    matcher = TopicMatcher(embedder)
    robots = doc(
        "В Москве открылся центр робототехники", "Резиденты собирают промышленных роботов."
    )
    match = matcher.match("robotics", robots)
    assert match is not None and match.stage == "lexical"
    assert "робототехники" in topic_reason(match, "en")
    bank = doc("Банк снизил ставки по вкладам", "Ставки по вкладам снизились на полпункта.")
    assert matcher.match("robotics", bank) is None
    assert matcher.match("quantum computing", robots) is None
    assert matcher.match("робототехника", CHINESE_EN) is not None  # "robotics"
    ethics = doc("Кодекс этики", "Компании подписали кодекс этики искусственного интеллекта.")
    assert matcher.match("artificial intelligence", ethics) is not None
    nano = matcher.match("nanotechnology", LENOBL_RU)  # "займутся нанотехнологиями"
    assert nano is not None and "нанотехнологиями" in topic_reason(nano, "en")


@pytest.mark.slow
def test_sentence_vectors_from_the_caller_are_used(embedder: SentenceTransformerEmbedder) -> None:
    matcher = TopicMatcher(embedder, term_cosine=None)
    text = "Курсы проходят дистанционно, задания проверяет платформа."
    vectors = embedder.embed_passages([text])
    before = embedder.texts_encoded
    evidence = matcher.evidence(["online education"], doc("Курсы", text), vectors)
    assert evidence["online education"].similarity is not None
    # Only the topic and the background floor were embedded, not the article.
    assert embedder.texts_encoded - before <= 1 + 12


@pytest.mark.slow
def test_calibrated_threshold_is_precise_on_the_test_half(
    embedder: SentenceTransformerEmbedder,
) -> None:
    report = evaluate_topics(DATA, embedder, verbose=False)
    assert report["pairs"] >= 120
    assert report["cross_lingual_pairs"] * 3 >= report["pairs"]
    assert report["threshold"] == pytest.approx(DEFAULT_THRESHOLD)  # the code holds the result
    combined = report["test"]["combined"]
    assert combined["precision"] >= 0.9, report["errors"]
    assert combined["recall"] >= 0.75, report["errors"]
    assert report["test_cross_lingual"]["combined"]["precision"] >= 0.9


EXPECTED = {  # topic -> bundled articles (file prefix) it must match; the others must not
    "Китай": {"000", "001", "002", "004"},
    "China": {"000", "001", "002", "004"},
    "Beijing": {"000", "001", "002"},  # each names "Пекин" itself
    "Южная Корея": {"003"},
    "South Korea": {"003"},
    "нанотехнологии": {"004"},
    "nanotechnology": {"004"},
}


@pytest.mark.slow
def test_bundled_corpus_sanity(embedder: SentenceTransformerEmbedder, repo_root: Path) -> None:
    loaded = load_path(repo_root / "data" / "corpus")
    documents = [d for d in (clean_document(r) for r in loaded.documents) if d is not None]
    assert len(documents) == 5
    matcher = TopicMatcher(embedder)
    found: dict[str, set[str]] = {t: set() for t in EXPECTED}
    for document in documents:
        for topic in matcher.match_many(list(EXPECTED), document):
            found[topic].add(document.doc_id[:3])
    assert found == EXPECTED
