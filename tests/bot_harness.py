"""Running the production bot against the local Bot API server, for end-to-end tests."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher

from bot.app import create_bot, create_dispatcher, create_services, run_polling
from bot.services import Services
from bot.settings import BotSettings
from index.settings import IndexSettings
from rag.answering.engine import AnswerEngine
from rag.settings import RagSettings
from tests.telegram_server import FakeTelegram

ADMIN = 7001


def bot_settings(tg: FakeTelegram, db_dir: Path, **overrides: Any) -> BotSettings:
    """Settings pointing at `tg`, never at a developer's `.env`."""
    values: dict[str, Any] = {
        "bot_token": tg.token,
        "telegram_api_url": tg.base_url,
        "database_url": f"sqlite+aiosqlite:///{db_dir / 'bot.db'}",
        "admin_ids": frozenset({ADMIN}),
        **overrides,
    }
    return BotSettings(_env_file=None, **values)  # type: ignore[call-arg]


def private_index(source: IndexSettings, data_dir: Path) -> IndexSettings:
    """A copy of an index, for a test that changes it (ingest, alerts)."""
    settings = source.model_copy(update={"data_dir": data_dir})
    shutil.copytree(source.index_dir, settings.index_dir)
    return settings


@asynccontextmanager
async def running_bot(
    tg: FakeTelegram,
    index_settings: IndexSettings,
    engine: AnswerEngine,
    db_dir: Path,
    **overrides: Any,
) -> AsyncIterator[tuple[Services, Bot, Dispatcher]]:
    """The production composition root, long polling `tg`; stops polling on exit."""
    settings = bot_settings(tg, db_dir, **overrides)
    services = await create_services(settings, index_settings, RagSettings(), engine=engine)
    bot = create_bot(settings)
    dp = create_dispatcher(services)
    polling = asyncio.create_task(run_polling(bot, dp, handle_signals=False))
    try:
        yield services, bot, dp
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 30)
