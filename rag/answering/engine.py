"""The answering engine: question -> hybrid retrieval -> extractive (or LLM) cited answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from index.embedder import Embedder, TokenEmbedder
from index.embedder_loader import load_embedder
from index.second_embedder import QUERY_THREADS, load_second_embedder
from index.settings import IndexSettings
from index.store import IndexSnapshot
from nlp.entities import RussianNer
from rag.answering.answer import Answer, Citation
from rag.answering.extractive import ExtractiveAnswerer, refusal
from rag.answering.generative import generate, make_chat_model
from rag.answering.question import analyse
from rag.errors import EmptyQuestionError, QuestionTooLongError
from rag.retrieval.hits import Hit
from rag.retrieval.retriever import HybridRetriever, embed_question
from rag.settings import RagSettings

log = logging.getLogger(__name__)

# Chunks of each other language read besides the top ones: e5 prefers passages in the question's
# language, so an English question could otherwise never see the Russian sentence that answers it.
PER_OTHER_LANGUAGE = 2


def reading_list(hits: Sequence[Hit], n: int, per_other_language: int) -> list[Hit]:
    """The top `n` hits plus the next best of every language with fewer than
    `per_other_language` among them.

    Topping up a language that has one chunk in the top `n` (not only a missing one) matters once
    the USE channel lifts the best Russian chunk into an English question's top `n`: the chunk
    after it may be the one that answers.
    """
    chosen = list(hits[:n])
    count: dict[str, int] = {}
    for hit in chosen:
        count[hit.document.language] = count.get(hit.document.language, 0) + 1
    for hit in hits[n:]:
        lang = hit.document.language
        if count.get(lang, 0) < per_other_language:
            count[lang] = count.get(lang, 0) + 1
            chosen.append(hit)
    return chosen


def token_spans_of(embedder: Embedder) -> Callable[[str], list[tuple[int, int]]] | None:
    """The embedder's map from a passage's characters to its stored token states, if it keeps
    them."""
    return embedder.passage_token_spans if isinstance(embedder, TokenEmbedder) else None


def add_story_sources(answer: Answer, snapshot: IndexSnapshot) -> None:
    """Cite re-posts of the first source's story that carry the same quote verbatim.

    Near-identical articles are grouped at indexing time; saying "N sources report this"
    is only allowed where each of them is cited with the very sentence it shares.
    """
    first = answer.citations[0]
    story = snapshot.story_of(first.doc_id)
    same_story = [c for c in answer.citations if c.doc_id in story]
    cited = {c.doc_id for c in answer.citations}
    extra: list[Citation] = []
    for doc_id in story[1:]:
        if doc_id in cited:
            continue
        for chunk in snapshot.chunks_of(doc_id):
            if first.quote in chunk.text:
                doc = snapshot.documents[doc_id]
                extra.append(
                    replace(
                        first,
                        n=len(answer.citations) + len(extra) + 1,
                        chunk_id=chunk.chunk_id,
                        doc_id=doc_id,
                        title=doc.title,
                        date=doc.date,
                        source=doc.source,
                        language=doc.language,
                    )
                )
                break
    reporting = [*same_story, *extra]
    if len(reporting) < 2:
        return
    answer.story_sources = [c.n for c in reporting]  # the front end says so, in words
    answer.citations.extend(extra)


@dataclass
class AnswerEngine:
    """Holds the loaded model, index snapshot and lexical index; build once, ask many times."""

    settings: RagSettings
    embedder: Embedder
    retriever: HybridRetriever
    answerer: ExtractiveAnswerer
    chat_model: Any = None  # a LangChain chat model when NEWSBOT_LLM_* is configured
    # The loaded models, kept so that `reloaded` reuses them and updates can embed with them.
    second_embedder: Embedder | None = None
    ner: RussianNer | None = None

    @classmethod
    def from_settings(
        cls,
        index_settings: IndexSettings,
        settings: RagSettings,
        embedder: Embedder | None = None,
        second_embedder: Embedder | None = None,
        ner: RussianNer | None = None,
    ) -> AnswerEngine:
        """The engine over the live index; `second_embedder` defaults to the configured one.

        A snapshot without a second channel (indexed with "none", or before it existed) is
        answered without it, with a warning; one with another second model is refused.
        """
        embedder = embedder or load_embedder(index_settings)
        if second_embedder is None:
            second_embedder = load_second_embedder(index_settings, threads=QUERY_THREADS)
        snapshot = IndexSnapshot.load(
            index_settings.index_dir,
            expected=embedder.identity,
            expected_second=second_embedder.identity if second_embedder is not None else None,
        )
        if second_embedder is not None and snapshot.second_vectors is None:
            log.warning(
                "the index at %s has no %s vectors: answering without them "
                "(`newsbot index` adds them)",
                index_settings.index_dir,
                second_embedder.identity.model,
            )
        ner = ner or RussianNer()
        return cls(
            settings=settings,
            embedder=embedder,
            retriever=HybridRetriever(
                snapshot, candidates=settings.candidates, second_embedder=second_embedder
            ),
            answerer=ExtractiveAnswerer(snapshot, ner, token_spans_of(embedder)),
            chat_model=make_chat_model(settings),
            second_embedder=second_embedder,
            ner=ner,
        )

    def reloaded(self, index_settings: IndexSettings) -> AnswerEngine:
        """The same models over the index as it is on disk now (after an incremental update).

        The old engine stays usable: its snapshot is immutable, so answers in flight finish
        on it while new questions go to the new one.
        """
        return AnswerEngine.from_settings(
            index_settings,
            self.settings,
            embedder=self.embedder,
            second_embedder=self.second_embedder,
            ner=self.ner,
        )

    def warm_up(self) -> None:
        """Answer one question per language so that lazily loaded parts (NER, the second
        model's weights, transliteration tables) are ready before the first user asks."""
        for question in ("Кто подписал соглашение?", "Who signed the agreement?"):
            self.ask(question)

    def ask(
        self,
        text: str,
        *,
        k: int | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> Answer:
        if not text or not text.strip():
            raise EmptyQuestionError()
        if len(text) > self.settings.max_question_chars:
            raise QuestionTooLongError(len(text), self.settings.max_question_chars)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        question = analyse(text)
        qvec, qtokens = embed_question(self.embedder, question.text)
        t1 = time.perf_counter()
        timings["embed"] = (t1 - t0) * 1000
        hits = self.retriever.search(
            question,
            qvec,
            k=max(k or self.settings.top_k, 4 * self.settings.answer_chunks),
            since=since,
            until=until,
            query_tokens=qtokens,
        )
        reading = reading_list(hits, self.settings.answer_chunks, PER_OTHER_LANGUAGE)
        t2 = time.perf_counter()
        timings["retrieve"] = (t2 - t1) * 1000
        if not hits:
            answer = refusal(question, hits)
        else:
            answer = self.answerer.answer(
                question,
                qvec,
                reading,
                threshold=self.settings.refuse_below,
                query_tokens=qtokens,
            )
            if answer.answered and answer.mode == "extractive":
                add_story_sources(answer, self.retriever.snapshot)
            # The extractive pass decides whether the corpus answers at all; the LLM only rewords.
            if answer.answered and self.chat_model is not None:
                generated = generate(self.chat_model, question, reading, self.settings.llm_api_key)
                if generated is not None:
                    answer = generated
        t3 = time.perf_counter()
        timings["answer"] = (t3 - t2) * 1000
        timings["total"] = (t3 - t0) * 1000
        answer.timings_ms = timings
        return answer
