"""The bot's record of indexed document versions: what is being indexed, what reports an
agreement, what has been announced.

Written "pending" before the index update that adds a document, so that after a crash the bot
knows which documents may have reached the index without their alerts; "done" once their
alerts are in the outbox (bot/storage/outbox.py, same transaction). The agreement flag is
decided once per version, when it is indexed, so /latest is an indexed query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa

from bot.storage.schema import documents

if TYPE_CHECKING:
    from bot.storage.store import Storage

T = TypeVar("T")
PENDING, DONE = "pending", "done"
# Rows per statement: SQLite allows 32,766 bound parameters.
_BATCH = 1000


@dataclass(frozen=True)
class DocumentVersion:
    doc_id: str
    content_hash: str
    date: str | None
    is_agreement: bool | None = None


def _batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


class DocumentLog:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def record(self, versions: Iterable[DocumentVersion], state: str) -> None:
        """Upsert `versions` in `state` (PENDING before indexing, DONE for a backfill)."""
        rows = [
            {
                "doc_id": v.doc_id,
                "content_hash": v.content_hash,
                "date": v.date,
                "is_agreement": v.is_agreement,
                "state": state,
                "at": datetime.now(UTC),
            }
            for v in versions
        ]
        async with self._storage.transaction() as conn:
            for batch in _batches(rows):
                stmt = self._storage.insert(documents).values(list(batch))
                stmt = stmt.on_conflict_do_update(
                    index_elements=[documents.c.doc_id],
                    set_={
                        "content_hash": stmt.excluded.content_hash,
                        "date": stmt.excluded.date,
                        "is_agreement": stmt.excluded.is_agreement,
                        "state": stmt.excluded.state,
                        "at": stmt.excluded.at,
                    },
                )
                await conn.execute(stmt)

    async def versions(self, state: str | None = None) -> list[DocumentVersion]:
        query = sa.select(
            documents.c.doc_id,
            documents.c.content_hash,
            documents.c.date,
            documents.c.is_agreement,
        )
        if state is not None:
            query = query.where(documents.c.state == state)
        async with self._storage.transaction() as conn:
            rows = (await conn.execute(query)).all()
        return [DocumentVersion(r.doc_id, r.content_hash, r.date, r.is_agreement) for r in rows]

    async def forget(self, doc_ids: Sequence[str]) -> None:
        async with self._storage.transaction() as conn:
            for batch in _batches(doc_ids):
                await conn.execute(sa.delete(documents).where(documents.c.doc_id.in_(batch)))

    async def mark_done(self, doc_ids: Sequence[str]) -> None:
        async with self._storage.transaction() as conn:
            for batch in _batches(doc_ids):
                await conn.execute(
                    sa.update(documents).where(documents.c.doc_id.in_(batch)).values(state=DONE)
                )

    async def agreements(self, limit: int | None = None) -> list[DocumentVersion]:
        """Agreement news, newest first, undated last (ISO dates sort as text)."""
        query = (
            sa.select(documents.c.doc_id, documents.c.content_hash, documents.c.date)
            .where(documents.c.is_agreement.is_(True))
            .order_by(documents.c.date.is_(None), documents.c.date.desc(), documents.c.doc_id)
            .limit(limit)
        )
        async with self._storage.transaction() as conn:
            rows = (await conn.execute(query)).all()
        return [DocumentVersion(r.doc_id, r.content_hash, r.date, True) for r in rows]
