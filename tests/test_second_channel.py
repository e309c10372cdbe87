"""The USE channel in retrieval: what it adds to rows in another language than the question's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.builder import update_index
from index.documents import Document
from index.second_embedder import UseEmbedder
from index.settings import DEFAULT_MODEL, IndexSettings
from index.store import IndexSnapshot
from rag.answering.engine import AnswerEngine
from rag.answering.question import analyse
from rag.retrieval.fusion import DEFAULT, WITH_USE
from rag.retrieval.retriever import HybridRetriever
from rag.settings import RagSettings

pytestmark = pytest.mark.slow


def _doc(doc_id: str, language: str, title: str, text: str) -> Document:
    return Document(doc_id, title, text, f"corpus/{doc_id}.txt", language)


DOCS = [
    _doc(
        "ru-vaccine",
        "ru",
        "Вакцина от гриппа",
        "Минздрав одобрил новую вакцину от гриппа для детей старше шести лет. "
        "Прививочная кампания начнётся в октябре во всех поликлиниках страны.",
    ),
    _doc(
        "ru-harvest",
        "ru",
        "Урожай пшеницы",
        "Аграрии собрали рекордный урожай пшеницы — более ста миллионов тонн. "
        "Экспорт зерна в этом сезоне может вырасти на десять процентов.",
    ),
    _doc(
        "ru-bridge",
        "ru",
        "Ремонт моста",
        "Мэрия закрыла старый мост через реку на ремонт до конца года. "
        "Автобусы пустят в объезд по соседней набережной.",
    ),
    _doc(
        "en-school",
        "en",
        "New school opens",
        "A new primary school opened in the northern district this week. "
        "It will teach six hundred children from the first grade on.",
    ),
    _doc(
        "en-hospital",
        "en",
        "Hospital expands",
        "The regional hospital added a children's ward with forty beds. "
        "Doctors said the ward will open to patients in October.",
    ),
    _doc(
        "en-traffic",
        "en",
        "Road works",
        "Road works on the ring road will slow traffic until the end of the year. "
        "Drivers are advised to take the bus instead.",
    ),
]

# Questions answered by an article in the other language than the question's (both directions).
QUESTIONS = [
    ("Which flu vaccine for children was approved by the health ministry?", "ru-vaccine"),
    ("Where will buses go while the bridge is repaired?", "ru-bridge"),
    ("Сколько детей будет учиться в новой школе?", "en-school"),
]


@pytest.fixture(scope="module")
def index_settings(
    tmp_path_factory: pytest.TempPathFactory, embedder: Any, use_embedder: Any
) -> IndexSettings:
    settings = IndexSettings(
        data_dir=tmp_path_factory.mktemp("mixed"), embedding_model=DEFAULT_MODEL
    )
    update_index(settings, embedder, DOCS, second_embedder=use_embedder, progress=False)
    return settings


def _scores(retriever: HybridRetriever, embedder: Any, question: str) -> dict[str, float]:
    """Fused score per chunk id, over every chunk (the pool is the whole index here)."""
    q = analyse(question)
    hits = retriever.search(q, embedder.embed_queries([q.text])[0], k=len(DOCS))
    assert len(hits) == len(retriever.snapshot) == len(DOCS)  # one chunk per document
    return {h.chunk.chunk_id: h.score for h in hits}


@pytest.mark.parametrize(("question", "answer_doc"), QUESTIONS, ids=[d for _, d in QUESTIONS])
def test_use_score_joins_the_fusion_for_rows_in_the_other_language(
    index_settings: IndexSettings,
    embedder: Any,
    use_embedder: UseEmbedder,
    question: str,
    answer_doc: str,
) -> None:
    """What the channel adds, row by row: w_use * z(USE cosine) where the row's language is not
    the question's, nothing where it is. Without the channel the same snapshot gives e5, BM25
    and names alone, so the difference between the two fused scores is the channel itself."""
    snap = IndexSnapshot.load(index_settings.index_dir, expected_second=use_embedder.identity)
    with_use = HybridRetriever(snap, second_embedder=use_embedder)
    without = HybridRetriever(snap)
    assert with_use.params == WITH_USE and with_use.second_embedder is use_embedder
    assert without.params == DEFAULT and without.second_embedder is None
    assert WITH_USE.w_use > 0 and WITH_USE.w_use_same == DEFAULT.w_use == 0

    before = use_embedder.texts_encoded
    scored_without = _scores(without, embedder, question)
    assert use_embedder.texts_encoded == before  # the channel is really off
    scored_with = _scores(with_use, embedder, question)
    assert use_embedder.texts_encoded == before + 1  # the question, nothing else

    # The USE cosine of every stored row with the question, z-normalised over the pool.
    assert snap.second_vectors is not None
    q = analyse(question)
    q_use = np.asarray(use_embedder.embed_queries([q.text]), dtype=np.float64).reshape(-1)
    cosine = np.asarray(snap.second_vectors, dtype=np.float64) @ q_use
    z_use = (cosine - cosine.mean()) / cosine.std()
    added: dict[str, float] = {}
    for row, chunk in enumerate(snap.chunks):
        added[chunk.doc_id] = scored_with[chunk.chunk_id] - scored_without[chunk.chunk_id]
        if snap.document_of(chunk).language == q.language:
            assert added[chunk.doc_id] == pytest.approx(0.0, abs=1e-9), chunk.chunk_id
        else:
            want = WITH_USE.w_use * z_use[row]
            assert added[chunk.doc_id] == pytest.approx(want, abs=1e-6), chunk.chunk_id
    assert max(abs(a) for a in added.values()) > 0.5  # a difference that cannot be rounding
    # USE recognises the answer across languages: its row gains the most, and the article ranks
    # first with the channel on.
    assert max(added, key=lambda d: added[d]) == answer_doc, added
    assert max(scored_with, key=lambda c: scored_with[c]).split("#")[0] == answer_doc


def test_engine_turns_the_channel_on_from_the_index(
    index_settings: IndexSettings, embedder: Any, use_embedder: Any
) -> None:
    engine = AnswerEngine.from_settings(
        index_settings, RagSettings(), embedder=embedder, second_embedder=use_embedder
    )
    assert engine.retriever.params == WITH_USE
    off = index_settings.model_copy(update={"second_embedder": "none"})
    assert AnswerEngine.from_settings(off, RagSettings(), embedder=embedder).retriever.params == (
        DEFAULT
    )


def test_engine_without_the_channel_in_the_index(
    tmp_path: Path, embedder: Any, use_embedder: Any
) -> None:
    settings = IndexSettings(data_dir=tmp_path, embedding_model=DEFAULT_MODEL)
    update_index(settings, embedder, DOCS[:2], progress=False)
    engine = AnswerEngine.from_settings(
        settings, RagSettings(), embedder=embedder, second_embedder=use_embedder
    )
    assert engine.retriever.second_embedder is None and engine.retriever.params == DEFAULT
