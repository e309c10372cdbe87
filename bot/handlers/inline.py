"""Inline mode: `@bot question` in any chat offers the cited answer as an article."""

from __future__ import annotations

import hashlib

from aiogram import Router
from aiogram.types import InlineQuery, InlineQueryResultArticle, InputTextMessageContent

from bot.formatting import answer_messages, answer_text, short_title
from bot.services import Services
from bot.texts import plain
from rag.errors import QuestionError

# Shorter queries are still being typed; answering each keystroke would waste the CPU.
MIN_QUERY_CHARS = 3


async def on_inline(query: InlineQuery, services: Services) -> None:
    question = query.query.strip()
    if len(question) < MIN_QUERY_CHARS:
        await query.answer([], cache_time=1, is_personal=True)
        return
    try:
        answer = await services.ask(question)
    except QuestionError:
        await query.answer([], cache_time=1, is_personal=True)
        return
    body = answer_messages(answer, answer.language)[0]
    title = (
        short_title(answer_text(answer))
        if answer.answered
        else plain("inline_no_answer", answer.language)
    )
    result = InlineQueryResultArticle(
        id=hashlib.sha1(question.encode()).hexdigest()[:32],
        title=title,
        description=answer_text(answer)[:200],
        input_message_content=InputTextMessageContent(
            message_text=body, parse_mode="HTML", disable_web_page_preview=True
        ),
    )
    await query.answer([result], cache_time=60, is_personal=False)


def create_router() -> Router:
    router = Router(name="inline")
    router.inline_query.register(on_inline)
    return router
