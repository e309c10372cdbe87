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

import aiohttp

from bot.broadcaster import Broadcaster, Delivery
from bot.formatting import alert_message
from bot.services import Services
from bot.storage import Subscription
from index.documents import Document, LoadProblem, LoadResult
from index.loaders import load_path, parse_feed
from index.sources import LoadedSources, add_cleaned
from rag.alerts import StoryAlert
from rag.topics import TopicMatch

log = logging.getLogger(__name__)

FEED_TIMEOUT_S = 20.0
MAX_FEED_BYTES = 10_000_000
# A file modified this recently may still be being written; it is read on the next poll.
SETTLE_S = 0.5


@dataclass
class _FeedState:
    etag: str | None = None
    modified: str | None = None


class Watcher:
    def __init__(self, services: Services, broadcaster: Broadcaster) -> None:
        self._services = services
        self._broadcaster = broadcaster
        self._seen_files: dict[Path, tuple[int, int]] = {}
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
        """Alert subscribers to the agreement stories among newly indexed `documents`."""
        if not documents:
            return 0
        alerts = await self._services.story_alerts(documents)
        sent = 0
        for alert in alerts:
            sent += await self._deliver(alert)
        return sent

    def _new_files(self) -> dict[Path, tuple[int, int]]:
        """Files new or changed since they were last indexed, with their (mtime, size)."""
        folder = self._services.settings.watch_dir
        if folder is None or not folder.is_dir():
            return {}
        now = time.time()
        fresh: dict[Path, tuple[int, int]] = {}
        for path in sorted(folder.rglob("*")):
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
        """The feed's entries; a conditional GET, so an unchanged feed costs one 304."""
        state = self._feeds[url]
        headers: dict[str, str] = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.modified:
            headers["If-Modified-Since"] = state.modified
        timeout = aiohttp.ClientTimeout(total=FEED_TIMEOUT_S)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url, headers=headers) as response,
            ):
                if response.status == 304:
                    return LoadResult()
                if response.status != 200:
                    return LoadResult(problems=[LoadProblem(url, f"HTTP {response.status}")])
                body = await response.content.read(MAX_FEED_BYTES + 1)
                if len(body) > MAX_FEED_BYTES:
                    return LoadResult(problems=[LoadProblem(url, "feed larger than 10 MB")])
                state.etag = response.headers.get("ETag")
                state.modified = response.headers.get("Last-Modified")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return LoadResult(problems=[LoadProblem(url, f"feed unreachable: {exc}")])
        return await asyncio.to_thread(parse_feed, body, url)

    async def _deliver(self, alert: StoryAlert) -> int:
        """One message per matching user (whatever number of their topics match)."""
        subscriptions = await self._services.storage.active_subscriptions()
        topics = sorted({s.topic for s in subscriptions if s.topic is not None})
        matches = await self._services.match_topics(topics, alert.document)
        recipients: dict[int, tuple[Subscription, TopicMatch | None]] = {}
        for sub in subscriptions:  # a matching topic says more than "all agreements"
            if sub.topic is None:
                recipients.setdefault(sub.user_id, (sub, None))
            elif sub.topic in matches:
                current = recipients.get(sub.user_id)
                if current is None or current[1] is None:
                    recipients[sub.user_id] = (sub, matches[sub.topic])
        sends = [self._send_one(alert, sub, match) for sub, match in recipients.values()]
        results = await asyncio.gather(*sends)
        return sum(1 for r in results if r is Delivery.SENT)

    async def _send_one(
        self, alert: StoryAlert, sub: Subscription, match: TopicMatch | None
    ) -> Delivery | None:
        """Claim, then send at once: claims never run far ahead of sending, so the first alert
        goes out without waiting for every claim, and a crash strands few claims."""
        async with self._broadcaster.slots:
            return await self._claim_and_send(alert, sub, match)

    async def _claim_and_send(
        self, alert: StoryAlert, sub: Subscription, match: TopicMatch | None
    ) -> Delivery | None:
        storage = self._services.storage
        if not await storage.claim_alert(sub.user_id, alert.story_id, alert.document.doc_id):
            return None  # this user already has this story
        user = await storage.get_user(sub.user_id)
        message = alert_message(alert, sub.topic, match, user.language if user else "en")
        delivery = await self._broadcaster.send(sub.chat_id, message)
        if delivery is Delivery.FAILED:
            await storage.release_alert(sub.user_id, alert.story_id)
        return delivery
