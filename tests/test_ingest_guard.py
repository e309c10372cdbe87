"""What an admin's /ingest may reach and how much it may bring, through the real bot: aiogram
long polling against the local Bot API server, the tests' own HTTP servers on loopback."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.services import Services
from index.settings import IndexSettings
from rag.answering.engine import AnswerEngine
from tests.bot_harness import ADMIN, private_index, running_bot
from tests.telegram_server import FakeTelegram

BUNDLED_DOCUMENTS = 5
OTHER_ADMIN = 7002
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Internal</title>
<item><title>Kazan and Tashkent sign an agreement</title><link>http://intranet/memo</link>
<description>Kazan and Tashkent signed an agreement on a joint laboratory.</description>
</item></channel></rss>"""
BUSY = "already being updated"
ARTICLE = (
    "The city council opened a new park in the north of the capital. More than two thousand "
    "trees were planted and several playgrounds were built; work continues in spring."
)


@dataclass
class Site:
    base: str
    paths: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    if_none_match: list[str | None] = field(default_factory=list)


async def _slow(request: web.Request) -> web.StreamResponse:
    """Headers at once, then a byte every 0.1 s until the client hangs up."""
    response = web.StreamResponse()
    await response.prepare(request)
    try:
        for _ in range(600):
            await response.write(b"x")
            await asyncio.sleep(0.1)
    except (ConnectionError, RuntimeError):
        pass  # the client gave up: what its deadline is for
    return response


@asynccontextmanager
async def serving(host: str, **redirects: str) -> AsyncIterator[Site]:
    """/feed.xml, /slow, 404 elsewhere, and /<name> redirecting to each `redirects` URL."""
    site_record = Site("")

    async def handle(request: web.Request) -> web.StreamResponse:
        site_record.paths.append(request.path)
        name = request.path.lstrip("/")
        if name in redirects:
            raise web.HTTPFound(redirects[name])
        if name == "feed.xml":
            return web.Response(text=FEED, content_type="application/rss+xml")
        if name == "slow":
            return await _slow(request)
        if name == "etag.xml":  # an empty feed that never changes
            site_record.if_none_match.append(request.headers.get("If-None-Match"))
            if request.headers.get("If-None-Match") == '"v1"':
                site_record.statuses.append(304)
                return web.Response(status=304, headers={"ETag": '"v1"'})
            site_record.statuses.append(200)
            empty = "<rss version='2.0'><channel><title>t</title></channel></rss>"
            return web.Response(text=empty, headers={"ETag": '"v1"'})
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    site_record.base = f"http://{host}:{port}"
    try:
        yield site_record
    finally:
        await runner.cleanup()


@pytest.fixture
def index_copy(
    bundled_index: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> Callable[..., tuple[IndexSettings, AnswerEngine]]:
    """A private copy of the bundled index with some settings changed (nothing else is touched
    if a refusal fails to refuse)."""
    source, engine = bundled_index
    copies = itertools.count()

    def make(**updates: object) -> tuple[IndexSettings, AnswerEngine]:
        settings = private_index(source, tmp_path / f"data{next(copies)}")
        settings = settings.model_copy(update=updates)
        return settings, engine.reloaded(settings)

    return make


async def _replies(
    tg: FakeTelegram, count: int, timeout: float = 30, chat: int = ADMIN
) -> list[str]:
    return [m["text"] for m in await tg.wait_sent(chat, count=count, timeout=timeout)]


async def _started(services: Services) -> Services:
    """After start-up's recovery, which holds the index lock a moment (an /ingest then is
    "busy", rightly); `announce` is set in the same step that starts the recovery task."""
    async with asyncio.timeout(60):
        while services.announce is None or any(
            t.get_name() == "newsbot-resume" for t in services.background
        ):
            await asyncio.sleep(0.05)
    return services


async def test_ingest_of_a_loopback_url_is_refused_and_indexes_nothing(
    fake_telegram: FakeTelegram,
    index_copy: Callable[..., tuple[IndexSettings, AnswerEngine]],
    tmp_path: Path,
) -> None:
    tg = fake_telegram
    index_settings, engine = index_copy()
    async with (
        serving("127.0.0.1") as internal,
        running_bot(tg, index_settings, engine, tmp_path) as (services, _, _),
    ):
        await _started(services)
        port = internal.base.rsplit(":", 1)[1]
        tg.push_message(ADMIN, f"/ingest {internal.base}/feed.xml", language_code="en")
        refused = (await _replies(tg, 2))[1]
        assert "refused: 127.0.0.1 is a private address" in refused
        tg.push_message(ADMIN, f"/ingest http://localhost:{port}/feed.xml", language_code="en")
        by_name = (await _replies(tg, 4))[3]
        assert "refused: localhost resolves to a private address" in by_name
        assert internal.paths == []  # refused before connecting
        assert services.counts()[0] == BUNDLED_DOCUMENTS


async def test_ingest_redirected_to_a_private_address_is_refused(
    fake_telegram: FakeTelegram,
    index_copy: Callable[..., tuple[IndexSettings, AnswerEngine]],
    tmp_path: Path,
) -> None:
    """The first hop stands for a public site: the operator allows exactly 127.0.0.1 (as an
    intranet news server would be allowed); the redirect leads to 127.0.0.2, not allowed."""
    tg = fake_telegram
    allowed = (ipaddress.ip_network("127.0.0.1/32"),)
    index_settings, engine = index_copy(fetch_allowed_networks=allowed)
    async with (
        serving("127.0.0.2") as internal,
        serving("127.0.0.1", go=f"{internal.base}/feed.xml") as news,
        running_bot(tg, index_settings, engine, tmp_path) as (services, _, _),
    ):
        await _started(services)
        tg.push_message(ADMIN, f"/ingest {news.base}/go", language_code="en")
        refused = (await _replies(tg, 2))[1]
        assert "refused: 127.0.0.2 is a private address (a redirect led there)" in refused
        assert news.paths == ["/go"] and internal.paths == []
        assert services.counts()[0] == BUNDLED_DOCUMENTS


async def test_a_slow_server_times_out_and_never_makes_another_ingest_busy(
    fake_telegram: FakeTelegram,
    index_copy: Callable[..., tuple[IndexSettings, AnswerEngine]],
    tmp_path: Path,
) -> None:
    tg = fake_telegram
    allowed = (ipaddress.ip_network("127.0.0.1/32"),)
    index_settings, engine = index_copy(
        fetch_allowed_networks=allowed, fetch_deadline_s=5.0, fetch_read_timeout_s=4.0
    )
    admins = frozenset({ADMIN, OTHER_ADMIN})  # one chat's updates are handled in turn
    async with (
        serving("127.0.0.1") as news,
        running_bot(tg, index_settings, engine, tmp_path, admin_ids=admins) as (services, _, _),
    ):
        await _started(services)
        tg.push_message(ADMIN, f"/ingest {news.base}/slow", language_code="en")
        await _replies(tg, 1)
        async with asyncio.timeout(10):
            while "/slow" not in news.paths:
                await asyncio.sleep(0.05)
        tg.push_message(OTHER_ADMIN, f"/ingest {news.base}/missing", language_code="en")
        other = (await _replies(tg, 2, chat=OTHER_ADMIN))[1]
        assert BUSY not in other and f"{news.base}/missing: HTTP 404" in other
        assert len(tg.sent(ADMIN)) == 1  # answered while the slow fetch was still running
        slow = (await _replies(tg, 2, timeout=10))[1]
        assert f"{news.base}/slow: timed out" in slow
        assert not services.index_lock.locked()
        assert services.counts()[0] == BUNDLED_DOCUMENTS


async def test_oversized_upload_without_a_size_and_too_many_rows_are_refused_unsaved(
    fake_telegram: FakeTelegram,
    index_copy: Callable[..., tuple[IndexSettings, AnswerEngine]],
    tmp_path: Path,
) -> None:
    tg = fake_telegram
    index_settings, engine = index_copy()
    limits = {"max_ingest_bytes": 2000, "max_ingest_documents": 3}
    async with running_bot(tg, index_settings, engine, tmp_path, **limits) as (services, _, _):
        await _started(services)
        big = tg.add_file(("A long article about a park. " * 100).encode(), "big.txt")
        del big["file_size"]  # optional in the Bot API: the cap must not depend on it
        tg.push_message(ADMIN, None, language_code="en", document=big, caption="/ingest")
        (too_big,) = await _replies(tg, 1)
        assert "larger than 2000 bytes" in too_big
        assert [c for c in tg.calls if c.method == "file"]  # refused while downloading

        rows = [
            json.dumps({"id": f"row-{n}", "title": f"Park {n}", "text": f"{ARTICLE} Park {n}."})
            for n in range(5)
        ]
        many = tg.add_file(("\n".join(rows) + "\n").encode(), "many.jsonl")
        tg.push_message(ADMIN, None, language_code="en", document=many, caption="/ingest")
        too_many = (await _replies(tg, 3))[2]
        assert "the source has 5 documents, and one /ingest adds at most 3" in too_many
        saved = list(services.ingest_dir.iterdir()) if services.ingest_dir.is_dir() else []
        assert saved == []
        assert services.counts()[0] == BUNDLED_DOCUMENTS


async def test_the_watcher_reads_an_operator_feed_on_loopback_conditionally(
    fake_telegram: FakeTelegram,
    index_copy: Callable[..., tuple[IndexSettings, AnswerEngine]],
    tmp_path: Path,
) -> None:
    """NEWSBOT_FEEDS are the operator's: any host, through the same fetcher, ETag kept."""
    tg = fake_telegram
    index_settings, engine = index_copy()
    async with serving("127.0.0.1") as feeds:
        options = {"feeds": (f"{feeds.base}/etag.xml",), "poll_seconds": 0.2}
        async with running_bot(tg, index_settings, engine, tmp_path, **options):
            async with asyncio.timeout(30):
                while len(feeds.statuses) < 3:
                    await asyncio.sleep(0.05)
    assert feeds.if_none_match[:3] == [None, '"v1"', '"v1"']
    assert feeds.statuses[:3] == [200, 304, 304]
