"""Alerts as an outbox: written with their message before any is sent, so a crash loses none.

The choice is at-least-once: a lost alert is worse than a repeated one, and Telegram has no
idempotency key that would make a send safe to retry blindly. A row is "pending" until one
sender moves it to "sending" (an atomic UPDATE, so two senders never both take it), then "sent"
or "blocked". After a crash, rows still "sending" are the sends that were in flight: they go back
to "pending" and are sent again, and they are the only messages that can repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bot.storage.schema import alerts, documents

if TYPE_CHECKING:
    from bot.storage.store import Storage

PENDING, SENDING, SENT, BLOCKED = "pending", "sending", "sent", "blocked"
# Rows per INSERT: 7 values each stays under SQLite's 32,766 bound parameters.
_BATCH = 1000


@dataclass(frozen=True)
class Recipient:
    user_id: int
    chat_id: int
    message: str


@dataclass(frozen=True)
class PendingAlert:
    id: int
    user_id: int
    chat_id: int
    story_id: str
    message: str


def _now() -> datetime:
    return datetime.now(UTC)


class AlertOutbox:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def enqueue(
        self,
        story_id: str,
        doc_id: str,
        recipients: Sequence[Recipient],
        *,
        done_doc_ids: Sequence[str] = (),
    ) -> int:
        """Queue one alert per recipient who has none for this story yet; in the same
        transaction mark the documents it announces as done. Returns how many were queued."""
        rows = [
            {
                "user_id": r.user_id,
                "story_id": story_id,
                "doc_id": doc_id,
                "at": _now(),
                "state": PENDING,
                "chat_id": r.chat_id,
                "message": r.message,
            }
            for r in recipients
        ]
        queued = 0
        async with self._storage.transaction() as conn:
            for start in range(0, len(rows), _BATCH):
                stmt = (
                    self._storage.insert(alerts)
                    .values(rows[start : start + _BATCH])
                    .on_conflict_do_nothing(index_elements=[alerts.c.user_id, alerts.c.story_id])
                    .returning(alerts.c.id)
                )
                queued += len((await conn.execute(stmt)).all())
            if done_doc_ids:
                await conn.execute(
                    sa.update(documents)
                    .where(documents.c.doc_id.in_(list(done_doc_ids)))
                    .values(state="done")
                )
        return queued

    async def pending(self, limit: int | None = None) -> list[PendingAlert]:
        query = (
            sa.select(
                alerts.c.id,
                alerts.c.user_id,
                alerts.c.chat_id,
                alerts.c.story_id,
                alerts.c.message,
            )
            .where(alerts.c.state == PENDING)
            .order_by(alerts.c.id)
            .limit(limit)
        )
        async with self._storage.transaction() as conn:
            rows = (await conn.execute(query)).all()
        return [PendingAlert(r.id, r.user_id, r.chat_id, r.story_id, r.message) for r in rows]

    async def take(self, alert_id: int) -> bool:
        """Move one pending alert to "sending"; False when another sender took it first."""
        stmt = (
            sa.update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.state == PENDING)
            .values(state=SENDING)
            .returning(alerts.c.id)
        )
        async with self._storage.transaction() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def finish(self, alert_id: int, state: str) -> None:
        """Record the outcome of a send: SENT or BLOCKED."""
        stmt = sa.update(alerts).where(alerts.c.id == alert_id).values(state=state, sent_at=_now())
        async with self._storage.transaction() as conn:
            await conn.execute(stmt)

    async def release(self, alert_id: int) -> None:
        """Drop an alert Telegram refused for good, so a later report of the story may retry."""
        async with self._storage.transaction() as conn:
            await conn.execute(sa.delete(alerts).where(alerts.c.id == alert_id))

    async def resume_in_flight(self) -> int:
        """At start-up: sends cut short by a crash go back to pending (they may repeat)."""
        stmt = sa.update(alerts).where(alerts.c.state == SENDING).values(state=PENDING)
        async with self._storage.transaction() as conn:
            return int((await conn.execute(stmt)).rowcount or 0)

    async def sent_count(self) -> int:
        query = sa.select(sa.func.count()).select_from(alerts).where(alerts.c.state == SENT)
        async with self._storage.transaction() as conn:
            return int((await conn.execute(query)).scalar_one())
