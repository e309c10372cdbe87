"""A story re-posted by a second outlet is cited as such: both sources, same verbatim quote."""

from __future__ import annotations

import pytest

from bot.formatting import answer_body
from index.builder import update_index
from index.cleaning import clean_document
from index.documents import RawDocument
from index.settings import DEFAULT_MODEL, IndexSettings
from index.torch_embedder import SentenceTransformerEmbedder
from rag.answering.engine import AnswerEngine
from rag.settings import RagSettings

STORY = (
    "Технопарк «Северная долина» подписал соглашение с университетом Лунда о совместных "
    "лабораториях. Документ подписали директор технопарка Игорь Семёнов и ректор университета "
    "Эрик Ольсон. В лабораториях будут работать 240 исследователей. Первые проекты стартуют "
    "в марте 2027 года."
)


@pytest.fixture(scope="module")
def engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> AnswerEngine:
    raws = [
        RawDocument("outlet-a", f"12.02.2027\nТехнопарк договорился с Лундом\n\n{STORY}", "a.txt"),
        RawDocument(
            "outlet-b",
            f"Наука и жизнь\n13.02.2027\nСоглашение технопарка и Лунда\n\n{STORY}\n\nЧитать далее",
            "b.txt",
        ),
        RawDocument(
            "other",
            "Городской парк откроет каток в декабре. Вход будет бесплатным для всех жителей.",
            "c.txt",
        ),
    ]
    docs = [d for d in map(clean_document, raws) if d is not None]
    settings = IndexSettings(data_dir=tmp_path_factory.mktemp("d"), embedding_model=DEFAULT_MODEL)
    update_index(settings, embedder, docs, progress=False)
    return AnswerEngine.from_settings(settings, RagSettings(), embedder=embedder)


def test_repost_is_grouped_and_both_sources_are_cited(engine: AnswerEngine) -> None:
    snap = engine.retriever.snapshot
    assert snap.story_of("outlet-a") == ["outlet-a", "outlet-b"]
    assert snap.story_of("other") == ["other"]
    answer = engine.ask("Сколько исследователей будут работать в лабораториях?")
    assert answer.answered
    assert "240 исследователей" in answer.answer
    assert {c.doc_id for c in answer.citations} == {"outlet-a", "outlet-b"}
    shown = answer_body(answer)  # the bot says how many sources report it
    assert "опубликовали 2 источника" in shown
    for c in answer.citations:
        assert c.quote in snap.chunk(c.chunk_id).text
        assert f"[{c.n}]" in shown
