"""What the handlers call: answering, fact-checking and indexing, off the event loop.

The engines are CPU-bound and synchronous, so they run in a small thread pool; indexing has a
pool of its own so that questions keep being answered while a document is ingested. After an
update the engines are swapped for ones over the new snapshot; answers in flight finish on the
old one (snapshots are immutable).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import BotSettings
from bot.storage import Storage
from index.builder import UpdateReport, update_index
from index.documents import Document, LoadProblem
from index.settings import IndexSettings
from index.sources import load_sources
from rag.agreements import newest_agreements
from rag.answer import Answer
from rag.engine import AnswerEngine
from rag.followup import complete, is_follow_up

if TYPE_CHECKING:
    from rag.factcheck import CheckReport, FactChecker

log = logging.getLogger(__name__)


class IndexBusyError(RuntimeError):
    """Another update of the index is running; updates are serialised."""


@dataclass(frozen=True)
class IngestResult:
    report: UpdateReport | None  # None when nothing readable was found
    problems: list[LoadProblem]


@dataclass
class Services:
    """Built once by `create_services`; handlers receive it from the dispatcher."""

    settings: BotSettings
    index_settings: IndexSettings
    storage: Storage
    engine: AnswerEngine
    checker: FactChecker
    answer_pool: ThreadPoolExecutor
    index_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="newsbot-index")
    )
    index_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def ingest_dir(self) -> Path:
        """Where documents sent by admins are kept, so that a rebuild finds them again."""
        return self.index_settings.data_dir / "ingested"

    async def ask(self, question: str, previous_question: str | None = None) -> Answer:
        """Answer `question`; a follow-up borrows the previous question's topic."""
        if previous_question and is_follow_up(question):
            question = complete(previous_question, question)
        engine = self.engine
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.answer_pool, engine.ask, question)

    async def check(self, claim_text: str) -> CheckReport:
        checker = self.checker
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.answer_pool, checker.check, claim_text)

    def latest_agreements(self, n: int) -> list[Document]:
        return newest_agreements(self.engine.retriever.snapshot.documents.values(), n)

    def counts(self) -> tuple[int, int]:
        snapshot = self.engine.retriever.snapshot
        return len(snapshot.documents), len(snapshot)

    async def ingest(self, targets: Sequence[str]) -> IngestResult:
        """Index files, feeds or URLs incrementally, then answer from the new index."""
        return await self._update(lambda: self._index(targets, prune=False))

    async def reindex(self) -> IngestResult:
        """Bring the index in line with the corpus folder and the ingested documents."""
        return await self._update(self._reindex_all)

    async def _update(
        self, work: Callable[[], tuple[IngestResult, AnswerEngine | None]]
    ) -> IngestResult:
        if self.index_lock.locked():
            raise IndexBusyError()
        async with self.index_lock:
            loop = asyncio.get_running_loop()
            result, engine = await loop.run_in_executor(self.index_pool, work)
            if engine is not None:
                self._swap(engine)
            return result

    def _swap(self, engine: AnswerEngine) -> None:
        from rag.factcheck import FactChecker

        self.checker = FactChecker.from_engine(engine)
        self.engine = engine

    def _index(
        self, targets: Sequence[str], *, prune: bool
    ) -> tuple[IngestResult, AnswerEngine | None]:
        started = time.perf_counter()
        loaded = load_sources(targets)
        if not loaded.documents:
            return IngestResult(None, loaded.problems), None
        engine = self.engine
        report = update_index(
            self.index_settings,
            engine.embedder,
            loaded.documents,
            second_embedder=engine.second_embedder,
            prune_prefix=loaded.prune_prefix if prune else None,
            progress=False,
        )
        fresh = engine.reloaded(self.index_settings) if report.generation else None
        log.info(
            "indexed %d documents (%d added, %d changed) in %.1f s",
            len(loaded.documents),
            report.added,
            report.changed,
            time.perf_counter() - started,
        )
        return IngestResult(report, loaded.problems), fresh

    def _reindex_all(self) -> tuple[IngestResult, AnswerEngine | None]:
        corpus = self.index_settings.corpus_dir
        first, engine = self._index([str(corpus)], prune=True)
        if not self.ingest_dir.is_dir():
            return first, engine
        second, newer = self._index([str(self.ingest_dir)], prune=False)
        report = second.report or first.report
        return IngestResult(report, first.problems + second.problems), newer or engine
