"""Logging for the CLI and the bot: one set-up, and no secret in any line it writes.

Secrets reach log lines through messages and, less visibly, through tracebacks: a failed
`bot.download()` raises an aiohttp error whose text is the Bot API URL, `/file/bot<TOKEN>/...`.
A handler filter sees only the message and only the handlers that existed when it was added, so
redaction happens where every record is born (the log record factory): the message is formatted
and scrubbed, and the traceback is formatted and scrubbed into `exc_text`, which every standard
formatter prints instead of formatting the exception again.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "<redacted>"
# Shorter values (a test password "x", say) would blank out ordinary words.
MIN_SECRET_CHARS = 6
NOISY_LOGGERS = ("bm25s", "httpx", "sentence_transformers", "faiss")

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()
_base_factory: Callable[..., logging.LogRecord] | None = None


def redact(text: str) -> str:
    for secret in _secrets:  # longest first, so a token's tail never hides its head
        text = text.replace(secret, REDACTED)
    return text


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string is logging's own error to report
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        formatted = "".join(traceback.format_exception(*record.exc_info))
        record.exc_text = redact(formatted.rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _base_factory is not None
    record = _base_factory(*args, **kwargs)
    if _secrets:
        _scrub(record)
    return record


def hide_secrets(values: Iterable[str | None]) -> None:
    """Redact `values` from every log record from now on, whichever logger or handler."""
    global _secrets, _base_factory
    with _lock:
        known = set(_secrets)
        known.update(v for v in values if v and len(v) >= MIN_SECRET_CHARS)
        _secrets = tuple(sorted(known, key=len, reverse=True))
        if _base_factory is None:
            _base_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_make_record)


def reset_secrets() -> None:
    """Forget every secret and restore the record factory (for tests)."""
    global _secrets, _base_factory
    with _lock:
        if _base_factory is not None:
            logging.setLogRecordFactory(_base_factory)
        _secrets, _base_factory = (), None


def configure_logging(level: int, *, verbose: bool = False) -> None:
    """The process's logging: one stderr handler; chatty libraries only on --verbose."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
