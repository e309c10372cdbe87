"""Storage tests, each run on SQLite (a temporary file) and on a real PostgreSQL.

PostgreSQL comes from `tests/postgres.py`; without one the PostgreSQL cases are skipped, unless
NEWSBOT_REQUIRE_POSTGRES=1 (as in CI), where they fail instead.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url

from bot.storage import Storage, StorageError, UnknownAnswerError, language_for, migrate
from bot.storage.document_log import DONE, PENDING, DocumentVersion
from bot.storage.outbox import SENT, Recipient
from bot.storage.schema import metadata, users
from tests.postgres import (
    PostgresUnavailable,
    create_database,
    drop_database,
    postgres_required,
    postgres_server,
)

TABLES = {"users", "turns", "answers", "feedback", "subscriptions", "alerts", "documents"}


def _no_postgres(exc: PostgresUnavailable) -> NoReturn:
    if postgres_required():
        pytest.fail(f"PostgreSQL is required (NEWSBOT_REQUIRE_POSTGRES=1): {exc}")
    pytest.skip(f"no PostgreSQL for the storage tests: {exc}")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    stack = ExitStack()
    try:
        url = stack.enter_context(postgres_server())
    except PostgresUnavailable as exc:
        _no_postgres(exc)
    with stack:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A URL to an empty database; the SQLite file's folder does not exist yet."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/not-yet/newsbot.db"
        return
    server_url: str = request.getfixturevalue("postgres_server_url")
    try:
        url = await create_database(server_url)
    except PostgresUnavailable as exc:
        _no_postgres(exc)
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
async def storage(db_url: str) -> AsyncIterator[Storage]:
    opened = await Storage.open(db_url)
    try:
        yield opened
    finally:
        await opened.close()


def _schema_state(conn: sa.Connection) -> tuple[set[str], str | None, list[Any]]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    diff = compare_metadata(context, metadata)
    tables = set(sa.inspect(conn).get_table_names())
    return tables, context.get_current_revision(), diff


async def _schema(storage: Storage) -> tuple[set[str], str | None, list[Any]]:
    async with storage.engine.connect() as conn:
        return await conn.run_sync(_schema_state)


# -- schema ----------------------------------------------------------------------------------


async def test_migrations_create_the_schema_and_reopen_is_idempotent(db_url: str) -> None:
    storage = await Storage.open(db_url)
    try:
        tables, revision, diff = await _schema(storage)
        assert tables == TABLES | {"alembic_version"}
        assert revision == migrate.head_revision() is not None
        assert diff == [], "the migrations and bot/storage/schema.py disagree"
        await storage.touch_user(1, 1, "ru")
    finally:
        await storage.close()
    again = await Storage.open(db_url)
    try:
        assert await _schema(again) == (TABLES | {"alembic_version"}, revision, [])
        assert (await again.stats()).users == 1
    finally:
        await again.close()


async def test_downgrade_to_base_and_upgrade_again(storage: Storage) -> None:
    async with storage.engine.begin() as conn:
        await conn.run_sync(migrate.downgrade, "base")
    tables, revision, _ = await _schema(storage)
    assert tables & TABLES == set()
    assert revision is None
    async with storage.engine.begin() as conn:
        await conn.run_sync(migrate.upgrade)
    tables, revision, diff = await _schema(storage)
    assert tables >= TABLES and revision == migrate.head_revision() and diff == []


async def test_data_survives_close_and_reopen(db_url: str) -> None:
    answer = {"answer": "Собянин [1]", "citations": [{"n": 1, "title": "ZGC"}], "score": 0.5}
    storage = await Storage.open(db_url)
    try:
        await storage.touch_user(7, 70, "en")
        await storage.set_language(7, "ru")
        await storage.save_turn(7, "Кто подписал?", answer)
        answer_id = await storage.log_answer(7, "Кто подписал?", answer, 321.5)
        await storage.add_feedback(answer_id, 7, 1)
        await storage.subscribe(7, 70, "Китай")
        assert await storage.outbox.enqueue("story-1", "doc-1", [Recipient(7, 70, "alert")]) == 1
    finally:
        await storage.close()

    reopened = await Storage.open(db_url)
    try:
        assert (await reopened.touch_user(7, 70, "en")).language == "ru"
        turn = await reopened.last_turn(7)
        assert turn is not None and turn.question == "Кто подписал?" and turn.answer == answer
        logged = await reopened.get_answer(answer_id)
        assert logged is not None and logged.answer == answer and logged.elapsed_ms == 321.5
        assert [s.topic for s in await reopened.subscriptions(7)] == ["Китай"]
        repeat = [Recipient(7, 70, "again")]
        assert await reopened.outbox.enqueue("story-1", "doc-2", repeat) == 0, "after restart"
        assert [a.message for a in await reopened.outbox.pending()] == ["alert"]
        assert (await reopened.export_feedback())[0]["rating"] == 1
    finally:
        await reopened.close()


async def test_sqlite_pragmas(tmp_path: Path) -> None:
    storage = await Storage.open(f"sqlite+aiosqlite:///{tmp_path}/n.db")
    try:
        async with storage.engine.connect() as conn:
            pragma = conn.exec_driver_sql
            assert (await pragma("PRAGMA journal_mode")).scalar() == "wal"
            assert (await pragma("PRAGMA foreign_keys")).scalar() == 1
            busy_timeout_ms = (await pragma("PRAGMA busy_timeout")).scalar()
            assert busy_timeout_ms is not None and busy_timeout_ms >= 1000
    finally:
        await storage.close()


# -- users -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("uk", "ru"),
        ("be", "ru"),
        ("kk", "ru"),
        ("RU", "ru"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "en"),
        ("rus", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_language_for(code: str | None, expected: str) -> None:
    assert language_for(code) == expected


async def test_language_rules_and_sticky_choice(storage: Storage) -> None:
    user = await storage.touch_user(1, 100, "uk-UA")
    assert (user.user_id, user.chat_id, user.language, user.active) == (1, 100, "ru", True)
    assert (await storage.touch_user(2, 200, None)).language == "en"
    # Without an explicit choice the language follows Telegram's code ...
    assert (await storage.touch_user(1, 100, "en-US")).language == "en"
    # ... and an update without a code keeps the last one seen.
    assert (await storage.touch_user(1, 100, None)).language == "en"

    await storage.set_language(1, "ru")
    assert (await storage.touch_user(1, 100, "en")).language == "ru"
    await storage.set_language(1, "EN")
    assert (await storage.touch_user(1, 100, "ru")).language == "en"
    with pytest.raises(ValueError):
        await storage.set_language(1, "de")

    # /lang before any message creates the user with that choice.
    await storage.set_language(3, "ru")
    assert (await storage.touch_user(3, 300, "en")).language == "ru"
    assert (await storage.stats()).users == 3


async def test_user_who_writes_again_is_reactivated(storage: Storage) -> None:
    await storage.touch_user(1, 100, "ru")
    await storage.deactivate_chat(100)
    assert (await storage.touch_user(1, 100, "ru")).active is True


# -- conversation ----------------------------------------------------------------------------


async def test_last_turn_is_replaced(storage: Storage) -> None:
    assert await storage.last_turn(1) is None
    before = datetime.now(UTC)
    await storage.save_turn(1, "first?", {"answer": "one"})
    await storage.save_turn(1, "second?", {"answer": "two", "citations": []})
    await storage.save_turn(2, "other?", {"answer": "x"})
    turn = await storage.last_turn(1)
    assert turn is not None
    assert (turn.question, turn.answer) == ("second?", {"answer": "two", "citations": []})
    assert turn.at.tzinfo is not None and turn.at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= turn.at <= datetime.now(UTC) + timedelta(seconds=5)


# -- answers and feedback --------------------------------------------------------------------


async def test_feedback_upsert_and_export(storage: Storage) -> None:
    first = await storage.log_answer(1, "q1", {"answer": "a1", "confidence": 0.75}, 10.0)
    second = await storage.log_answer(2, "q2", {"answer": "a2"}, 20.0)
    assert first != second
    logged = await storage.get_answer(first)
    assert logged is not None
    assert (logged.id, logged.user_id, logged.question) == (first, 1, "q1")
    assert logged.answer == {"answer": "a1", "confidence": 0.75} and logged.elapsed_ms == 10.0
    assert logged.at.tzinfo is not None
    assert await storage.get_answer(second + 1000) is None

    await storage.add_feedback(first, 1, 1)
    await storage.add_feedback(first, 1, -1)  # a second press replaces the first
    await storage.add_feedback(first, 5, 1)
    await storage.add_feedback(second, 2, -1)
    with pytest.raises(UnknownAnswerError):
        await storage.add_feedback(second + 1000, 1, 1)
    with pytest.raises(ValueError):
        await storage.add_feedback(first, 1, 0)

    cases = await storage.export_feedback()
    assert len(cases) == 3
    by_key = {(case["question"], case["user_id"]): case for case in cases}
    assert by_key[("q1", 1)]["rating"] == -1
    assert by_key[("q1", 1)]["answer"] == {"answer": "a1", "confidence": 0.75}
    assert by_key[("q1", 5)]["rating"] == 1
    assert by_key[("q2", 2)]["rating"] == -1
    for case in cases:
        assert set(case) == {"question", "answer", "rating", "user_id", "at"}
        assert datetime.fromisoformat(case["at"]).utcoffset() == timedelta(0)
    stats = await storage.stats()
    assert (stats.feedback_up, stats.feedback_down, stats.answers) == (1, 2, 2)


async def test_stats_p95_on_known_values(storage: Storage) -> None:
    empty = await storage.stats()
    assert empty.p95_answer_ms is None and empty.answers == 0 and empty.users == 0

    values = [float(v) for v in range(1, 101)]  # nearest-rank p95 of 1..100 is 95
    random.Random(0).shuffle(values)
    for value in values:
        await storage.log_answer(1, "q", {}, value)
    assert (await storage.stats()).p95_answer_ms == 95.0

    await storage.log_answer(1, "q", {}, 10_000.0)  # 101 values: rank ceil(95.95) = 96
    stats = await storage.stats()
    assert stats.p95_answer_ms == 96.0 and stats.answers == 101

    await storage.touch_user(1, 1, "ru")
    await storage.touch_user(2, 2, "en")
    await storage.subscribe(1, 1, None)
    await storage.subscribe(2, 2, "China")
    await storage.outbox.enqueue("s", "d", [Recipient(1, 1, "a"), Recipient(2, 2, "b")])
    first, _ = await storage.outbox.pending()
    await storage.outbox.finish(first.id, SENT)  # the other one is still pending: not counted
    await storage.deactivate_chat(2)
    stats = await storage.stats()
    assert (stats.users, stats.active_subscriptions, stats.alerts_sent) == (2, 1, 1)


async def test_stats_p95_single_answer(storage: Storage) -> None:
    await storage.log_answer(1, "q", {}, 42.5)
    assert (await storage.stats()).p95_answer_ms == 42.5


# -- subscriptions ---------------------------------------------------------------------------


async def test_subscribe_and_unsubscribe(storage: Storage) -> None:
    assert await storage.subscribe(1, 100, "China")
    assert not await storage.subscribe(1, 100, "china"), "same topic, other case"
    assert not await storage.subscribe(1, 100, "  China ")
    assert await storage.subscribe(1, 100, "нанотехнологии")
    assert await storage.subscribe(1, 100, None)
    assert not await storage.subscribe(1, 100, None)
    assert not await storage.subscribe(1, 100, "   "), "blank topic = all agreements"
    assert await storage.subscribe(2, 200, "China")

    mine = await storage.subscriptions(1)
    assert [(s.topic, s.chat_id, s.active) for s in mine] == [
        ("China", 100, True),
        ("нанотехнологии", 100, True),
        (None, 100, True),
    ]
    assert all(s.user_id == 1 for s in mine) and len({s.id for s in mine}) == 3
    assert len(await storage.active_subscriptions()) == 4

    assert await storage.unsubscribe(1, "CHINA") == 1
    assert await storage.unsubscribe(1, "china") == 0
    assert await storage.unsubscribe(1, "НАНОТЕХНОЛОГИИ") == 1
    assert [s.topic for s in await storage.subscriptions(1)] == [None]
    with pytest.raises(ValueError):
        await storage.unsubscribe(1, " ")

    assert await storage.subscribe(1, 100, "Korea")
    assert await storage.unsubscribe(1, None) == 2
    assert await storage.subscriptions(1) == []
    assert await storage.unsubscribe(1, None) == 0
    assert [s.user_id for s in await storage.active_subscriptions()] == [2], "others untouched"
    assert await storage.subscribe(1, 100, "China"), "subscribing again after removal"


async def test_deactivate_chat(storage: Storage) -> None:
    await storage.touch_user(1, 100, "ru")
    await storage.touch_user(2, 200, "en")
    await storage.subscribe(1, 100, None)
    await storage.subscribe(1, 100, "Китай")
    await storage.subscribe(2, 200, None)

    await storage.deactivate_chat(100)
    assert await storage.subscriptions(1) == []
    assert [s.chat_id for s in await storage.active_subscriptions()] == [200]
    async with storage.engine.connect() as conn:
        rows = (await conn.execute(sa.select(users.c.user_id, users.c.active))).all()
    assert dict((row.user_id, row.active) for row in rows) == {1: False, 2: True}

    # Writing again reactivates the user but not the alerts they stopped by blocking the bot;
    # subscribing again re-activates that subscription (True: it was not active).
    assert (await storage.touch_user(1, 100, "ru")).active
    assert await storage.subscriptions(1) == []
    assert await storage.subscribe(1, 100, "китай")
    assert [(s.topic, s.active) for s in await storage.subscriptions(1)] == [("китай", True)]
    assert not await storage.subscribe(1, 100, "Китай")


# -- alerts ----------------------------------------------------------------------------------


async def test_an_alert_is_queued_once_per_user_and_story(storage: Storage) -> None:
    assert await storage.alerts_sent() == 0
    one, two = Recipient(1, 10, "m1"), Recipient(2, 20, "m2")
    assert await storage.outbox.enqueue("story-1", "doc-a", [one]) == 1
    assert await storage.outbox.enqueue("story-1", "doc-b", [one, two]) == 1, "other outlet"
    assert await storage.outbox.enqueue("story-2", "doc-c", [one]) == 1
    pending = await storage.outbox.pending()
    assert [(a.user_id, a.story_id, a.message) for a in pending] == [
        (1, "story-1", "m1"),
        (2, "story-1", "m2"),
        (1, "story-2", "m1"),
    ]
    assert await storage.alerts_sent() == 0, "queued is not sent"


async def test_outbox_states_after_sends_and_a_crash(storage: Storage) -> None:
    recipients = [Recipient(u, u * 10, f"m{u}") for u in (1, 2, 3, 4)]
    await storage.outbox.enqueue("story", "doc", recipients)
    a1, a2, a3, a4 = await storage.outbox.pending()
    assert await storage.outbox.take(a1.id)
    assert not await storage.outbox.take(a1.id), "a second sender never gets it"
    await storage.outbox.finish(a1.id, SENT)
    assert await storage.outbox.take(a2.id)
    await storage.outbox.release(a2.id)  # refused for good: a later report may retry
    assert await storage.outbox.take(a3.id)  # in flight when the process dies
    assert [a.id for a in await storage.outbox.pending()] == [a4.id]
    assert await storage.outbox.resume_in_flight() == 1
    assert [a.id for a in await storage.outbox.pending()] == [a3.id, a4.id]
    assert await storage.alerts_sent() == 1
    assert await storage.outbox.enqueue("story", "doc2", [Recipient(2, 20, "again")]) == 1


async def test_enqueue_marks_its_documents_announced_in_the_same_transaction(
    storage: Storage,
) -> None:
    log = storage.documents
    await log.record([DocumentVersion("a", "h1", "2024-01-02", True)], PENDING)
    await log.record([DocumentVersion("b", "h2", None, False)], PENDING)
    await storage.outbox.enqueue("a", "a", [Recipient(1, 1, "m")], done_doc_ids=["a"])
    assert [v.doc_id for v in await log.versions(PENDING)] == ["b"]
    await log.mark_done(["b"])
    assert await log.versions(PENDING) == []


async def test_document_log_lists_agreements_newest_first(storage: Storage) -> None:
    log = storage.documents
    versions = [
        DocumentVersion("old", "h", "2020-05-01", True),
        DocumentVersion("new", "h", "2024-03-01", True),
        DocumentVersion("undated", "h", None, True),
        DocumentVersion("other", "h", "2025-01-01", False),
        DocumentVersion("unknown", "h", "2025-01-01", None),
    ]
    await log.record(versions, DONE)
    assert [v.doc_id for v in await log.agreements()] == ["new", "old", "undated"]
    assert [v.doc_id for v in await log.agreements(limit=1)] == ["new"]
    await log.record([DocumentVersion("new", "h2", "2024-03-01", False)], DONE)  # re-indexed
    await log.forget(["old"])
    assert [v.doc_id for v in await log.agreements()] == ["undated"]


async def test_record_answer_logs_and_keeps_the_turn_at_once(storage: Storage) -> None:
    answer = {"answer": "Валетов [1]", "citations": []}
    answer_id = await storage.record_answer(3, "а кто?", "кто подписал соглашение", answer, 42.0)
    logged = await storage.get_answer(answer_id)
    assert logged is not None and (logged.question, logged.elapsed_ms) == ("а кто?", 42.0)
    turn = await storage.last_turn(3)
    assert turn is not None and turn.question == "кто подписал соглашение"
    assert turn.answer == answer


async def test_repeated_touches_still_see_language_changes(storage: Storage) -> None:
    assert (await storage.touch_user(8, 80, "en")).language == "en"
    assert (await storage.touch_user(8, 80, "en")).language == "en"  # from memory
    await storage.set_language(8, "ru")
    assert (await storage.touch_user(8, 80, "en")).language == "ru"
    await storage.deactivate_chat(80)
    assert (await storage.touch_user(8, 80, None)).active  # writing again reactivates


async def test_get_user_reads_without_touching(storage: Storage) -> None:
    assert await storage.get_user(5) is None
    await storage.touch_user(5, 50, "ru")
    await storage.deactivate_chat(50)
    user = await storage.get_user(5)
    assert user is not None and (user.chat_id, user.language, user.active) == (50, "ru", False)


async def test_concurrent_senders_take_each_alert_once(storage: Storage, db_url: str) -> None:
    await storage.outbox.enqueue("story", "d", [Recipient(9, 90, "m")])
    (alert,) = await storage.outbox.pending()
    results = await asyncio.gather(*(storage.outbox.take(alert.id) for _ in range(20)))
    assert sum(results) == 1

    # Several Storage instances stand for several bot processes sharing the database.
    others = [await Storage.open(db_url) for _ in range(3)]
    try:
        instances = [storage, *others]
        queued = await asyncio.gather(
            *(
                instances[i % 4].outbox.enqueue("story", f"d{i}", [Recipient(10, 100, "m")])
                for i in range(20)
            )
        )
        assert sum(queued) == 1
        (alert,) = await storage.outbox.pending()
        results = await asyncio.gather(
            *(instances[i % 4].outbox.take(alert.id) for i in range(20))
        )
        assert sum(results) == 1
    finally:
        for other in others:
            await other.close()


# -- errors ----------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_unreachable_postgres_is_a_clear_storage_error() -> None:
    port = _closed_port()
    url = f"postgresql+asyncpg://newsbot:s3cr3t-pw@127.0.0.1:{port}/newsbot"
    with pytest.raises(StorageError) as caught:
        await asyncio.wait_for(Storage.open(url), timeout=30)
    message = str(caught.value)
    assert f"127.0.0.1:{port}/newsbot" in message and "newsbot:***@" in message
    assert "s3cr3t-pw" not in message
    assert "cannot open the database" in message


async def test_missing_postgres_database_is_a_storage_error(postgres_server_url: str) -> None:
    url = make_url(postgres_server_url).set(database="newsbot_no_such_db")
    with pytest.raises(StorageError, match="newsbot_no_such_db"):
        await Storage.open(url.render_as_string(hide_password=False))


@pytest.mark.parametrize(
    "url",
    ["mysql+aiomysql://u:s3cr3t-pw@localhost/db", "not a url s3cr3t-pw", "sqlite+pysqlite:///x"],
)
async def test_bad_urls_are_storage_errors(url: str) -> None:
    with pytest.raises(StorageError) as caught:
        await Storage.open(url)
    assert "s3cr3t-pw" not in str(caught.value)


async def test_unwritable_sqlite_folder_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot create the folder"):
        await Storage.open(f"sqlite+aiosqlite:///{blocker}/sub/newsbot.db")
