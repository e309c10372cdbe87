"""One router per feature; `create_routers()` gives fresh ones in the order they are tried.

Routers are built per dispatcher (a router attaches to one parent only), so tests and the
webhook server can each have their own.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers import admin, ask, check, errors, inline, latest, start, subscribe


def create_routers() -> list[Router]:
    # `ask` takes any text and `errors` anything at all, so they come last.
    modules = [start, admin, check, latest, subscribe, inline, ask, errors]
    return [module.create_router() for module in modules]
