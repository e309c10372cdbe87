"""Agreement alerts end to end: the real bot and watcher, a watch folder and an RSS feed on
127.0.0.1, the local Bot API server, the real index and SQLite. Articles are written here."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp import web

from bot.services import Services
from index.settings import IndexSettings
from rag.answering.engine import AnswerEngine
from tests.bot_harness import private_index, running_bot
from tests.telegram_server import FakeTelegram

ALL_USER, EN_TOPIC_USER, RU_TOPIC_USER, OTHER_USER = 8001, 8002, 8003, 8004
POLL = 0.3

AGREEMENT_RU = """Новосибирск и китайская компания Huawei подписали соглашение о создании центра \
искусственного интеллекта

14.05.2024

Мэрия Новосибирска и китайская технологическая компания Huawei подписали соглашение о создании \
совместного центра искусственного интеллекта. Документ подписали мэр Новосибирска Максим \
Кудрявцев и вице-президент Huawei по России Ли Мин. Центр откроется в Академгородке в 2025 году \
и будет обучать 500 инженеров в год.
"""

SAME_STORY_EN = """Novosibirsk signs AI centre deal with Huawei

14.05.2024

The city of Novosibirsk and Chinese technology company Huawei signed an agreement to set up a \
joint artificial intelligence centre. Novosibirsk mayor Maxim Kudryavtsev and Huawei \
vice-president Li Ming signed the document. The centre will open in Akademgorodok in 2025.
"""

NOT_AN_AGREEMENT = """В Казани открылся новый технопарк для стартапов

20.05.2024

В Казани открылся технопарк площадью 12 тысяч квадратных метров. В нём разместятся 40 \
стартапов в области робототехники и новых материалов. Резиденты получат льготную аренду.
"""

FEED_AGREEMENT = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tech wire</title><link>http://127.0.0.1/</link>
<description>News</description>
<item><title>Helsinki and Tallinn sign a memorandum on a joint quantum lab</title>
<link>http://127.0.0.1/news/quantum-lab</link>
<pubDate>Tue, 02 Jul 2024 09:00:00 GMT</pubDate>
<description>The cities of Helsinki and Tallinn signed a memorandum of understanding on Tuesday \
to build a joint quantum computing laboratory. The lab will open in 2026 and host 80 \
researchers from Finland and Estonia.</description></item>
</channel></rss>
"""


@pytest.fixture
def tg(fake_telegram: FakeTelegram) -> FakeTelegram:
    return fake_telegram


@pytest.fixture
def index_copy(
    bundled_index: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> tuple[IndexSettings, AnswerEngine]:
    source, engine = bundled_index
    settings = private_index(source, tmp_path / "data")
    return settings, engine.reloaded(settings)


@pytest.fixture
def watch(tmp_path: Path) -> Path:
    """The folder the watcher polls (NEWSBOT_WATCH_DIR)."""
    folder = tmp_path / "watch"
    folder.mkdir()
    return folder


async def _until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


def _indexed(services: Services, doc_id: str) -> Callable[[], bool]:
    return lambda: doc_id in services.engine.retriever.snapshot.documents


def _drop(folder: Path, name: str, text: str) -> None:
    """Write then rename, as a well-behaved producer does."""
    partial = folder / f".{name}.part"
    partial.write_text(text, encoding="utf-8")
    partial.rename(folder / name)


async def _subscribe(tg: FakeTelegram, user: int, command: str, language: str) -> None:
    before = len(tg.sent(user))
    tg.push_message(user, command, language_code=language)
    await tg.wait_sent(user, count=before + 1)


async def test_alerts_reach_matching_subscribers_once_per_story_across_restarts(
    tg: FakeTelegram,
    index_copy: tuple[IndexSettings, AnswerEngine],
    watch: Path,
    tmp_path: Path,
) -> None:
    index_settings, engine = index_copy
    options = {"watch_dir": watch, "poll_seconds": POLL}
    async with running_bot(tg, index_settings, engine, tmp_path, **options) as (services, _, _):
        await _subscribe(tg, ALL_USER, "/subscribe", "en")
        await _subscribe(tg, EN_TOPIC_USER, "/subscribe China", "en")
        await _subscribe(tg, RU_TOPIC_USER, "/subscribe искусственный интеллект", "ru")
        await _subscribe(tg, OTHER_USER, "/subscribe Japan", "en")
        tg.push_message(OTHER_USER, "/subscriptions", language_code="en")
        assert "Japan" in (await tg.wait_sent(OTHER_USER, count=2))[1]["text"]
        baseline = {u: len(tg.sent(u)) for u in (ALL_USER, EN_TOPIC_USER, RU_TOPIC_USER)}

        _drop(watch, "technopark.txt", NOT_AN_AGREEMENT)
        await _until(_indexed(services, "technopark"))
        await asyncio.sleep(3 * POLL)
        assert {u: len(tg.sent(u)) for u in baseline} == baseline  # no alert for it

        _drop(watch, "nsk_huawei.txt", AGREEMENT_RU)
        for user in baseline:
            await tg.wait_sent(user, count=baseline[user] + 1)
        everything = tg.sent(ALL_USER)[-1]["text"]
        assert "Novosibirsk" in everything and "Huawei" in everything
        assert "all new agreements" in everything
        china = tg.sent(EN_TOPIC_USER)[-1]["text"]
        assert "China" in china and "Huawei" in china  # English topic, Russian article
        ai = tg.sent(RU_TOPIC_USER)[-1]["text"]
        assert "искусственный интеллект" in ai and "Новосибирск" in ai
        assert len(tg.sent(OTHER_USER)) == 2  # Japan: nothing

        tg.push_message(ALL_USER, "Сколько инженеров в год будет обучать центр в Академгородке?")
        answer = (await tg.wait_sent(ALL_USER, count=baseline[ALL_USER] + 2))[-1]["text"]
        assert "500" in answer and "Huawei" in answer

        _drop(watch, "nsk_huawei_en.txt", SAME_STORY_EN)  # a second outlet, same story
        await _until(_indexed(services, "nsk_huawei_en"))
        await asyncio.sleep(3 * POLL)
        assert len(tg.sent(EN_TOPIC_USER)) == baseline[EN_TOPIC_USER] + 1
        assert len(tg.sent(RU_TOPIC_USER)) == baseline[RU_TOPIC_USER] + 1
        alerts_before_restart = await services.storage.alerts_sent()
        assert alerts_before_restart == 3

    sent_before = len(tg.calls)
    restarted = engine.reloaded(index_settings)
    async with running_bot(tg, index_settings, restarted, tmp_path, **options) as (services, _, _):
        await asyncio.sleep(5 * POLL)
        assert await services.storage.alerts_sent() == alerts_before_restart
    assert not [c for c in tg.calls[sent_before:] if c.method == "sendMessage"]


async def test_blocked_users_are_deactivated_and_flood_limits_are_waited_out(
    tg: FakeTelegram,
    index_copy: tuple[IndexSettings, AnswerEngine],
    watch: Path,
    tmp_path: Path,
) -> None:
    index_settings, engine = index_copy
    options = {"watch_dir": watch, "poll_seconds": POLL}
    async with running_bot(tg, index_settings, engine, tmp_path, **options) as (services, _, _):
        await _subscribe(tg, ALL_USER, "/subscribe", "en")
        await _subscribe(tg, OTHER_USER, "/subscribe", "en")
        tg.block(OTHER_USER)
        tg.fail_next("sendMessage", 429, retry_after=1, chat_id=ALL_USER)
        _drop(watch, "nsk_huawei.txt", AGREEMENT_RU)
        (_, alert) = await tg.wait_sent(ALL_USER, count=2, timeout=60)
        assert "Huawei" in alert["text"]
        statuses = [c.status for c in tg.calls if c.params.get("chat_id") in (ALL_USER, "8001")]
        assert 429 in statuses
        active = await services.storage.active_subscriptions()
        assert [s.user_id for s in active] == [ALL_USER]


async def test_feed_items_are_picked_up_and_broken_sources_are_skipped(
    tg: FakeTelegram,
    index_copy: tuple[IndexSettings, AnswerEngine],
    watch: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    feeds = {"/good.xml": "<rss><channel></channel></rss>", "/broken.xml": "<rss><item>oops"}

    async def serve(request: web.Request) -> web.Response:
        body = feeds.get(request.path)
        if body is None:
            return web.Response(status=404)
        return web.Response(text=body, content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    index_settings, engine = index_copy
    (watch / "broken.json").write_text("{not json", encoding="utf-8")
    options = {
        "watch_dir": watch,
        "feeds": (f"{base}/good.xml", f"{base}/broken.xml", f"{base}/missing.xml"),
        "poll_seconds": POLL,
    }
    try:
        async with running_bot(tg, index_settings, engine, tmp_path, **options):
            await _subscribe(tg, ALL_USER, "/subscribe", "en")
            await asyncio.sleep(3 * POLL)
            feeds["/good.xml"] = FEED_AGREEMENT
            (_, alert) = await tg.wait_sent(ALL_USER, count=2, timeout=60)
            assert "Helsinki" in alert["text"] and "Tallinn" in alert["text"]
            assert "http://127.0.0.1/news/quantum-lab" in alert["text"]
            logged = "\n".join(r.getMessage() for r in caplog.records)
            assert "broken.json" in logged and "broken.xml" in logged and "missing.xml" in logged
            _drop(watch, "nsk_huawei.txt", AGREEMENT_RU)  # the watcher still runs
            await tg.wait_sent(ALL_USER, count=3, timeout=60)
    finally:
        await runner.cleanup()
