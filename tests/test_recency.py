"""Date filters and the recency preference of "latest" questions, on a small dated index."""

from __future__ import annotations

from datetime import date

import pytest

from index.builder import update_index
from index.cleaning import clean_document
from index.documents import RawDocument
from index.settings import DEFAULT_MODEL, IndexSettings
from index.torch_embedder import SentenceTransformerEmbedder
from rag.answering.engine import AnswerEngine
from rag.answering.question import analyse
from rag.retrieval.retriever import HybridRetriever
from rag.settings import RagSettings

_TEXT = "Технопарк «Полюс» подписал соглашение с {}."
ARTICLES = {
    "old": ("03.03.2025", _TEXT.format("заводом из Казани о поставках датчиков")),
    "mid": ("14.07.2026", _TEXT.format("университетом Томска о стажировках")),
    "new": ("02.11.2026", _TEXT.format("банком о льготных кредитах стартапам")),
    "undated": (None, _TEXT.format("музеем о выставке роботов")),
}


@pytest.fixture(scope="module")
def engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> AnswerEngine:
    raws = [
        RawDocument(doc_id, f"{d}\n{text}" if d else text, f"{doc_id}.txt")
        for doc_id, (d, text) in ARTICLES.items()
    ]
    docs = [d for d in map(clean_document, raws) if d is not None]
    assert {d.doc_id: d.date for d in docs}["undated"] is None
    settings = IndexSettings(data_dir=tmp_path_factory.mktemp("r"), embedding_model=DEFAULT_MODEL)
    update_index(settings, embedder, docs, progress=False)
    return AnswerEngine.from_settings(settings, RagSettings(), embedder=embedder)


def _search(engine: AnswerEngine, text: str, **kw: date) -> list[str]:
    q = analyse(text)
    qvec = engine.embedder.embed_queries([q.text])[0]
    return [h.document.doc_id for h in engine.retriever.search(q, qvec, k=4, **kw)]


def test_latest_question_prefers_the_newest_article(engine: AnswerEngine) -> None:
    assert _search(engine, "Какое последнее соглашение подписал технопарк «Полюс»?")[0] == "new"


def test_since_and_until_filter_by_publication_date(engine: AnswerEngine) -> None:
    assert set(_search(engine, "соглашение технопарка", since=date(2026, 1, 1))) == {"mid", "new"}
    assert _search(engine, "соглашение технопарка", until=date(2025, 12, 31)) == ["old"]
    # An unknown date is never shown as inside a range, and never invented.
    assert "undated" in _search(engine, "соглашение технопарка")


def test_a_narrow_range_finds_its_article_below_many_better_matches(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> None:
    """The range is applied inside the search: twelve closer articles out of range do not
    crowd out the one in range, however small the candidate pool."""
    raws = [
        RawDocument(f"n{i}", f"{i + 1:02d}.11.2026\n" + _TEXT.format(f"партнёром номер {i}"), "")
        for i in range(12)
    ]
    raws.append(RawDocument("old", "03.03.2025\nЗавод из Казани начал поставки датчиков.", ""))
    docs = [d for d in map(clean_document, raws) if d is not None]
    settings = IndexSettings(data_dir=tmp_path_factory.mktemp("n"), embedding_model=DEFAULT_MODEL)
    update_index(settings, embedder, docs, progress=False)
    engine = AnswerEngine.from_settings(settings, RagSettings(), embedder=embedder)
    narrow = HybridRetriever(engine.retriever.snapshot, candidates=1)
    q = analyse("соглашение технопарка")
    qvec = embedder.embed_queries([q.text])[0]
    assert next(h.document.doc_id for h in narrow.search(q, qvec, k=4)).startswith("n")
    hits = narrow.search(q, qvec, k=4, until=date(2025, 12, 31))
    assert [h.document.doc_id for h in hits] == ["old"]
    assert narrow.search(q, qvec, k=4, until=date(2020, 1, 1)) == []
