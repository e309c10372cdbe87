"""/check <claim> (or /check in reply to a message): verdicts with evidence and mismatches."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.formatting import Code

from bot.formatting import check_messages
from bot.services import Services
from bot.texts import text


def usage(services: Services, language: str) -> str:
    """How to use /check, with the newest article's title as the example claim."""
    titles = services.example_titles(language)
    if not titles:
        return text("check_usage_bare", language)
    return text("check_usage", language, example=Code(f"/check {' '.join(titles[0].split())}"))


def claim_of(message: Message, command: CommandObject) -> str:
    """The command's argument, else the text of the message it replies to (a forwarded post)."""
    if command.args and command.args.strip():
        return command.args.strip()
    replied = message.reply_to_message
    if replied is not None:
        return (replied.text or replied.caption or "").strip()
    return ""


async def on_check(
    message: Message, command: CommandObject, bot: Bot, services: Services, lang: str
) -> None:
    claim = claim_of(message, command)
    if not claim:
        await message.answer(usage(services, lang))
        return
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        report = await services.check(claim)
    for part in check_messages(report, report.language):
        await message.answer(part, disable_web_page_preview=True)


def create_router() -> Router:
    router = Router(name="check")
    router.message.register(on_check, Command("check"))
    return router
