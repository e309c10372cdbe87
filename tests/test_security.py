"""Secrets never reach a log line; webhook mode takes no update without its secret."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr, ValidationError

from bot.app import create_bot, create_dispatcher, create_services, create_webhook_app
from bot.settings import BotSettings
from index.settings import REPO_ROOT, IndexSettings
from rag.answering.engine import AnswerEngine
from rag.answering.generative import generate
from rag.answering.question import analyse
from rag.settings import RagSettings
from tests.bot_harness import ADMIN, bot_settings
from tests.telegram_server import FakeTelegram, post_webhook_update

TOKEN = "123456789:AAH-s3cr3tT0kenPartThatMustNeverShow_x"
LLM_KEY = "sk-test-0123456789abcdefLLMKEY"
DB_PASSWORD = "db-pa55word-never-logged"
WEBHOOK_SECRET = "w" * 40

# What the bot process does at start (bot/cli.py main, then bot/app.py serve), then an error
# whose chained traceback carries the Bot API file URL, as a failed bot.download() raises.
PROGRAM = """
import logging
from bot.app import protect_secrets
from bot.logs import configure_logging
from bot.settings import BotSettings
from rag.settings import RagSettings

configure_logging(logging.INFO)
protect_secrets(BotSettings(_env_file=None), RagSettings(_env_file=None))
token = BotSettings(_env_file=None).bot_token.get_secret_value()
url = f"https://api.telegram.org/file/bot{token}/documents/file_7.jsonl"

def download():
    raise ConnectionError(f"Cannot connect to host api.telegram.org:443 url={url}")

try:
    try:
        download()
    except ConnectionError as exc:
        raise RuntimeError(f"download of {url} failed") from exc
except RuntimeError:
    logging.getLogger("bot.handlers.errors").exception("error %s while handling update", "x1")
late = logging.StreamHandler()  # a handler added after start-up is covered too
logging.getLogger("late").addHandler(late)
logging.getLogger("late").propagate = False
logging.getLogger("late").warning("request to %s", url)
logging.getLogger("aiogram.event").warning("db %s key %s", "%s", "%s")
"""


def test_no_secret_in_any_log_line_tracebacks_included(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        NEWSBOT_BOT_TOKEN=TOKEN,
        NEWSBOT_LLM_API_KEY=LLM_KEY,
        NEWSBOT_DATABASE_URL=f"postgresql+asyncpg://newsbot:{DB_PASSWORD}@127.0.0.1/newsbot",
        NEWSBOT_WEBHOOK_URL="https://bot.example.org/hook",
        NEWSBOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PYTHONPATH=str(REPO_ROOT),
    )
    program = PROGRAM + (
        f"\nlogging.getLogger('x').error('{LLM_KEY} {DB_PASSWORD} {WEBHOOK_SECRET}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" in output and "ConnectionError" in output and "x1" in output
    assert "/file/bot<redacted>/documents/file_7.jsonl" in output
    for secret in (TOKEN, TOKEN.split(":")[1], LLM_KEY, DB_PASSWORD, WEBHOOK_SECRET):
        assert secret not in output


class _FailingChatModel:
    """A provider client that fails the way real ones do: the key in the error text."""

    def invoke(self, _messages: Any) -> Any:
        raise PermissionError(f"401 Unauthorized: headers {{'Authorization': 'Bearer {LLM_KEY}'}}")


def test_llm_provider_errors_are_logged_without_key_or_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    question = analyse("Who signed the agreement?")
    assert generate(_FailingChatModel(), question, [], SecretStr(LLM_KEY)) is None
    (record,) = [r for r in caplog.records if r.name == "rag.answering.generative"]
    assert "PermissionError" in record.getMessage() and "401" in record.getMessage()
    assert LLM_KEY not in caplog.text and record.exc_info is None


def test_webhook_mode_refuses_to_start_without_a_strong_secret() -> None:
    base: dict[str, Any] = {"bot_token": TOKEN, "webhook_url": "https://bot.example.org/hook"}
    for secret in (None, "short", "x" * 31, "has spaces in it" * 3):
        with pytest.raises(ValidationError, match="NEWSBOT_WEBHOOK_SECRET"):
            BotSettings(_env_file=None, **base, webhook_secret=secret)  # type: ignore[call-arg]
    ok = BotSettings(_env_file=None, **base, webhook_secret=WEBHOOK_SECRET)  # type: ignore[call-arg]
    assert ok.webhook_host == "127.0.0.1", "loopback unless told otherwise"
    assert BotSettings(_env_file=None, bot_token=TOKEN).webhook_secret is None  # type: ignore[call-arg]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_forged_admin_updates_without_the_secret_change_nothing(
    fake_telegram: FakeTelegram,
    bundled_index: tuple[IndexSettings, AnswerEngine],
    tmp_path: Path,
) -> None:
    tg = fake_telegram
    index_settings, engine = bundled_index
    port = _free_port()
    settings = bot_settings(
        tg,
        tmp_path,
        webhook_url="https://bot.example.org/telegram/webhook",
        webhook_secret=WEBHOOK_SECRET,
        webhook_port=port,
    )
    services = await create_services(settings, index_settings, RagSettings(), engine=engine)
    await services.storage.log_answer(ADMIN, "q", {"answer": "a"}, 1.0)
    bot = create_bot(settings)
    app = create_webhook_app(bot, create_dispatcher(services), settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, port).start()
    try:
        (hook,) = await tg.wait_for("setWebhook")
        assert hook.params["secret_token"] == WEBHOOK_SECRET
        url = f"http://127.0.0.1:{port}{settings.webhook_path}"
        attacker_chat = 6666
        forged = [
            tg.message_update(ADMIN, "/export_feedback", chat_id=attacker_chat),
            tg.message_update(ADMIN, "/subscribe", chat_id=attacker_chat),
            tg.message_update(ADMIN, "/reindex", chat_id=attacker_chat),
        ]
        for update in forged:
            assert await post_webhook_update(url, update) == 401
            assert await post_webhook_update(url, update, secret="x" * 40) == 401
            assert await post_webhook_update(url, update, secret=WEBHOOK_SECRET[:-1]) == 401
        sends = [c for c in tg.calls if c.method.startswith("send")]
        assert sends == [], "nothing was sent anywhere"
        assert await services.storage.subscriptions(ADMIN) == []
        assert (await services.storage.stats()).users == 0
        # The same update with the secret is Telegram's: it is handled.
        assert await post_webhook_update(url, forged[0], secret=WEBHOOK_SECRET) == 200
        (document,) = await tg.wait_for("sendDocument")
        assert json.loads(str(document.params.get("chat_id"))) == attacker_chat
    finally:
        await runner.cleanup()
