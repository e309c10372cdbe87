"""A sentence's token match with the question: the embedder's map from characters to stored
token states, and maxsim over one sentence's slice of its chunk, with the real model."""

from __future__ import annotations

import numpy as np
import pytest

from index.chunking import passage_text
from index.embedder import TokenEmbedder
from index.onnx_embedder import OnnxEmbedder
from index.tokens import maxsim, normalise
from index.torch_embedder import SentenceTransformerEmbedder
from rag.answering.sentence_tokens import (
    chunk_offset,
    known_middles,
    sentence_match,
    sentence_rows,
    token_middles,
)

TITLE = "Moscow and Beijing sign a technology accord"
LEAD = "The Moscow Innovation Cluster opened a new office in Beijing on Monday."
ANSWER = "The agreement was signed by Anatoly Valetov and Zhao Changshan."
CHUNK = f"{LEAD} {ANSWER}"
RU_LEAD = "Московский инновационный кластер в понедельник открыл новый офис в Пекине."
RU_ANSWER = "Соглашение подписали Анатолий Валетов и Чжао Чаншань."


def _match(embedder: TokenEmbedder, question: str, title: str, chunk: str, sentence: str) -> float:
    passage = passage_text(title, chunk)
    _, (states,) = embedder.embed_passages_with_tokens([passage])
    _, query = embedder.embed_query_with_tokens(question)
    spans = embedder.passage_token_spans(passage)
    start = chunk_offset(title) + chunk.index(sentence)
    return sentence_match(query, states, token_middles(spans), start, start + len(sentence))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["fp32", "int8"])
def test_spans_line_up_with_the_stored_states(
    backend: str, embedder: SentenceTransformerEmbedder, int8_embedder: OnnxEmbedder
) -> None:
    model: TokenEmbedder = embedder if backend == "fp32" else int8_embedder
    texts = [passage_text(TITLE, CHUNK), passage_text("", RU_LEAD + " " + RU_ANSWER), "Да."]
    _, states = model.embed_passages_with_tokens(texts)
    for text, st in zip(texts, states, strict=True):
        spans = model.passage_token_spans(text)
        assert len(spans) == len(st), text
        # In order, inside the text, and together they spell it (spaces aside).
        assert all(0 <= s <= e <= len(text) for s, e in spans)
        assert [s for s, _ in spans] == sorted(s for s, _ in spans)
        assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")


@pytest.mark.slow
def test_the_sentence_that_states_the_fact_matches_best(
    embedder: SentenceTransformerEmbedder,
) -> None:
    question = "Who signed the agreement?"
    answer = _match(embedder, question, TITLE, CHUNK, ANSWER)
    lead = _match(embedder, question, TITLE, CHUNK, LEAD)
    assert answer > lead
    # Across languages too: an English question over a Russian article.
    ru_chunk = f"{RU_LEAD} {RU_ANSWER}"
    ru_answer = _match(embedder, question, "", ru_chunk, RU_ANSWER)
    ru_lead = _match(embedder, question, "", ru_chunk, RU_LEAD)
    assert ru_answer > ru_lead


def test_rows_are_the_tokens_whose_middle_is_inside() -> None:
    middles = token_middles([(0, 4), (4, 9), (9, 10), (10, 15), (15, 20)])
    assert sentence_rows(middles, 4, 10) == slice(1, 3)
    assert sentence_rows(middles, 12, 20) == slice(3, 5)  # (10, 15) has its middle at 12.5
    assert sentence_rows(middles, 13, 15) == slice(4, 4)  # no token's middle inside
    assert sentence_rows(middles, 30, 40) == slice(5, 5)
    assert chunk_offset("  Title ") == len("Title") + 1 and chunk_offset("") == 0


def test_states_that_do_not_line_up_fall_back_to_the_whole_chunk() -> None:
    rng = np.random.default_rng(0)
    query, states = normalise(rng.normal(size=(3, 8))), normalise(rng.normal(size=(4, 8)))
    whole = maxsim(query, states)
    # Another tokenizer's spans (one row too few), and a sentence past the truncated end.
    three, four = (
        token_middles([(0, 1), (1, 2), (2, 3)]),
        token_middles([(0, 1), (1, 2), (2, 3), (3, 4)]),
    )
    assert sentence_match(query, states, three, 0, 2) == whole
    assert sentence_match(query, states, four, 10, 20) == whole
    only_first = sentence_match(query, states, four, 0, 1)
    assert only_first == pytest.approx(maxsim(query, states[:1]))


def test_a_chunk_whose_middles_were_not_known_matches_on_the_whole_chunk() -> None:
    rng = np.random.default_rng(3)
    query, states = normalise(rng.normal(size=(3, 8))), normalise(rng.normal(size=(5, 8)))
    unknown = known_middles(np.full(5, -1, dtype=np.int32))
    assert sentence_match(query, states, unknown, 0, 4) == pytest.approx(maxsim(query, states))
    known = known_middles(np.array([1, 4, 7, 10, 13], dtype=np.int32))
    assert sentence_match(query, states, known, 0, 5) == pytest.approx(maxsim(query, states[:2]))
