"""The bot's database: users, last turns, answers and feedback, subscriptions; alerts and
indexed documents through the helpers in outbox.py and document_log.py.

Every write starts with its write statement (upserts, `INSERT ... ON CONFLICT`, `UPDATE ...
RETURNING`) rather than a read followed by a write. That keeps each method atomic on PostgreSQL
without explicit locking, and on SQLite it means a transaction never has to upgrade a stale read
snapshot to a write lock, which fails at once with "database is locked" instead of waiting for
the busy timeout.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic.util import CommandError
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.connect import (
    CONNECTION_ERRORS,
    create_engine_for,
    describe_error,
    parse_url,
)
from bot.storage.document_log import DocumentLog
from bot.storage.errors import StorageError, UnknownAnswerError
from bot.storage.migrate import upgrade as migrate_to_head
from bot.storage.outbox import SENT, AlertOutbox
from bot.storage.records import LoggedAnswer, Stats, Subscription, Turn, UserInfo
from bot.storage.schema import alerts, answers, feedback, subscriptions, turns, users

LANGUAGES = ("ru", "en")
# Telegram language codes whose speakers are best served in Russian.
_RUSSIAN_READERS = ("ru", "uk", "be", "kk")


def language_for(language_code: str | None) -> str:
    """Telegram's `language_code` ("ru", "uk-UA", "en-GB", None) -> the answer language."""
    primary = (language_code or "").strip().lower().replace("_", "-").split("-")[0]
    return "ru" if primary in _RUSSIAN_READERS else "en"


def normalize_topic(topic: str | None) -> str | None:
    """Collapse whitespace; an empty topic means "all agreements" (None)."""
    if topic is None:
        return None
    cleaned = " ".join(topic.split())
    return cleaned or None


def _topic_key(topic: str | None) -> str:
    return topic.casefold() if topic is not None else ""


# How long, and for how many users, an identical touch_user is answered from memory.
TOUCH_MEMO_S = 300.0
TOUCH_MEMO_USERS = 50_000


def _user_info(user_id: int, row: Any) -> UserInfo:
    """An explicit /lang choice wins over what Telegram reports."""
    return UserInfo(
        user_id=user_id,
        chat_id=row.chat_id,
        language=row.language or language_for(row.language_code),
        active=row.active,
    )


def _now() -> datetime:
    return datetime.now(UTC)


class Storage:
    """Async access to the bot's database; one instance per process, safe for concurrent use."""

    def __init__(self, engine: AsyncEngine, url: URL) -> None:
        self._engine = engine
        self._url = url
        self._dialect = engine.dialect.name
        # user id -> (monotonic time, chat id, language code, what the upsert returned)
        self._touched: OrderedDict[int, tuple[float, int, str | None, UserInfo]] = OrderedDict()
        self.outbox = AlertOutbox(self)
        self.documents = DocumentLog(self)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def url(self) -> str:
        """The database URL with the password masked, fit for logs."""
        return self._url.render_as_string(hide_password=True)

    @classmethod
    async def open(cls, url: str) -> Storage:
        """Connect and migrate to the newest schema, so a fresh or old database just works."""
        parsed = parse_url(url)
        safe = parsed.render_as_string(hide_password=True)
        engine = create_engine_for(parsed)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(migrate_to_head)
        except (*CONNECTION_ERRORS, sa_exc.SQLAlchemyError) as exc:
            await engine.dispose()
            raise StorageError(f"cannot open the database {safe}: {describe_error(exc)}") from exc
        except CommandError as exc:
            await engine.dispose()
            raise StorageError(f"cannot migrate the database {safe}: {exc}") from exc
        return cls(engine, parsed)

    async def close(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncConnection]:
        """One transaction; connection-level failures become `StorageError`."""
        try:
            async with self._engine.begin() as conn:
                yield conn
        except CONNECTION_ERRORS as exc:
            raise StorageError(f"database {self.url} failed: {describe_error(exc)}") from exc

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """One transaction, for the table helpers beside this class (outbox, document log)."""
        return self._tx()

    def insert(self, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
        return self._insert(table)

    def _insert(self, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
        """The dialect's INSERT, which knows ON CONFLICT (both spell it the same way)."""
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # -- users -------------------------------------------------------------------------------

    async def touch_user(self, user_id: int, chat_id: int, language_code: str | None) -> UserInfo:
        """Record that the user wrote: create or update them, and reactivate them if they had
        blocked the bot. A /lang choice wins over Telegram's language code.

        A user asking several questions in a row changes nothing in their row, so a recent,
        identical touch is answered from memory: one write fewer per message under load."""
        memo = self._touched.get(user_id)
        if (
            memo is not None
            and time.monotonic() - memo[0] < TOUCH_MEMO_S
            and memo[1:3] == (chat_id, language_code or memo[2])
            and memo[3].active
        ):
            return memo[3]
        info = await self._upsert_user(user_id, chat_id, language_code)
        self._touched[user_id] = (time.monotonic(), chat_id, language_code, info)
        self._touched.move_to_end(user_id)
        while len(self._touched) > TOUCH_MEMO_USERS:
            self._touched.popitem(last=False)
        return info

    async def _upsert_user(
        self, user_id: int, chat_id: int, language_code: str | None
    ) -> UserInfo:
        now = _now()
        stmt = self._insert(users).values(
            user_id=user_id,
            chat_id=chat_id,
            language_code=language_code,
            language=None,
            active=True,
            created_at=now,
            updated_at=now,
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[users.c.user_id],
            set_={
                "chat_id": stmt.excluded.chat_id,
                # Some updates carry no language code: keep the last one seen.
                "language_code": sa.func.coalesce(
                    stmt.excluded.language_code, users.c.language_code
                ),
                "active": True,
                "updated_at": now,
            },
        ).returning(users.c.chat_id, users.c.language_code, users.c.language, users.c.active)
        async with self._tx() as conn:
            row = (await conn.execute(upsert)).one()
        return _user_info(user_id, row)

    async def get_user(self, user_id: int) -> UserInfo | None:
        """The user as last seen, without touching them (for messages the bot starts)."""
        query = sa.select(users).where(users.c.user_id == user_id)
        async with self._tx() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _user_info(user_id, row)

    async def get_users(self, user_ids: Sequence[int]) -> dict[int, UserInfo]:
        """Many users in one query each thousand (an alert fan-out renders per language)."""
        found: dict[int, UserInfo] = {}
        ids = sorted(set(user_ids))
        async with self._tx() as conn:
            for start in range(0, len(ids), 1000):
                query = sa.select(users).where(users.c.user_id.in_(ids[start : start + 1000]))
                for row in (await conn.execute(query)).all():
                    found[row.user_id] = _user_info(row.user_id, row)
        return found

    async def set_language(self, user_id: int, language: str) -> None:
        """Store an explicit /lang choice; it sticks whatever Telegram reports later."""
        language = language.strip().lower()
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
        self._touched.pop(user_id, None)
        now = _now()
        # In a private chat the chat id is the user id: good enough for a user never touched.
        stmt = self._insert(users).values(
            user_id=user_id,
            chat_id=user_id,
            language_code=None,
            language=language,
            active=True,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[users.c.user_id],
            set_={"language": language, "updated_at": now},
        )
        async with self._tx() as conn:
            await conn.execute(stmt)

    # -- conversation ------------------------------------------------------------------------

    def _turn_upsert(self, user_id: int, question: str, answer: dict[str, Any]) -> Any:
        now = _now()
        stmt = self._insert(turns).values(
            user_id=user_id, question=question, answer=answer, at=now
        )
        return stmt.on_conflict_do_update(
            index_elements=[turns.c.user_id],
            set_={"question": question, "answer": stmt.excluded.answer, "at": now},
        )

    async def save_turn(self, user_id: int, question: str, answer: dict[str, Any]) -> None:
        """Keep only the user's last question and answer: follow-ups need nothing older."""
        async with self._tx() as conn:
            await conn.execute(self._turn_upsert(user_id, question, answer))

    async def last_turn(self, user_id: int) -> Turn | None:
        query = sa.select(turns.c.question, turns.c.answer, turns.c.at).where(
            turns.c.user_id == user_id
        )
        async with self._tx() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return Turn(question=row.question, answer=row.answer, at=row.at)

    # -- answers and feedback ----------------------------------------------------------------

    @staticmethod
    def _answer_insert(
        user_id: int, question: str, answer: dict[str, Any], elapsed_ms: float
    ) -> Any:
        return (
            sa.insert(answers)
            .values(
                user_id=user_id,
                question=question,
                answer=answer,
                elapsed_ms=float(elapsed_ms),
                at=_now(),
            )
            .returning(answers.c.id)
        )

    async def log_answer(
        self, user_id: int, question: str, answer: dict[str, Any], elapsed_ms: float
    ) -> int:
        """Log an answer for latency stats and feedback; the id goes into the buttons' data."""
        async with self._tx() as conn:
            stmt = self._answer_insert(user_id, question, answer, elapsed_ms)
            return int((await conn.execute(stmt)).scalar_one())

    async def record_answer(
        self,
        user_id: int,
        question: str,
        turn_question: str,
        answer: dict[str, Any],
        elapsed_ms: float,
    ) -> int:
        """`log_answer` and `save_turn` in one transaction: one commit per answer, not two.

        `turn_question` is what follow-ups build on (a follow-up already completed with the
        previous topic); `question` is what the user typed."""
        async with self._tx() as conn:
            stmt = self._answer_insert(user_id, question, answer, elapsed_ms)
            answer_id = int((await conn.execute(stmt)).scalar_one())
            await conn.execute(self._turn_upsert(user_id, turn_question, answer))
        return answer_id

    async def get_answer(self, answer_id: int) -> LoggedAnswer | None:
        query = sa.select(answers).where(answers.c.id == answer_id)
        async with self._tx() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return LoggedAnswer(
            id=row.id,
            user_id=row.user_id,
            question=row.question,
            answer=row.answer,
            elapsed_ms=row.elapsed_ms,
            at=row.at,
        )

    async def add_feedback(self, answer_id: int, user_id: int, rating: int) -> None:
        """Rate an answer +1/-1; pressing again replaces the user's earlier rating."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be +1 or -1, not {rating!r}")
        now = _now()
        stmt = self._insert(feedback).values(
            answer_id=answer_id, user_id=user_id, rating=rating, at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[feedback.c.answer_id, feedback.c.user_id],
            set_={"rating": rating, "at": now},
        )
        try:
            async with self._tx() as conn:
                await conn.execute(stmt)
        except sa_exc.IntegrityError as exc:
            raise UnknownAnswerError(f"no logged answer with id {answer_id}") from exc

    async def export_feedback(self) -> list[dict[str, Any]]:
        """Rated answers as regression cases, oldest rating first."""
        query = (
            sa.select(
                answers.c.question,
                answers.c.answer,
                feedback.c.rating,
                feedback.c.user_id,
                feedback.c.at,
            )
            .join_from(feedback, answers, feedback.c.answer_id == answers.c.id)
            .order_by(feedback.c.at, feedback.c.id)
        )
        async with self._tx() as conn:
            rows = (await conn.execute(query)).all()
        return [
            {
                "question": row.question,
                "answer": row.answer,
                "rating": row.rating,
                "user_id": row.user_id,
                "at": row.at.isoformat(),
            }
            for row in rows
        ]

    async def stats(self) -> Stats:
        """Counts for /stats; p95 is the nearest-rank percentile of answer latency."""

        def count(table: sa.Table, *where: sa.ColumnElement[bool]) -> sa.Select[int]:
            return sa.select(sa.func.count()).select_from(table).where(*where)

        async with self._tx() as conn:

            async def scalar(query: sa.Select[int]) -> int:
                return int((await conn.execute(query)).scalar_one())

            n_answers = await scalar(count(answers))
            p95: float | None = None
            if n_answers:
                rank = math.ceil(0.95 * n_answers)
                query = (
                    sa.select(answers.c.elapsed_ms)
                    .order_by(answers.c.elapsed_ms)
                    .offset(rank - 1)
                    .limit(1)
                )
                p95 = float((await conn.execute(query)).scalar_one())
            return Stats(
                users=await scalar(count(users)),
                active_subscriptions=await scalar(
                    count(subscriptions, subscriptions.c.active.is_(True))
                ),
                alerts_sent=await scalar(count(alerts, alerts.c.state == SENT)),
                answers=n_answers,
                p95_answer_ms=p95,
                feedback_up=await scalar(count(feedback, feedback.c.rating > 0)),
                feedback_down=await scalar(count(feedback, feedback.c.rating < 0)),
            )

    # -- subscriptions -----------------------------------------------------------------------

    async def subscribe(self, user_id: int, chat_id: int, topic: str | None) -> bool:
        """Subscribe to a topic (None or blank: all agreements). False if already subscribed;
        an inactive subscription (the user had blocked the bot) is re-activated."""
        topic = normalize_topic(topic)
        key = _topic_key(topic)
        reactivate = (
            sa.update(subscriptions)
            .where(
                subscriptions.c.user_id == user_id,
                subscriptions.c.topic_key == key,
                subscriptions.c.active.is_(False),
            )
            .values(active=True, chat_id=chat_id, topic=topic)
        )
        insert = (
            self._insert(subscriptions)
            .values(
                user_id=user_id,
                chat_id=chat_id,
                topic=topic,
                topic_key=key,
                active=True,
                created_at=_now(),
            )
            .on_conflict_do_nothing(
                index_elements=[subscriptions.c.user_id, subscriptions.c.topic_key]
            )
            .returning(subscriptions.c.id)
        )
        async with self._tx() as conn:
            if (await conn.execute(reactivate)).rowcount:
                return True
            return (await conn.execute(insert)).first() is not None

    async def subscriptions(self, user_id: int) -> list[Subscription]:
        """The user's active subscriptions, oldest first."""
        return await self._select_subscriptions(subscriptions.c.user_id == user_id)

    async def unsubscribe(self, user_id: int, topic: str | None) -> int:
        """Remove one topic (matched case-insensitively) or, with None, all of the user's
        subscriptions; returns how many active ones went. A blank topic is an error, not "all",
        so that a missing argument can never wipe everything."""
        stmt = sa.delete(subscriptions).where(subscriptions.c.user_id == user_id)
        if topic is not None:
            normalized = normalize_topic(topic)
            if normalized is None:
                raise ValueError("empty topic: pass None to remove all subscriptions")
            stmt = stmt.where(subscriptions.c.topic_key == _topic_key(normalized))
        async with self._tx() as conn:
            removed = (await conn.execute(stmt.returning(subscriptions.c.active))).scalars()
            return sum(1 for active in removed if active)

    async def active_subscriptions(self) -> list[Subscription]:
        """Everyone to consider for an alert."""
        return await self._select_subscriptions()

    async def _select_subscriptions(self, *where: sa.ColumnElement[bool]) -> list[Subscription]:
        query = (
            sa.select(subscriptions)
            .where(subscriptions.c.active.is_(True), *where)
            .order_by(subscriptions.c.id)
        )
        async with self._tx() as conn:
            rows: Sequence[sa.Row[Any]] = (await conn.execute(query)).all()
        return [
            Subscription(
                id=row.id,
                user_id=row.user_id,
                chat_id=row.chat_id,
                topic=row.topic,
                active=row.active,
            )
            for row in rows
        ]

    async def deactivate_chat(self, chat_id: int) -> None:
        """The chat blocked the bot (403): stop alerting it until the user writes again and
        re-subscribes."""
        for user_id in [u for u, memo in self._touched.items() if memo[1] == chat_id]:
            del self._touched[user_id]
        async with self._tx() as conn:
            await conn.execute(
                sa.update(users).where(users.c.chat_id == chat_id).values(active=False)
            )
            await conn.execute(
                sa.update(subscriptions)
                .where(subscriptions.c.chat_id == chat_id)
                .values(active=False)
            )

    async def alerts_sent(self) -> int:
        return await self.outbox.sent_count()
