"""Plain records returned by `Storage`: immutable, so handlers cannot mutate shared state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class UserInfo:
    user_id: int
    chat_id: int
    language: str
    active: bool


@dataclass(frozen=True)
class Turn:
    question: str
    answer: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class LoggedAnswer:
    id: int
    user_id: int
    question: str
    answer: dict[str, Any]
    elapsed_ms: float
    at: datetime


@dataclass(frozen=True)
class Subscription:
    id: int
    user_id: int
    chat_id: int
    topic: str | None
    active: bool


@dataclass(frozen=True)
class Stats:
    users: int
    active_subscriptions: int
    alerts_sent: int
    answers: int
    p95_answer_ms: float | None
    feedback_up: int
    feedback_down: int
