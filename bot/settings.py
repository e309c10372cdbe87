"""Settings of the Telegram front end (environment / `.env`, prefix NEWSBOT_)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

OFFICIAL_API_URL = "https://api.telegram.org"
# Telegram's alphabet for secret_token (1-256 characters); 32 keeps a guess out of reach.
MIN_WEBHOOK_SECRET_CHARS = 32
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class BotSettings(BaseSettings):
    """Token, where the Bot API lives, who may use the bot, and how hard."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    # Another Bot-API-compatible server (a local telegram-bot-api, or the tests' fake).
    telegram_api_url: str = OFFICIAL_API_URL
    # Comma-separated Telegram user ids.
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # When non-empty, only these users (and the admins) may talk to the bot.
    allowed_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # SQLAlchemy async URL; default: a SQLite file in NEWSBOT_DATA_DIR.
    database_url: str | None = None

    # Webhook mode when set (the public HTTPS URL Telegram posts to); long polling otherwise.
    webhook_url: str | None = None
    # Required in webhook mode: Telegram sends it with every update, so a forged update (an
    # "admin" /export_feedback from anyone who reaches the port) is refused before any handler.
    webhook_secret: SecretStr | None = None
    # Loopback unless told otherwise: a reverse proxy in front terminates TLS.
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"

    # Per-user flood control: at most `rate_limit_count` messages per `rate_limit_window_s`.
    rate_limit_count: int = 10
    rate_limit_window_s: float = 30.0
    # Questions and checks answered at once (CPU-bound: about the number of cores).
    answer_workers: int = 2
    # Distinct questions whose answers are kept until the index changes (0: no cache).
    answer_cache_size: int = 2000
    # Largest document an admin may send for /ingest, or page/feed an /ingest URL may return
    # (capped while downloading: Telegram does not always say a file's size).
    max_ingest_bytes: int = 5_000_000
    # Most documents one /ingest may add (a JSONL file's rows, a feed's entries); a source
    # with more is refused whole.
    max_ingest_documents: int = 1000
    # Seconds a shutdown waits for answers in flight.
    shutdown_grace_s: float = 20.0

    # Agreement alerts: a folder where new article files appear and RSS/Atom feeds
    # (comma-separated URLs), polled every `poll_seconds`.
    watch_dir: Path | None = None
    feeds: Annotated[tuple[str, ...], NoDecode] = ()
    poll_seconds: float = 60.0
    # Alerts per second across all chats; Telegram allows about 30.
    alert_rate_per_s: float = 25.0

    @field_validator("feeds", mode="before")
    @classmethod
    def _url_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("admin_ids", "allowed_user_ids", mode="before")
    @classmethod
    def _id_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = value.replace(";", ",").split(",")
            return frozenset(int(part) for part in parts if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> BotSettings:
        if self.webhook_url is None:
            return self
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if len(secret) < MIN_WEBHOOK_SECRET_CHARS or not _SECRET_RE.fullmatch(secret):
            raise ValueError(
                "webhook mode needs NEWSBOT_WEBHOOK_SECRET: at least "
                f"{MIN_WEBHOOK_SECRET_CHARS} characters of A-Z, a-z, 0-9, _ and - "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self

    def secret_values(self) -> list[str]:
        """Every secret these settings hold, for log redaction (bot.logs.hide_secrets)."""
        values = []
        if self.bot_token is not None:
            token = self.bot_token.get_secret_value()
            values += [token, token.partition(":")[2]]  # the part after the bot id is the key
        if self.webhook_secret is not None:
            values.append(self.webhook_secret.get_secret_value())
        if self.database_url:
            password = make_url(self.database_url).password
            if password:
                values.append(str(password))
        return values

    def database_url_for(self, data_dir: Path) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{data_dir / 'newsbot.db'}"
