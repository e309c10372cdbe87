"""A health check that costs milliseconds: the bot proves its event loop is alive by touching a
heartbeat file, and the check reads that file's age and the index's manifest, nothing more.

Loading the index (hashing every file) to answer "is it healthy?" every minute cost seconds at
scale and said nothing about the bot itself; a stuck event loop, which does, stops the beat.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from index.store import is_up_to_date

HEARTBEAT_FILE = "bot.heartbeat"
HEARTBEAT_S = 15.0
# Three missed beats: the loop is blocked or the bot is gone.
STALE_AFTER_S = 3 * HEARTBEAT_S


def heartbeat_path(data_dir: Path) -> Path:
    return data_dir / HEARTBEAT_FILE


async def beat(data_dir: Path, interval_s: float = HEARTBEAT_S) -> None:
    """Touch the heartbeat file every `interval_s` while the event loop runs."""
    path = heartbeat_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        path.touch()
        await asyncio.sleep(interval_s)


def problems(data_dir: Path, index_dir: Path, stale_after_s: float = STALE_AFTER_S) -> list[str]:
    """What is wrong, or nothing: the live index is readable and current, the bot beats."""
    found = []
    if not is_up_to_date(index_dir):
        found.append(f"no current index in {index_dir}")
    try:
        age = time.time() - heartbeat_path(data_dir).stat().st_mtime
    except FileNotFoundError:
        found.append("the bot has not started (no heartbeat)")
    else:
        if age > stale_after_s:
            found.append(f"the bot's last heartbeat was {age:.0f} s ago")
    return found
