"""/start, /help and /lang: what the bot does, with example questions to tap.

The examples are about the newest articles of the live index (`Services.example_titles`), so
they read well on whatever corpus the bot serves.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup
from aiogram.utils.formatting import as_list

from bot.services import Services
from bot.storage import UserInfo
from bot.telegram_html import to_html
from bot.texts import LANGUAGES, example_question, phrase, text


def _examples_keyboard(questions: list[str]) -> ReplyKeyboardMarkup | None:
    if not questions:
        return None
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=q)] for q in questions],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _examples(services: Services, language: str) -> list[str]:
    return [example_question(t, language) for t in services.example_titles(language)]


async def on_start(message: Message, services: Services, lang: str) -> None:
    questions = _examples(services, lang)
    intro = phrase("start", lang)
    if questions:
        intro = as_list(intro, phrase("tap_example", lang), sep="\n\n")
    await message.answer(to_html(intro), reply_markup=_examples_keyboard(questions))


async def on_lang(
    message: Message, command: CommandObject, services: Services, user: UserInfo
) -> None:
    choice = (command.args or "").strip().lower()
    if choice not in LANGUAGES:
        await message.answer(text("lang_usage", user.language))
        return
    await services.storage.set_language(user.user_id, choice)
    keyboard = _examples_keyboard(_examples(services, choice))
    await message.answer(text("lang_set", choice), reply_markup=keyboard)


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    router.message.register(on_start, Command("help"))
    router.message.register(on_lang, Command("lang"))
    return router
