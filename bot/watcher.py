"""The alert watcher: polls a folder and feeds, indexes what is new, alerts subscribers.

Runs inside the bot process. Indexing happens in the services' index thread while questions
keep being answered; only after the new index is live are alerts sent, so a subscriber who
asks about the article right away gets it answered. Deciding what is an agreement, which story
it belongs to and which topics it matches is rag's job; this module schedules and delivers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.broadcaster import Broadcaster, Delivery
from bot.formatting import alert_message
from bot.services import Services
from bot.storage import Subscription
from bot.storage.outbox import BLOCKED, SENT, PendingAlert, Recipient
from index.documents import Document, LoadProblem, LoadResult
from index.fetch import ANY_HOST, Fetcher, FetchError
from index.loaders import load_path, parse_feed
from index.sources import LoadedSources, add_cleaned
from rag.alerts.stories import StoryAlert
from rag.alerts.topics import TopicMatch

log = logging.getLogger(__name__)

# A file modified this recently may still be being written; it is read on the next poll.
SETTLE_S = 0.5
# Outbox rows read per round of sending.
OUTBOX_BATCH = 500


@dataclass
class _FeedState:
    etag: str | None = None
    modified: str | None = None


class Watcher:
    def __init__(self, services: Services, broadcaster: Broadcaster) -> None:
        self._services = services
        self._broadcaster = broadcaster
        self._seen_files: dict[Path, tuple[int, int]] = {}
        self._sending = asyncio.Lock()
        self._feeds: dict[str, _FeedState] = defaultdict(_FeedState)

    async def run(self) -> None:
        """Poll forever; one failed poll is logged and the next one runs as usual."""
        interval = self._services.settings.poll_seconds
        while True:
            started = time.monotonic()
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("watcher: poll failed; trying again in %.0f s", interval)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    async def poll_once(self) -> int:
        """One round: read new files and feed entries, index them, send alerts; alerts sent."""
        loaded = LoadedSources()
        files = self._new_files()
        for path in files:
            add_cleaned(await asyncio.to_thread(load_path, path), loaded)
        for url in self._services.settings.feeds:
            add_cleaned(await self._fetch_feed(url), loaded)
        for problem in loaded.problems:
            log.warning("watcher: skipped %s: %s", problem.source, problem.reason)
        if not loaded.documents:
            self._seen_files.update(files)  # unreadable ones too: reported once, not each poll
            return 0
        result = await self._services.ingest_loaded(loaded)
        # Only now are the files done with: a failed update leaves them to the next poll.
        self._seen_files.update(files)
        return await self.announce(result.changed)

    async def announce(self, documents: Sequence[Document]) -> int:
        """Alert subscribers to the agreement stories among newly indexed `documents`.

        Every alert is written to the outbox with its message before any is sent, in the same
        transaction that marks its documents announced; then the outbox is sent. A crash at
        any point loses nothing: start-up announces documents still pending and sends what
        the outbox holds (bot/storage/outbox.py).
        """
        if not documents:
            return 0
        storage = self._services.storage
        announced: set[str] = set()
        for alert in await self._services.story_alerts(documents):
            story_docs = [alert.document.doc_id, *(d.doc_id for d in alert.also)]
            await storage.outbox.enqueue(
                alert.story_id,
                alert.document.doc_id,
                await self._recipients(alert),
                done_doc_ids=story_docs,
            )
            announced.update(story_docs)
        await storage.documents.mark_done(
            [d.doc_id for d in documents if d.doc_id not in announced]
        )
        return await self.send_pending()

    async def send_pending(self) -> int:
        """Send every alert waiting in the outbox; returns how many were delivered."""
        sent = 0
        async with self._sending:  # one sender per process; `take` guards across processes
            while batch := await self._services.storage.outbox.pending(limit=OUTBOX_BATCH):
                results = await asyncio.gather(*(self._send_one(a) for a in batch))
                sent += sum(1 for r in results if r is Delivery.SENT)
        return sent

    def _new_files(self) -> dict[Path, tuple[int, int]]:
        """Files new or changed since they were last indexed, with their (mtime, size)."""
        folder = self._services.settings.watch_dir
        if folder is None or not folder.is_dir():
            return {}
        now = time.time()
        fresh: dict[Path, tuple[int, int]] = {}
        present = sorted(folder.rglob("*"))
        # Deleted files are forgotten, so the memory is bounded by the folder, not its history.
        for gone in self._seen_files.keys() - set(present):
            del self._seen_files[gone]
        for path in present:
            if path.name.startswith(".") or path.suffix in {".tmp", ".part"}:
                continue
            try:
                stat = path.stat()
            except OSError:
                continue  # vanished between listing and stat
            if not path.is_file() or now - stat.st_mtime < SETTLE_S:
                continue
            signature = (stat.st_mtime_ns, stat.st_size)
            if self._seen_files.get(path) != signature:
                fresh[path] = signature
        return fresh

    async def _fetch_feed(self, url: str) -> LoadResult:
        """The feed's entries; a conditional GET, so an unchanged feed costs one 304.

        Feeds are the operator's own list (NEWSBOT_FEEDS), so they may be on any host; they are
        read through the project's one fetcher all the same (timeouts, size cap, redirects).
        """
        state = self._feeds[url]
        fetcher = Fetcher.from_settings(self._services.index_settings, ANY_HOST)
        try:
            fetched = await asyncio.to_thread(
                fetcher.get, url, etag=state.etag, modified=state.modified
            )
        except FetchError as exc:
            return LoadResult(problems=[LoadProblem(url, str(exc))])
        if fetched.not_modified:
            return LoadResult()
        state.etag, state.modified = fetched.etag, fetched.last_modified
        return await asyncio.to_thread(parse_feed, fetched.body, url)

    async def _recipients(self, alert: StoryAlert) -> list[Recipient]:
        """One message per matching user (whatever number of their topics match), in the
        user's language."""
        storage = self._services.storage
        subscriptions = await storage.active_subscriptions()
        topics = sorted({s.topic for s in subscriptions if s.topic is not None})
        matches = await self._services.match_topics(topics, alert.document)
        chosen: dict[int, tuple[Subscription, TopicMatch | None]] = {}
        for sub in subscriptions:  # a matching topic says more than "all agreements"
            if sub.topic is None:
                chosen.setdefault(sub.user_id, (sub, None))
            elif sub.topic in matches:
                current = chosen.get(sub.user_id)
                if current is None or current[1] is None:
                    chosen[sub.user_id] = (sub, matches[sub.topic])
        users = await storage.get_users(list(chosen))
        messages: dict[tuple[str | None, str], str] = {}  # one rendering per topic and language
        recipients = []
        for sub, match in chosen.values():
            user = users.get(sub.user_id)
            key = (sub.topic if match is not None else None, user.language if user else "en")
            if key not in messages:
                messages[key] = alert_message(alert, key[0], match, key[1])
            recipients.append(Recipient(sub.user_id, sub.chat_id, messages[key]))
        return recipients

    async def _send_one(self, alert: PendingAlert) -> Delivery | None:
        """Take, then send at once: takes never run far ahead of sending, so a crash leaves
        at most the broadcaster's slots in flight (the only sends that can repeat)."""
        outbox = self._services.storage.outbox
        async with self._broadcaster.slots:
            if not await outbox.take(alert.id):
                return None  # another sender has it
            delivery = await self._broadcaster.send(alert.chat_id, alert.message)
            if delivery is Delivery.FAILED:
                await outbox.release(
                    alert.id
                )  # Telegram refused it for good: a later report may retry
            else:
                await outbox.finish(alert.id, SENT if delivery is Delivery.SENT else BLOCKED)
            return delivery
