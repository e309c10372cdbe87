"""The composition root: bot, dispatcher and services built from settings, then run.

Nothing here runs at import time, so tests build their own bot against a local Bot API server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot import health
from bot.answer_cache import AnswerCache
from bot.broadcaster import Broadcaster
from bot.handlers import create_routers
from bot.logs import hide_secrets
from bot.middlewares import (
    AccessMiddleware,
    ChatOrderMiddleware,
    InFlightMiddleware,
    RateLimitMiddleware,
    UserMiddleware,
)
from bot.retry import RetryMiddleware
from bot.services import Services
from bot.settings import BotSettings
from bot.storage import Storage
from bot.watcher import Watcher
from index.runtime import configure_threads
from index.settings import IndexSettings
from rag.alerts.stories import AgreementMemory
from rag.alerts.topics import TopicMatcher
from rag.answering.engine import AnswerEngine
from rag.factcheck.checker import FactChecker
from rag.settings import RagSettings

log = logging.getLogger(__name__)

UPDATES = ["message", "callback_query", "inline_query"]
COMMANDS = {
    "ru": [
        ("help", "что умеет бот"),
        ("check", "проверить утверждение"),
        ("latest", "последние соглашения"),
        ("subscribe", "оповещения о соглашениях"),
        ("lang", "язык: ru или en"),
    ],
    "en": [
        ("help", "what the bot does"),
        ("check", "check a claim"),
        ("latest", "newest agreements"),
        ("subscribe", "alerts on new agreements"),
        ("lang", "language: ru or en"),
    ],
}


class MissingTokenError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("NEWSBOT_BOT_TOKEN is not set: the Telegram bot cannot start")


def protect_secrets(settings: BotSettings, rag_settings: RagSettings) -> None:
    """No log line of this process may show the token, webhook secret, DB password or LLM key."""
    hide_secrets(settings.secret_values())
    if rag_settings.llm_api_key is not None:
        hide_secrets([rag_settings.llm_api_key.get_secret_value()])


def create_bot(settings: BotSettings) -> Bot:
    if settings.bot_token is None:
        raise MissingTokenError()
    token = settings.bot_token.get_secret_value()
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(RetryMiddleware())
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def create_services(
    settings: BotSettings,
    index_settings: IndexSettings,
    rag_settings: RagSettings,
    engine: AnswerEngine | None = None,
) -> Services:
    """Open the database and load the engines (the slow part: seconds, models included)."""
    configure_threads(index_settings)  # before any worker thread runs a model
    if engine is None:
        engine = await asyncio.to_thread(AnswerEngine.from_settings, index_settings, rag_settings)
        await asyncio.to_thread(engine.warm_up)
    storage = await Storage.open(settings.database_url_for(index_settings.data_dir))
    return Services(
        settings=settings,
        index_settings=index_settings,
        storage=storage,
        engine=engine,
        checker=FactChecker.from_engine(engine),
        answer_cache=AnswerCache(settings.answer_cache_size),
        agreements=AgreementMemory(engine.ner),
        topics=TopicMatcher(engine.embedder),
        answer_pool=ThreadPoolExecutor(
            max(1, settings.answer_workers), thread_name_prefix="newsbot-answer"
        ),
        loop=asyncio.get_running_loop(),
    )


async def resume_alerts(services: Services, watcher: Watcher) -> int:
    """After a restart: what a crash cut short is finished (see bot/storage/outbox.py)."""
    repeated = await services.storage.outbox.resume_in_flight()
    if repeated:
        log.warning("resending %d alerts that were in flight when the bot stopped", repeated)
    unannounced = await services.recover()
    return await watcher.announce(unannounced) + await watcher.send_pending()


def create_dispatcher(services: Services) -> Dispatcher:
    """Routers, middlewares and the shutdown that lets answers in flight finish."""
    dp = Dispatcher(services=services)
    in_flight = InFlightMiddleware()
    dp.update.outer_middleware(in_flight)
    dp.update.outer_middleware(AccessMiddleware())
    dp.update.outer_middleware(ChatOrderMiddleware())
    dp.update.outer_middleware(UserMiddleware())
    limiter = RateLimitMiddleware(
        services.settings.rate_limit_count, services.settings.rate_limit_window_s
    )
    dp.message.outer_middleware(limiter)
    dp.inline_query.outer_middleware(limiter)
    dp.include_routers(*create_routers())

    watcher_task: list[asyncio.Task[None]] = []

    async def on_startup(bot: Bot) -> None:
        for language, commands in COMMANDS.items():
            await bot.set_my_commands(
                [BotCommand(command=c, description=d) for c, d in commands],
                language_code=language if language != "en" else None,
            )
        settings = services.settings
        watcher = Watcher(services, Broadcaster(bot, services.storage, settings.alert_rate_per_s))
        services.announce = watcher.announce
        watcher_task.append(
            asyncio.create_task(health.beat(services.index_settings.data_dir), name="newsbot-beat")
        )
        services.run_soon(resume_alerts(services, watcher), "newsbot-resume")
        if settings.watch_dir is not None or settings.feeds:
            watcher_task.append(asyncio.create_task(watcher.run(), name="newsbot-watcher"))

    async def on_shutdown() -> None:
        for task in [*watcher_task, *services.background]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if not await in_flight.drain(services.settings.shutdown_grace_s):
            log.warning(
                "shutdown: answers still in flight after %.0f s",
                services.settings.shutdown_grace_s,
            )
        services.answer_pool.shutdown(wait=False, cancel_futures=True)
        services.index_pool.shutdown(wait=True)
        await services.storage.close()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def run_polling(bot: Bot, dp: Dispatcher, *, handle_signals: bool = True) -> None:
    await bot.delete_webhook(drop_pending_updates=False)
    await dp.start_polling(bot, allowed_updates=UPDATES, handle_signals=handle_signals)


def create_webhook_app(bot: Bot, dp: Dispatcher, settings: BotSettings) -> web.Application:
    """An aiohttp app that accepts updates only with the configured secret token."""
    if settings.webhook_secret is None:  # BotSettings refuses a webhook URL without one
        raise ValueError("webhook mode needs NEWSBOT_WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        app, path=settings.webhook_path
    )
    setup_application(app, dp, bot=bot)

    async def set_webhook(_: web.Application) -> None:
        assert settings.webhook_url is not None
        await bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=UPDATES)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.on_startup.append(set_webhook)
    app.router.add_get("/health", health)
    return app


async def serve(
    settings: BotSettings, index_settings: IndexSettings, rag_settings: RagSettings
) -> None:
    """`newsbot bot`: long polling, or a webhook server when NEWSBOT_WEBHOOK_URL is set."""
    protect_secrets(settings, rag_settings)
    bot = create_bot(settings)
    services = await create_services(settings, index_settings, rag_settings)
    dp = create_dispatcher(services)
    if settings.webhook_url:
        await run_webhook(create_webhook_app(bot, dp, settings), settings)
    else:
        await run_polling(bot, dp)


async def run_webhook(app: web.Application, settings: BotSettings) -> None:
    """Serve until SIGINT/SIGTERM; cleanup runs the dispatcher's shutdown (answers finish)."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
