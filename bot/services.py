"""What the handlers call: answering, fact-checking and indexing, off the event loop.

The engines are CPU-bound and synchronous, so they run in a small thread pool; indexing has a
pool of its own so that questions keep being answered while a document is ingested. After an
update the engines are swapped for ones over the new snapshot; answers in flight finish on the
old one (snapshots are immutable).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answer_cache import AnswerCache
from bot.followup import complete, is_follow_up
from bot.settings import BotSettings
from bot.storage import Storage
from bot.storage.document_log import DONE, PENDING, DocumentVersion
from index.builder import UpdateReport, update_index
from index.documents import Document, LoadProblem
from index.fetch import Fetcher, FetchPolicy
from index.settings import IndexSettings
from index.sources import LoadedSources, load_sources
from rag.alerts.agreements import agreement_sentence
from rag.alerts.stories import AgreementMemory, StoryAlert
from rag.alerts.topics import TopicMatch, TopicMatcher
from rag.answering.answer import Answer
from rag.answering.engine import AnswerEngine
from rag.factcheck.checker import FactChecker
from rag.factcheck.types import CheckReport

log = logging.getLogger(__name__)

# /latest asks the document log for a few more rows than it shows, in case some were just
# replaced in the index and not yet re-recorded.
LATEST_SLACK = 20
LATEST_WAIT_S = 10.0
# Documents analysed per executor call at start-up (the first start over a large index).
RECOVER_BATCH = 500
# Articles whose titles are the example questions under /start (the first is /check's example).
EXAMPLE_TITLES = 2


def newest_titles(documents: Iterable[Document], n: int) -> dict[str, list[str]]:
    """Per language, the distinct titles of the `n` newest articles, topped up with the other
    language's when one has fewer; undated articles come last."""
    by_date = sorted(documents, key=lambda d: (d.date or "", d.doc_id), reverse=True)
    titles: dict[str, list[str]] = {}
    for language in ("ru", "en"):
        own = [d.title for d in by_date if d.language == language]
        other = [d.title for d in by_date if d.language != language]
        titles[language] = [t for t in dict.fromkeys(own + other) if t.strip()][:n]
    return titles


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
    # Set while start-up recovery holds the index lock: an update then queues behind it rather
    # than being told "busy" (recovery is not an update anyone asked for, and it is short).
    recovering: bool = False
    answer_cache: AnswerCache = field(default_factory=lambda: AnswerCache(0))
    # Set at startup to the watcher's delivery: documents an admin ingests are alerted too.
    announce: Callable[[Sequence[Document]], Coroutine[Any, Any, int]] | None = None
    background: set[asyncio.Task[int]] = field(default_factory=set)
    # Set once `recover` has brought the document log in line with the index.
    documents_ready: asyncio.Event = field(default_factory=asyncio.Event)
    # The event loop the services run on (set by create_services), for the index thread's
    # writes to the database.
    loop: asyncio.AbstractEventLoop | None = None
    # (index version, newest titles per language), see `example_titles`.
    _newest: tuple[str, dict[str, list[str]]] = ("", {})

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
        """The agreement stories among newly indexed `documents` (see rag.alerts.stories); earlier
        reports are looked for among the documents indexing recorded as agreements only."""
        live = self.engine.retriever.snapshot.documents
        earlier = [
            live[v.doc_id]
            for v in await self.storage.documents.agreements()
            if v.doc_id in live and live[v.doc_id].content_hash == v.content_hash
        ]
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.answer_pool, self.agreements.story_alerts, documents, earlier
        )

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

    async def latest_agreements(self, n: int) -> list[Document]:
        """The newest agreement news: a query of what indexing recorded, never a corpus scan.

        Right after start-up the log may still be catching up with documents indexed without
        the bot; a short wait for that keeps the first /latest from coming back empty."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.documents_ready.wait(), LATEST_WAIT_S)
        live = self.engine.retriever.snapshot.documents
        found: list[Document] = []
        for version in await self.storage.documents.agreements(limit=n + LATEST_SLACK):
            doc = live.get(version.doc_id)
            if doc is not None and doc.content_hash == version.content_hash:
                found.append(doc)
        return found[:n]

    def example_titles(self, language: str) -> list[str]:
        """Titles of the newest articles, in `language` where there are some: the examples under
        /start and in /check's usage. One pass over the snapshot per index version, then cached."""
        snapshot = self.engine.retriever.snapshot
        version = str(snapshot.path)
        if self._newest[0] != version:
            self._newest = (version, newest_titles(snapshot.documents.values(), EXAMPLE_TITLES))
        return self._newest[1].get(language, [])

    def counts(self) -> tuple[int, int]:
        snapshot = self.engine.retriever.snapshot
        return len(snapshot.documents), len(snapshot)

    async def ingest(self, targets: Sequence[str], *, wait: bool = False) -> IngestResult:
        """Index files, feeds or URLs from the chat incrementally, then answer from the new index.

        Sources are read before the update lock is taken: a slow server delays its own ingest
        until the fetch deadline, never the other updates. Chat URLs reach public addresses
        only (and NEWSBOT_FETCH_ALLOWED_NETWORKS); a source over NEWSBOT_MAX_INGEST_BYTES or
        with more than NEWSBOT_MAX_INGEST_DOCUMENTS documents is not indexed at all
        (TooManyDocumentsError). With `wait` the call queues behind a running update instead
        of failing; otherwise it fails fast with IndexBusyError.
        """
        if self.index_lock.locked() and not wait and not self.recovering:
            raise IndexBusyError()
        index = self.index_settings
        limit = min(index.max_source_bytes, self.settings.max_ingest_bytes)
        policy = FetchPolicy(allowed_networks=index.fetch_allowed_networks)
        loaded = await asyncio.to_thread(
            load_sources,
            targets,
            fetcher=Fetcher.from_settings(index, policy, max_bytes=limit),
            max_file_bytes=limit,
            max_documents=self.settings.max_ingest_documents,
        )
        return await self._update(lambda: self._index(loaded, prune=False), wait)

    async def ingest_loaded(self, loaded: LoadedSources) -> IngestResult:
        """Index documents already loaded and cleaned (feed entries fetched by the watcher)."""
        return await self._update(lambda: self._index(loaded, prune=False), wait=True)

    def announce_soon(self, documents: Sequence[Document]) -> None:
        """Alert about `documents` in the background (a fan-out may take minutes)."""
        if self.announce is None or not documents:
            return
        self.run_soon(self.announce(list(documents)), "newsbot-announce")

    def run_soon(self, work: Coroutine[Any, Any, int], name: str) -> None:
        """Run `work` in the background; shutdown cancels it, a failure is logged."""
        task: asyncio.Task[int] = asyncio.create_task(work, name=name)
        self.background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[int]) -> None:
        self.background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def reindex(self) -> IngestResult:
        """Bring the index in line with the corpus folder and the ingested documents."""
        return await self._update(self._reindex_all, wait=False)

    async def _update(
        self, work: Callable[[], tuple[IngestResult, AnswerEngine | None]], wait: bool
    ) -> IngestResult:
        if self.index_lock.locked() and not wait and not self.recovering:
            raise IndexBusyError()
        async with self.index_lock:
            loop = asyncio.get_running_loop()
            before = self.engine.retriever.snapshot.documents
            result, engine = await loop.run_in_executor(self.index_pool, work)
            if engine is not None:
                self._swap(engine)
                await self._record_indexed(result.changed, before)
            return result

    async def _record_indexed(
        self, changed: Sequence[Document], before: Mapping[str, Document]
    ) -> None:
        """After an update: which changed documents report an agreement (decided once, here);
        rows of documents the update removed are dropped. They stay pending until announced."""
        loop = asyncio.get_running_loop()
        versions = await loop.run_in_executor(self.index_pool, self._analysed, changed)
        await self.storage.documents.record(versions, PENDING)
        live = self.engine.retriever.snapshot.documents
        await self.storage.documents.forget([i for i in before if i not in live])

    def _analysed(self, documents: Sequence[Document]) -> list[DocumentVersion]:
        return [
            DocumentVersion(d.doc_id, d.content_hash, d.date, agreement_sentence(d) is not None)
            for d in documents
        ]

    def _record_pending(
        self, documents: Sequence[Document], loop: asyncio.AbstractEventLoop
    ) -> None:
        """From the index thread, before the update commits: a crash after the commit then
        still finds these documents to announce (see `recover`)."""
        versions = [DocumentVersion(d.doc_id, d.content_hash, d.date) for d in documents]
        record = self.storage.documents.record(versions, PENDING)
        asyncio.run_coroutine_threadsafe(record, loop).result()

    async def recover(self) -> list[Document]:
        """At start-up, under the index lock: bring the document log in line with the live
        index. Returns the documents a crash left indexed but unannounced (announce them);
        documents indexed without the bot (`newsbot index`) are recorded, never announced."""
        self.recovering = True
        try:
            return await self._recover()
        finally:
            self.recovering = False

    async def _recover(self) -> list[Document]:
        async with self.index_lock:
            live = self.engine.retriever.snapshot.documents
            logged = {v.doc_id: v for v in await self.storage.documents.versions()}
            pending = [
                live[v.doc_id]
                for v in await self.storage.documents.versions(PENDING)
                if v.doc_id in live and live[v.doc_id].content_hash == v.content_hash
            ]
            stale = {
                i
                for i, v in logged.items()
                if i not in live or live[i].content_hash != v.content_hash
            }
            await self.storage.documents.forget(sorted(stale))
            pending_ids = {d.doc_id for d in pending}
            fresh = [d for i, d in live.items() if i not in logged or i in stale]
            fresh += [d for d in pending if logged[d.doc_id].is_agreement is None]
            loop = asyncio.get_running_loop()
            for start in range(0, len(fresh), RECOVER_BATCH):
                batch = fresh[start : start + RECOVER_BATCH]
                versions = await loop.run_in_executor(self.index_pool, self._analysed, batch)
                await self.storage.documents.record(
                    [v for v in versions if v.doc_id in pending_ids], PENDING
                )
                await self.storage.documents.record(
                    [v for v in versions if v.doc_id not in pending_ids], DONE
                )
            self.documents_ready.set()
            return pending

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
        incoming = [
            d
            for d in loaded.documents
            if d.doc_id not in known or known[d.doc_id].content_hash != d.content_hash
        ]
        changed_ids = {d.doc_id for d in incoming}
        if incoming and self.loop is not None:
            self._record_pending(incoming, self.loop)
        report = update_index(
            self.index_settings,
            engine.embedder,
            loaded.documents,
            second_embedder=engine.second_embedder,
            prune_prefix=loaded.prune_prefix if prune else None,
            progress=False,
            live=engine.retriever.snapshot,
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
