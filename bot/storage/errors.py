"""Storage errors: one domain type, so handlers need not know SQLAlchemy or driver exceptions."""

from __future__ import annotations


class StorageError(RuntimeError):
    """The bot's database cannot be opened or used (unreachable, misconfigured, bad input)."""


class UnknownAnswerError(StorageError):
    """Feedback names an answer id that was never logged (stale or forged callback data)."""
