"""Retrying Bot API calls that Telegram asks us to repeat, so that no reply is lost.

429 says exactly how long to wait (`retry_after`); 5xx and network errors are transient and get
an exponential backoff. Anything else (400, 403, ...) is final and goes to the caller.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

log = logging.getLogger(__name__)

# Set by a caller that retries on its own terms (the broadcaster re-paces every attempt, so
# that retries count against the global rate like first tries).
caller_retries: ContextVar[bool] = ContextVar("caller_retries", default=False)


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(
        self, attempts: int = 5, max_retry_after: float = 120.0, backoff_s: float = 0.5
    ) -> None:
        self.attempts = attempts
        self.max_retry_after = max_retry_after
        self.backoff_s = backoff_s

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        polling = method.__api_method__ == GetUpdates.__api_method__  # has its own backoff
        if polling or caller_retries.get():
            return await make_request(bot, method)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt >= self.attempts or exc.retry_after > self.max_retry_after:
                    raise
                log.warning(
                    "%s: flood control, retrying in %s s", method.__api_method__, exc.retry_after
                )
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt >= self.attempts:
                    raise
                delay = self.backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "%s failed (%s), retrying in %.1f s", method.__api_method__, exc, delay
                )
                await asyncio.sleep(delay)
