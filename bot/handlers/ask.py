"""Any text is a question: typing indicator, cited answer, buttons for quotes and feedback."""

from __future__ import annotations

import re
import time

from aiogram import Bot, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender

from bot.formatting import answer_messages, quotes_messages
from bot.services import Services
from bot.storage import UnknownAnswerError, UserInfo
from bot.texts import plain, text
from rag.answering.answer import Answer


class QuotesCallback(CallbackData, prefix="q"):
    answer_id: int


class FeedbackCallback(CallbackData, prefix="fb"):
    answer_id: int
    rating: int


def answer_keyboard(answer_id: int, answer: Answer, language: str) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(
            text="👍", callback_data=FeedbackCallback(answer_id=answer_id, rating=1).pack()
        ),
        InlineKeyboardButton(
            text="👎", callback_data=FeedbackCallback(answer_id=answer_id, rating=-1).pack()
        ),
    ]
    if answer.citations:
        quotes = InlineKeyboardButton(
            text=plain("show_quotes", language),
            callback_data=QuotesCallback(answer_id=answer_id).pack(),
        )
        return InlineKeyboardMarkup(inline_keyboard=[[quotes], row])
    return InlineKeyboardMarkup(inline_keyboard=[row])


async def reply_with_answer(
    message: Message, bot: Bot, services: Services, user: UserInfo, question: str
) -> None:
    """Answer `question` in the message's chat and remember the turn for follow-ups."""
    started = time.perf_counter()
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        previous = await services.storage.last_turn(user.user_id)
        answer = await services.ask(question, previous.question if previous else None)
    elapsed_ms = (time.perf_counter() - started) * 1000
    record = answer.to_json()
    answer_id = await services.storage.record_answer(
        user.user_id, question, answer.question, record, elapsed_ms
    )
    messages = answer_messages(answer, answer.language)
    for i, part in enumerate(messages):
        last = i == len(messages) - 1
        markup = answer_keyboard(answer_id, answer, answer.language) if last else None
        await message.answer(part, reply_markup=markup, disable_web_page_preview=True)


def without_mention(text: str, username: str | None) -> str:
    """In a group the bot is addressed as "@bot question": the mention is not the question."""
    if username:
        text = re.sub(rf"(?i)(?<!\w)@{re.escape(username)}\b[,:]?", " ", text)
    return text.strip()


async def on_question(message: Message, bot: Bot, services: Services, user: UserInfo) -> None:
    question = without_mention(message.text or "", (await bot.me()).username)
    limit = services.engine.settings.max_question_chars
    if not question.strip():
        await message.answer(text("empty", user.language))
    elif len(question) > limit:
        await message.answer(text("too_long", user.language, n=len(question), limit=limit))
    else:
        await reply_with_answer(message, bot, services, user, question)


async def on_quotes(
    query: CallbackQuery, callback_data: QuotesCallback, services: Services, lang: str
) -> None:
    logged = await services.storage.get_answer(callback_data.answer_id)
    if logged is None or query.message is None:
        await query.answer(plain("expired", lang), show_alert=True)
        return
    answer = Answer.from_json(logged.answer)
    await query.answer()
    for part in quotes_messages(answer, answer.language):
        await query.message.answer(part, disable_web_page_preview=True)


async def on_feedback(
    query: CallbackQuery, callback_data: FeedbackCallback, services: Services, lang: str
) -> None:
    try:
        await services.storage.add_feedback(
            callback_data.answer_id, query.from_user.id, callback_data.rating
        )
    except UnknownAnswerError:
        await query.answer(plain("expired", lang), show_alert=True)
        return
    await query.answer(plain("thanks", lang))


def create_router() -> Router:
    router = Router(name="ask")
    router.message.register(on_question, F.text & ~F.text.startswith("/"))
    router.callback_query.register(on_quotes, QuotesCallback.filter())
    router.callback_query.register(on_feedback, FeedbackCallback.filter(F.rating.in_({1, -1})))
    return router
