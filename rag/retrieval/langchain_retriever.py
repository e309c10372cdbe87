"""The hybrid retriever as a LangChain `BaseRetriever`, for reuse in LangChain apps."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import PrivateAttr

from rag.answering.engine import AnswerEngine
from rag.answering.question import analyse
from rag.retrieval.retriever import embed_question


class NewsRetriever(BaseRetriever):
    """Returns chunks with their citation metadata (chunk_id, title, date, source)."""

    k: int = 5
    # Private: pydantic cannot (and need not) build a schema for the engine and its models.
    _engine: AnswerEngine = PrivateAttr()

    def __init__(self, engine: AnswerEngine, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._engine = engine

    @property
    def engine(self) -> AnswerEngine:
        return self._engine

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LCDocument]:
        if not query.strip():
            return []
        question = analyse(query)
        qvec, qtokens = embed_question(self.engine.embedder, question.text)
        hits = self.engine.retriever.search(
            question, qvec, k=int(kwargs.get("k", self.k)), query_tokens=qtokens
        )
        return [
            LCDocument(
                page_content=h.chunk.text,
                id=h.chunk.chunk_id,
                metadata={
                    "chunk_id": h.chunk.chunk_id,
                    "doc_id": h.document.doc_id,
                    "title": h.document.title,
                    "date": h.document.date,
                    "source": h.document.source,
                    "language": h.document.language,
                    "score": h.score,
                },
            )
            for h in hits
        ]
