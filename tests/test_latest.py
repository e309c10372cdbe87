"""/latest is a lookup of what indexing recorded: no click runs the detector over the corpus."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import rag.alerts.agreements as agreements_module
from index.settings import IndexSettings
from rag.answering.engine import AnswerEngine
from tests.bot_harness import running_bot
from tests.telegram_server import FakeTelegram

USER = 7301


async def test_latest_answers_without_running_the_agreement_detector(
    fake_telegram: FakeTelegram,
    bundled_index: tuple[IndexSettings, AnswerEngine],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tg = fake_telegram
    index_settings, engine = bundled_index
    async with running_bot(tg, index_settings, engine, tmp_path) as (services, _, _):
        await asyncio.wait_for(services.documents_ready.wait(), 60)  # decided at start-up, once

        def scan(*_args: Any, **_kwargs: Any) -> Any:
            raise AssertionError("/latest ran the agreement detector")

        monkeypatch.setattr(agreements_module, "agreement_sentence", scan)
        monkeypatch.setattr(agreements_module, "detect_agreement", scan)
        tg.push_message(USER, "/latest 2", language_code="en")
        (reply,) = await tg.wait_sent(USER)
        assert "[1]" in reply["text"] and "[2]" in reply["text"]
