"""/start, /help and /lang: what the bot does, with example questions to tap."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup

from bot.services import Services
from bot.storage import UserInfo
from bot.texts import LANGUAGES, examples, text


def _examples_keyboard(language: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=q)] for q in examples(language)],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def on_start(message: Message, lang: str) -> None:
    await message.answer(text("start", lang), reply_markup=_examples_keyboard(lang))


async def on_lang(
    message: Message, command: CommandObject, services: Services, user: UserInfo
) -> None:
    choice = (command.args or "").strip().lower()
    if choice not in LANGUAGES:
        await message.answer(text("lang_usage", user.language))
        return
    await services.storage.set_language(user.user_id, choice)
    await message.answer(text("lang_set", choice), reply_markup=_examples_keyboard(choice))


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    router.message.register(on_start, Command("help"))
    router.message.register(on_lang, Command("lang"))
    return router
