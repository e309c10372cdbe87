"""Pytest fixtures around the local Bot API server (import them into conftest.py).

Usage in tests/conftest.py: ``from tests.telegram_fixtures import fake_telegram, telegram_bot``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from aiogram import Bot

from tests.telegram_server import FakeTelegram, make_bot

__all__ = ["fake_telegram", "telegram_bot"]


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A started FakeTelegram on 127.0.0.1, stopped (pending long polls ended) after the test."""
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def telegram_bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """A real aiogram Bot pointed at `fake_telegram`, its HTTP session closed after the test."""
    bot = make_bot(fake_telegram)
    try:
        yield bot
    finally:
        await bot.session.close()
