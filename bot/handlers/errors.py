"""Everything no other router took, and every error a handler raised: a short, clear reply."""

from __future__ import annotations

import logging
import uuid

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Message, Update
from aiogram.utils.formatting import Code, Text

from bot.formatting import question_error
from bot.services import IndexBusyError
from bot.telegram_html import to_html, to_plain
from bot.texts import normalise_language, phrase, text
from index.errors import IndexError_
from rag.errors import QuestionError

log = logging.getLogger(__name__)


async def on_anything_else(message: Message, lang: str = "en") -> None:
    """Stickers, photos, voice, files from non-admins: ask for text; unknown commands: help."""
    unknown_command = (message.text or "").startswith("/")
    await message.answer(text("unknown_command" if unknown_command else "send_text", lang))


def _language(update: Update) -> str:
    event = update.message or update.callback_query or update.inline_query
    user = event.from_user if event is not None else None
    return normalise_language(user.language_code if user else None)


async def _reply(update: Update, message: Text) -> None:
    """A chat gets the HTML message; a button's pop-up has no parse mode and 200 characters."""
    if update.message is not None:
        await update.message.answer(to_html(message))
    elif update.callback_query is not None:
        await update.callback_query.answer(to_plain(message)[:200], show_alert=True)


async def on_bad_question(event: ErrorEvent) -> None:
    exc = event.exception
    assert isinstance(exc, QuestionError)
    await _reply(event.update, question_error(exc, _language(event.update)))


async def on_busy(event: ErrorEvent) -> None:
    await _reply(event.update, phrase("busy_indexing", _language(event.update)))


async def on_index_error(event: ErrorEvent) -> None:
    log.error("index unavailable: %s", event.exception)
    await _reply(event.update, phrase("index_unavailable", _language(event.update)))


async def on_unexpected(event: ErrorEvent) -> None:
    error_id = uuid.uuid4().hex[:8]
    log.error(
        "error %s while handling update %s",
        error_id,
        event.update.update_id,
        exc_info=event.exception,
    )
    try:
        apology = phrase("error", _language(event.update), error_id=Code(error_id))
        await _reply(event.update, apology)
    except Exception:  # the apology itself failed (Telegram down): the log has it all
        log.warning("could not send the apology for error %s", error_id, exc_info=True)


def create_router() -> Router:
    router = Router(name="errors")
    router.message.register(on_anything_else)
    router.error.register(on_bad_question, ExceptionTypeFilter(QuestionError))
    router.error.register(on_busy, ExceptionTypeFilter(IndexBusyError))
    router.error.register(on_index_error, ExceptionTypeFilter(IndexError_))
    router.error.register(on_unexpected)
    return router
