"""The bot's database (SQLite by default, PostgreSQL by URL), migrated with alembic on open."""

from bot.storage.errors import StorageError, UnknownAnswerError
from bot.storage.records import LoggedAnswer, Stats, Subscription, Turn, UserInfo
from bot.storage.store import Storage, language_for

__all__ = [
    "LoggedAnswer",
    "Stats",
    "Storage",
    "StorageError",
    "Subscription",
    "Turn",
    "UnknownAnswerError",
    "UserInfo",
    "language_for",
]
