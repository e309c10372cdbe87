"""/latest [N]: the newest agreements in the corpus, newest first."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.formatting import latest_messages
from bot.services import Services
from bot.texts import text

DEFAULT_COUNT = 5
MAX_COUNT = 20


def requested_count(args: str | None) -> int:
    try:
        value = int((args or "").split()[0]) if args and args.split() else DEFAULT_COUNT
    except ValueError:
        value = DEFAULT_COUNT
    return max(1, min(MAX_COUNT, value))


async def on_latest(
    message: Message, command: CommandObject, services: Services, lang: str
) -> None:
    documents = await services.latest_agreements(requested_count(command.args))
    if not documents:
        await message.answer(text("latest_none", lang))
        return
    for part in latest_messages(documents, lang):
        await message.answer(part, disable_web_page_preview=True)


def create_router() -> Router:
    router = Router(name="latest")
    router.message.register(on_latest, Command("latest"))
    return router
