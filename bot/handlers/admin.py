"""Admin commands: /ingest (a URL or a sent file), /reindex, /stats, /export_feedback."""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.services import IngestResult, Services
from bot.texts import text
from index.sources import TooManyDocumentsError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


class IsAdmin(BaseFilter):
    async def __call__(self, message: Message, services: Services) -> bool:
        user = message.from_user
        return user is not None and user.id in services.settings.admin_ids


def safe_file_name(name: str | None, file_unique_id: str) -> str:
    """A sent file's name reduced to a harmless basename, unique per Telegram file."""
    base = re.sub(r"[^\w.\-]+", "_", (name or "document.txt").rsplit("/", 1)[-1]).strip("._")
    return f"{file_unique_id}_{base or 'document.txt'}"


def _ingest_reply(result: IngestResult, services: Services, lang: str) -> str:
    if result.report is None:
        problems = "; ".join(f"{p.source}: {p.reason}" for p in result.problems[:3])
        return text("ingest_nothing", lang, problems=problems or "-")
    documents, chunks = services.counts()
    r = result.report
    return text(
        "ingest_done",
        lang,
        added=r.added,
        changed=r.changed,
        removed=r.removed,
        documents=documents,
        chunks=chunks,
    )


class _TooLarge(Exception):
    pass


class _CappedBuffer(io.BytesIO):
    """A download destination that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: ReadableBuffer, /) -> int:
        if self.tell() + memoryview(data).nbytes > self.limit:
            raise _TooLarge()
        return super().write(data)


async def on_ingest_file(message: Message, bot: Bot, services: Services, lang: str) -> None:
    document = message.document
    assert document is not None
    limit = services.settings.max_ingest_bytes
    if document.file_size is not None and document.file_size > limit:
        await message.answer(text("ingest_too_big", lang, n=document.file_size, limit=limit))
        return
    # Telegram's file_size is optional: the download itself stops once past the limit.
    buffer = _CappedBuffer(limit)
    try:
        await bot.download(document, destination=buffer)
    except _TooLarge:
        await message.answer(text("ingest_too_big_unsized", lang, n=limit))
        return
    services.ingest_dir.mkdir(parents=True, exist_ok=True)
    path = services.ingest_dir / safe_file_name(document.file_name, document.file_unique_id)
    await asyncio.to_thread(path.write_bytes, buffer.getvalue())
    await message.answer(text("ingest_started", lang))
    try:
        result = await services.ingest([str(path)])
    except TooManyDocumentsError as exc:
        path.unlink(missing_ok=True)  # refused whole: a later rebuild must not index it either
        await message.answer(text("ingest_too_many", lang, n=exc.found, limit=exc.limit))
        return
    if result.report is None:
        path.unlink(missing_ok=True)  # unreadable: keep nothing a later rebuild would trip on
    await message.answer(_ingest_reply(result, services, lang))
    services.announce_soon(result.changed)


async def on_ingest_url(
    message: Message, command: CommandObject, services: Services, lang: str
) -> None:
    url = (command.args or "").strip()
    if not url.startswith(("http://", "https://")):
        await message.answer(text("ingest_usage", lang))
        return
    await message.answer(text("ingest_started", lang))
    try:
        result = await services.ingest([url])
    except TooManyDocumentsError as exc:
        await message.answer(text("ingest_too_many", lang, n=exc.found, limit=exc.limit))
        return
    await message.answer(_ingest_reply(result, services, lang))
    services.announce_soon(result.changed)


async def on_reindex(message: Message, services: Services, lang: str) -> None:
    await message.answer(text("ingest_started", lang))
    await message.answer(_ingest_reply(await services.reindex(), services, lang))


async def on_stats(message: Message, services: Services, lang: str) -> None:
    stats = await services.storage.stats()
    documents, chunks = services.counts()
    p95 = f"{stats.p95_answer_ms:.0f} ms" if stats.p95_answer_ms is not None else "-"
    await message.answer(
        text(
            "stats",
            lang,
            documents=documents,
            chunks=chunks,
            users=stats.users,
            subscriptions=stats.active_subscriptions,
            alerts=stats.alerts_sent,
            answers=stats.answers,
            p95=p95,
            up=stats.feedback_up,
            down=stats.feedback_down,
        )
    )


async def on_export(message: Message, services: Services) -> None:
    cases: list[dict[str, Any]] = await services.storage.export_feedback()
    body = "\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n"
    await message.answer_document(
        BufferedInputFile(body.encode(), filename="feedback.jsonl"),
        caption=f"{len(cases)}",
    )


async def on_not_admin(message: Message, lang: str) -> None:
    await message.answer(text("admin_only", lang))


def create_router() -> Router:
    router = Router(name="admin")
    router.message.register(on_ingest_file, Command("ingest"), F.document, IsAdmin())
    router.message.register(on_ingest_url, Command("ingest"), IsAdmin())
    router.message.register(on_reindex, Command("reindex"), IsAdmin())
    router.message.register(on_stats, Command("stats"), IsAdmin())
    router.message.register(on_export, Command("export_feedback"), IsAdmin())
    router.message.register(on_not_admin, Command("ingest", "reindex", "stats", "export_feedback"))
    return router
