"""Settings of the Telegram front end (environment / `.env`, prefix NEWSBOT_)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

OFFICIAL_API_URL = "https://api.telegram.org"


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
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"

    # Per-user flood control: at most `rate_limit_count` messages per `rate_limit_window_s`.
    rate_limit_count: int = 10
    rate_limit_window_s: float = 30.0
    # Questions and checks answered at once (CPU-bound: about the number of cores).
    answer_workers: int = 2
    # Distinct questions whose answers are kept until the index changes (0: no cache).
    answer_cache_size: int = 2000
    # Largest document an admin may send for /ingest.
    max_ingest_bytes: int = 5_000_000
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

    def database_url_for(self, data_dir: Path) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{data_dir / 'newsbot.db'}"
