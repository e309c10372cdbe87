"""Connecting to the bot's database: URL checks, driver choice, pool and SQLite settings.

Errors never carry the password: a URL is only ever shown rendered with it hidden.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from bot.storage.errors import StorageError

_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
BUSY_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 10.0
CONNECTION_ERRORS = (
    OSError,
    TimeoutError,
    asyncio.TimeoutError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
)


def describe_error(exc: BaseException) -> str:
    """The driver's own message: SQLAlchemy's wrapper adds SQL text and a help link."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        exc = exc.orig
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection SQLite settings: WAL so readers never block the writer, FK enforcement
    (off by default in SQLite), and a busy timeout so concurrent writers wait, not fail."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (sa_exc.ArgumentError, ValueError):
        # The parser's message repeats the whole URL, password included: do not pass it on.
        raise StorageError(
            "invalid database URL; expected sqlite+aiosqlite:///PATH or "
            "postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DB"
        ) from None
    backend = parsed.get_backend_name()
    driver = _ASYNC_DRIVERS.get(backend)
    safe = parsed.render_as_string(hide_password=True)
    if driver is None:
        raise StorageError(f"unsupported database {safe}: use SQLite or PostgreSQL")
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=f"{backend}+{driver}")
    elif parsed.get_driver_name() != driver:
        raise StorageError(f"unsupported driver in {safe}: use {backend}+{driver}")
    return parsed


def create_engine_for(parsed: URL) -> AsyncEngine:
    """The async engine for a checked URL (see `parse_url`), with the pool each backend wants."""
    safe = parsed.render_as_string(hide_password=True)
    kwargs: dict[str, Any] = {
        "json_serializer": lambda obj: json.dumps(obj, ensure_ascii=False),
    }
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:") or parsed.query.get("mode") == "memory"
        if in_memory:
            # Each connection to ":memory:" would be a new empty database.
            kwargs["poolclass"] = StaticPool
        elif not database.startswith("file:"):
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the folder for {safe}: {exc}") from exc
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S}
        if not in_memory:
            # SQLite takes one writer at a time, and a writer that finds the file locked
            # sleeps in SQLite's busy handler (up to 100 ms a turn): under load that made
            # each write cost hundreds of ms. One connection queues the process's
            # statements in asyncio instead, with no sleeping.
            kwargs["pool_size"] = 1
            kwargs["max_overflow"] = 0
            kwargs["pool_timeout"] = BUSY_TIMEOUT_S
    else:
        kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT_S}
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine
