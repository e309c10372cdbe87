"""Sending many messages without tripping Telegram's limits or losing any.

A global pace keeps all chats together under Telegram's ~30 messages/s. Retries are made here,
not by the session's RetryMiddleware, so that each attempt waits for its own slot: a 429 is
slept off and re-paced, a 5xx or network error backed off and re-paced. A 403 (the user
blocked the bot) deactivates the chat and its subscriptions, so later alerts skip it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.retry import caller_retries
from bot.storage import Storage

log = logging.getLogger(__name__)

# Deliveries in flight at once: enough to keep the pace while a few requests are slow, few
# enough that little is claimed ahead of sending (see bot/watcher.py).
CONCURRENCY = 8
MAX_ATTEMPTS = 5
BACKOFF_S = 0.5


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


class Broadcaster:
    def __init__(self, bot: Bot, storage: Storage, rate_per_s: float) -> None:
        self._bot = bot
        self._storage = storage
        self._interval = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self._next_slot = 0.0
        self._pace_lock = asyncio.Lock()
        # Callers hold one of these around "claim, then send" (bot/watcher.py).
        self.slots = asyncio.Semaphore(CONCURRENCY)

    async def _pace(self) -> None:
        async with self._pace_lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)

    async def send(self, chat_id: int, text: str) -> Delivery:
        token = caller_retries.set(True)
        try:
            return await self._attempts(chat_id, text)
        finally:
            caller_retries.reset(token)

    async def _attempts(self, chat_id: int, text: str) -> Delivery:
        for attempt in range(MAX_ATTEMPTS):
            await self._pace()
            try:
                await self._bot.send_message(chat_id, text, disable_web_page_preview=True)
                return Delivery.SENT
            except TelegramRetryAfter as exc:
                log.warning("flood control for chat %s: waiting %s s", chat_id, exc.retry_after)
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                log.warning("sending to chat %s failed (%s); retrying", chat_id, exc)
                await asyncio.sleep(BACKOFF_S * 2**attempt)
            except TelegramForbiddenError:
                log.info("chat %s blocked the bot: deactivated", chat_id)
                await self._storage.deactivate_chat(chat_id)
                return Delivery.BLOCKED
            except TelegramAPIError as exc:
                log.warning("could not send to chat %s: %s", chat_id, exc)
                return Delivery.FAILED
        return Delivery.FAILED
