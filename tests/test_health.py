"""The health check: cheap, and it tells a stopped or stuck bot from a working one."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

from bot.health import STALE_AFTER_S, beat, heartbeat_path, problems
from index.settings import IndexSettings
from rag.answering.engine import AnswerEngine


async def test_healthy_only_with_a_current_index_and_a_fresh_heartbeat(
    bundled_index: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> None:
    source, _ = bundled_index
    data = tmp_path / "data"
    shutil.copytree(source.index_dir, data / "index")
    index_dir = data / "index"
    assert problems(data, index_dir) == ["the bot has not started (no heartbeat)"]

    beating = asyncio.create_task(beat(data, interval_s=0.05))
    await asyncio.sleep(0.2)
    assert problems(data, index_dir) == []
    beating.cancel()

    stale = time.time() - STALE_AFTER_S - 5
    os.utime(heartbeat_path(data), (stale, stale))  # the loop stopped beating
    (found,) = problems(data, index_dir)
    assert "heartbeat was" in found

    heartbeat_path(data).touch()
    (index_dir / "CURRENT").unlink()
    assert problems(data, index_dir) == [f"no current index in {index_dir}"]
