"""Outer middlewares: who may talk to the bot, how often, in which language; what is in flight."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, InlineQuery, Message, TelegramObject, Update, User
from cachetools import TTLCache

from bot.services import Services
from bot.texts import normalise_language, text

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlightMiddleware(BaseMiddleware):
    """Counts updates being handled, so that a shutdown can wait for their answers."""

    def __init__(self) -> None:
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._active += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Wait until nothing is in flight; False if `timeout` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


async def _tell(event: TelegramObject, message: str) -> None:
    """Say `message` wherever the event came from (a chat, a button, an inline query)."""
    if isinstance(event, Update):
        event = event.event
    if isinstance(event, Message):
        await event.answer(message)
    elif isinstance(event, CallbackQuery):
        await event.answer(message, show_alert=True)
    elif isinstance(event, InlineQuery):
        await event.answer([], cache_time=1, is_personal=True)


class AccessMiddleware(BaseMiddleware):
    """With an allowlist set, everyone else is told the bot is private and goes no further
    (nor into the database)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        services: Services = data["services"]
        allowed = services.settings.allowed_user_ids
        user: User | None = data.get("event_from_user")
        admins = services.settings.admin_ids
        if allowed and user is not None and user.id not in allowed | admins:
            await _tell(event, text("private", normalise_language(user.language_code)))
            return None
        return await handler(event, data)


class ChatOrderMiddleware(BaseMiddleware):
    """Handles one update per chat at a time, in arrival order.

    Without it two quick questions could be answered in reverse order, and a follow-up sent
    right after a question would not see that question's turn.
    """

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        if chat is None:
            return await handler(event, data)
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                return await handler(event, data)
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:  # forget idle chats: the map stays small
                del self._waiting[chat.id]
                del self._locks[chat.id]


class UserMiddleware(BaseMiddleware):
    """Records the user and hands handlers `user` (their row) and `lang` (their UI language)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        services: Services = data["services"]
        # The user's own chat (its id is the user id): a message in a group must not make the
        # group their chat, or alerts and a 403 from the group would be about the wrong chat.
        info = await services.storage.touch_user(user.id, user.id, user.language_code)
        data["user"] = info
        data["lang"] = info.language
        return await handler(event, data)


# Users tracked at once. A user is forgotten one window after their last accepted message (their
# history is empty by then), so this only binds when more users than this write within one
# window; the least recent of them is then forgotten early and could send `count` more. Each
# tracked user costs about 1 KB.
RATE_LIMIT_USERS = 100_000


class RateLimitMiddleware(BaseMiddleware):
    """A sliding window per user; the first message over the limit gets a polite reply,
    the rest of the flood is dropped silently (replying to each would be a flood of our own).

    Runs on the event loop only, so its caches need no lock.
    """

    def __init__(self, count: int, window_s: float) -> None:
        self._count = count
        self._window = window_s
        ttl = max(window_s, 1e-9)  # TTLCache wants a positive ttl; count <= 0 never uses them
        self._seen: TTLCache[int, deque[float]] = TTLCache(RATE_LIMIT_USERS, ttl, time.monotonic)
        self._warned: TTLCache[int, float] = TTLCache(RATE_LIMIT_USERS, ttl, time.monotonic)

    def _over_limit(self, user_id: int, now: float) -> float | None:
        """Seconds until the user may write again; None: the message passes (and counts)."""
        times = self._seen.get(user_id) or deque()
        while times and now - times[0] > self._window:
            times.popleft()
        if len(times) >= self._count:
            return self._window - (now - times[0])
        times.append(now)
        self._seen[user_id] = times  # (re)stored: it expires one window after this message
        return None

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or self._count <= 0:
            return await handler(event, data)
        now = time.monotonic()
        wait = self._over_limit(user.id, now)
        if wait is None:
            self._warned.pop(user.id, None)
            return await handler(event, data)
        if now - self._warned.get(user.id, -self._window) >= self._window:
            self._warned[user.id] = now
            await _tell(event, text("rate_limited", data.get("lang", "en"), seconds=int(wait) + 1))
        return None
