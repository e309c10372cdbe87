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
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answer_cache import AnswerCache
from bot.settings import BotSettings
from bot.storage import Storage
from index.builder import UpdateReport, update_index
from index.documents import Document, LoadProblem
from index.settings import IndexSettings
from index.sources import LoadedSources, load_sources
from rag.agreements import newest_agreements
from rag.alerts import AgreementMemory, StoryAlert
from rag.answer import Answer
from rag.engine import AnswerEngine
from rag.factcheck import CheckReport, FactChecker
from rag.followup import complete, is_follow_up
from rag.topics import TopicMatch, TopicMatcher

log = logging.getLogger(__name__)


class IndexBusyError(RuntimeError):
    """Another update of the index is running; updates are serialised."""


@dataclass(frozen=True)
class IngestResult:
    report: UpdateReport | None  # None when nothing readable was found
    problems: list[LoadProblem]
    # New articles and new versions of known ones, as indexed (what alerts are about).
    changed: list[Document] = field(default_factory=list)


@dataclass
class Services:
    """Built once by `create_services`; handlers receive it from the dispatcher."""

    settings: BotSettings
    index_settings: IndexSettings
    storage: Storage
    engine: AnswerEngine
    checker: FactChecker
    answer_pool: ThreadPoolExecutor
    agreements: AgreementMemory
    topics: TopicMatcher
    index_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="newsbot-index")
    )
    index_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    answer_cache: AnswerCache = field(default_factory=lambda: AnswerCache(0))
    # Set at startup to the watcher's delivery: documents an admin ingests are alerted too.
    announce: Callable[[Sequence[Document]], Coroutine[Any, Any, int]] | None = None
    background: set[asyncio.Task[int]] = field(default_factory=set)

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

        async def compute() -> Answer:
            return await loop.run_in_executor(self.answer_pool, engine.ask, question)

        # The snapshot's generation folder names the index version: an update invalidates
        # every entry (and the key holds no reference to the old snapshot).
        version = str(engine.retriever.snapshot.path)
        return await self.answer_cache.get(version, question, compute)

    async def check(self, claim_text: str) -> CheckReport:
        checker = self.checker
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.answer_pool, checker.check, claim_text)

    async def story_alerts(self, documents: Sequence[Document]) -> list[StoryAlert]:
        """The agreement stories among newly indexed `documents` (see rag.alerts)."""
        indexed = list(self.engine.retriever.snapshot.documents.values())
        return await asyncio.to_thread(self.agreements.story_alerts, documents, indexed)

    async def match_topics(
        self, topics: Sequence[str], document: Document
    ) -> dict[str, TopicMatch]:
        """Which subscription topics `document` matches, with the reason for each."""
        if not topics:
            return {}
        snapshot = self.engine.retriever.snapshot
        rows = snapshot.sentence_rows_of(document.doc_id)
        vectors = snapshot.sentence_vectors[rows] if rows else None
        return await asyncio.to_thread(self.topics.match_many, topics, document, vectors)

    def latest_agreements(self, n: int) -> list[Document]:
        return newest_agreements(self.engine.retriever.snapshot.documents.values(), n)

    def counts(self) -> tuple[int, int]:
        snapshot = self.engine.retriever.snapshot
        return len(snapshot.documents), len(snapshot)

    async def ingest(self, targets: Sequence[str], *, wait: bool = False) -> IngestResult:
        """Index files, feeds or URLs incrementally, then answer from the new index.

        With `wait` the call queues behind a running update instead of failing (the watcher);
        an admin's command fails fast with IndexBusyError instead.
        """
        return await self._update(lambda: self._index(load_sources(targets), prune=False), wait)

    async def ingest_loaded(self, loaded: LoadedSources) -> IngestResult:
        """Index documents already loaded and cleaned (feed entries fetched by the watcher)."""
        return await self._update(lambda: self._index(loaded, prune=False), wait=True)

    def announce_soon(self, documents: Sequence[Document]) -> None:
        """Alert about `documents` in the background (a fan-out may take minutes)."""
        if self.announce is None or not documents:
            return
        task: asyncio.Task[int] = asyncio.create_task(
            self.announce(list(documents)), name="newsbot-announce"
        )
        self.background.add(task)
        task.add_done_callback(self._announced)

    def _announced(self, task: asyncio.Task[int]) -> None:
        self.background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("alerts for ingested documents failed", exc_info=task.exception())

    async def reindex(self) -> IngestResult:
        """Bring the index in line with the corpus folder and the ingested documents."""
        return await self._update(self._reindex_all, wait=False)

    async def _update(
        self, work: Callable[[], tuple[IngestResult, AnswerEngine | None]], wait: bool
    ) -> IngestResult:
        if self.index_lock.locked() and not wait:
            raise IndexBusyError()
        async with self.index_lock:
            loop = asyncio.get_running_loop()
            result, engine = await loop.run_in_executor(self.index_pool, work)
            if engine is not None:
                self._swap(engine)
            return result

    def _swap(self, engine: AnswerEngine) -> None:
        self.checker = FactChecker.from_engine(engine)
        self.engine = engine

    def _index(
        self, loaded: LoadedSources, *, prune: bool
    ) -> tuple[IngestResult, AnswerEngine | None]:
        started = time.perf_counter()
        if not loaded.documents:
            return IngestResult(None, loaded.problems), None
        engine = self.engine
        known = engine.retriever.snapshot.documents
        changed_ids = {
            d.doc_id
            for d in loaded.documents
            if d.doc_id not in known or known[d.doc_id].content_hash != d.content_hash
        }
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
        indexed = fresh.retriever.snapshot.documents if fresh else known
        changed = [indexed[i] for i in sorted(changed_ids) if i in indexed]
        return IngestResult(report, loaded.problems, changed), fresh

    def _reindex_all(self) -> tuple[IngestResult, AnswerEngine | None]:
        corpus = self.index_settings.corpus_dir
        first, engine = self._index(load_sources([str(corpus)]), prune=True)
        if not self.ingest_dir.is_dir():
            return first, engine
        second, newer = self._index(load_sources([str(self.ingest_dir)]), prune=False)
        report = second.report or first.report
        problems = first.problems + second.problems
        return IngestResult(report, problems, first.changed + second.changed), newer or engine
