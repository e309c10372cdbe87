"""Crashes and a full disk, for real: the bot is a separate process killed with SIGKILL while it
indexes a watch-folder batch and again while it fans out an alert; the index lives on a tmpfs
too small for a second generation. Nothing half-written may go live and no alert may be lost."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from bot.broadcaster import CONCURRENCY
from bot.storage import Storage
from bot.storage.document_log import PENDING
from index.builder import update_index
from index.cleaning import clean_document
from index.documents import RawDocument
from index.settings import DEFAULT_MODEL, REPO_ROOT, IndexSettings
from index.store import IndexSnapshot, read_current
from rag.answering.engine import AnswerEngine
from rag.settings import RagSettings
from tests.bot_harness import private_index
from tests.telegram_server import FakeTelegram

SUBSCRIBERS = list(range(9001, 9031))
ALERT_RATE = 6.0  # 30 alerts take 5 s: time enough to kill the bot in the middle

AGREEMENT = """Екатеринбург и компания «Уральские локомотивы» подписали соглашение о выпуске \
электробусов

03.06.2024

Администрация Екатеринбурга и компания «Уральские локомотивы» подписали соглашение о выпуске \
электробусов для городского транспорта. Документ подписали глава города Алексей Орлов и \
генеральный директор компании Антон Зубихин. Первые 40 машин выйдут на маршруты в 2025 году.
"""


def _filler(n: int) -> str:
    """Ordinary news that makes the batch take a while to embed."""
    sentences = " ".join(
        f"В районе номер {n} за неделю отремонтировали {n + k} дворов и {k} детских площадок."
        for k in range(1, 40)
    )
    return f"Ремонт дворов в районе {n}\n\n01.06.2024\n\n{sentences}\n"


@pytest.fixture
def tg(fake_telegram: FakeTelegram) -> FakeTelegram:
    return fake_telegram


def _environment(
    tg: FakeTelegram, data_dir: Path, db_url: str, watch: Path, model_dir: Path
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        NEWSBOT_BOT_TOKEN=tg.token,
        NEWSBOT_TELEGRAM_API_URL=tg.base_url,
        NEWSBOT_DATA_DIR=str(data_dir),
        NEWSBOT_MODEL_DIR=str(model_dir),
        NEWSBOT_EMBEDDING_MODEL=DEFAULT_MODEL,
        NEWSBOT_DATABASE_URL=db_url,
        NEWSBOT_WATCH_DIR=str(watch),
        NEWSBOT_POLL_SECONDS="0.3",
        NEWSBOT_ALERT_RATE_PER_S=str(ALERT_RATE),
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


@contextmanager
def _bot_process(env: dict[str, str], cwd: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`newsbot bot` as its own process (cwd outside the repo: no developer `.env`)."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "bot"], env=env, cwd=cwd, stdout=out, stderr=out
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def _alerts(tg: FakeTelegram) -> Counter[int]:
    """Alert messages received per subscriber."""
    return Counter(
        user for user in SUBSCRIBERS for m in tg.sent(user) if m["text"].startswith("🤝")
    )


def _assert_whole_documents(index_dir: Path) -> IndexSnapshot:
    """The live index loads, and each document is in it with all its chunks or not at all."""
    snapshot = IndexSnapshot.load(index_dir)
    for doc_id in snapshot.documents:
        numbers = [c.n for c in snapshot.chunks_of(doc_id)]
        assert numbers == list(range(len(numbers))) and numbers, doc_id
    return snapshot


@asynccontextmanager
async def _storage(url: str) -> AsyncIterator[Storage]:
    storage = await Storage.open(url)
    try:
        yield storage
    finally:
        await storage.close()


async def test_kill_9_while_indexing_and_while_alerting_loses_no_alert(
    tg: FakeTelegram, bundled_index: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> None:
    source, _ = bundled_index
    settings = private_index(source, tmp_path / "data")
    watch = tmp_path / "watch"
    watch.mkdir()
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    async with _storage(db_url) as storage:
        for user in SUBSCRIBERS:
            await storage.touch_user(user, user, "ru")
            await storage.subscribe(user, user, None)
    env = _environment(tg, settings.data_dir, db_url, watch, source.model_dir)
    log = tmp_path / "bot.log"
    started = 0

    async def start() -> None:
        nonlocal started
        started += 1
        await _until(
            lambda: sum(c.method == "setMyCommands" for c in tg.calls) >= 2 * started,
            120,
            f"bot start {started}",
        )

    # 1. Killed while it indexes a batch: the batch was noticed (its documents are logged as
    #    pending) and the new generation is not complete.
    live_before = read_current(settings.index_dir)
    with _bot_process(env, tmp_path, log) as proc:
        await start()
        for n in range(12):
            (watch / f"yards_{n}.txt").write_text(_filler(n), encoding="utf-8")
        (watch / "ekb_buses.txt").write_text(AGREEMENT, encoding="utf-8")
        async with _storage(db_url) as storage:
            deadline = time.monotonic() + 60
            while not await storage.documents.versions(PENDING):
                assert time.monotonic() < deadline, "the batch was never picked up"
                await asyncio.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    snapshot = _assert_whole_documents(settings.index_dir)
    assert not any(_alerts(tg).values())
    batch = {f"yards_{n}" for n in range(12)} | {"ekb_buses"}
    in_index = batch & snapshot.documents.keys()
    assert in_index in (set(), batch), "a batch is one generation: all of it or none"
    if not in_index:
        assert read_current(settings.index_dir) == live_before

    # 2. Restarted: the batch is indexed and the alert fans out; killed in the middle of it.
    with _bot_process(env, tmp_path, log) as proc:
        await start()
        await _until(lambda: sum(_alerts(tg).values()) >= 8, 180, "the fan-out to begin")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    before_restart = _alerts(tg)
    assert len(before_restart) < len(SUBSCRIBERS), "killed too late: the fan-out had finished"
    assert _assert_whole_documents(settings.index_dir).documents.keys() >= batch

    # 3. Restarted again: every subscriber gets the alert; only sends in flight may repeat.
    with _bot_process(env, tmp_path, log) as proc:
        await start()
        await _until(lambda: len(_alerts(tg)) == len(SUBSCRIBERS), 120, "every subscriber")
        async with _storage(db_url) as storage:
            deadline = time.monotonic() + 30
            while await storage.outbox.pending():
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
            assert await storage.alerts_sent() == len(SUBSCRIBERS)
        await asyncio.sleep(1.0)  # anything still to come would come now
        assert proc.poll() is None, log.read_text()[-3000:]
    received = _alerts(tg)
    assert set(received) == set(SUBSCRIBERS)
    repeated = [u for u, n in received.items() if n > 1]
    assert all(received[u] == 2 for u in repeated)
    assert len(repeated) <= CONCURRENCY, "only the sends in flight at the kill may repeat"
    assert all(before_restart[u] == 1 for u in repeated), "a repeat is of an interrupted send"


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@contextmanager
def _small_tmpfs(where: Path, size_bytes: int) -> Iterator[Path]:
    where.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(where)]
    subprocess.run(mount, check=True, capture_output=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_mid_generation_leaves_the_previous_index_live_and_answering(
    bundled_index: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> None:
    source, engine = bundled_index
    size = _du(source.index_dir)
    # Room for the live generation and a third of another: the next write runs out mid-way.
    with _small_tmpfs(tmp_path / "disk", size + size // 3 + 64 * 1024) as disk:
        settings = source.model_copy(update={"data_dir": disk})
        shutil.copytree(source.index_dir, settings.index_dir)
        live = read_current(settings.index_dir)
        raw = RawDocument(doc_id="extra", text=AGREEMENT, source="extra.txt")
        document = clean_document(raw)
        assert document is not None
        # ENOSPC, or numpy's own "N requested and M written" for a short write
        with pytest.raises(OSError):
            update_index(
                settings,
                engine.embedder,
                [document],
                second_embedder=engine.second_embedder,
                progress=False,
            )
        assert shutil.disk_usage(disk).free > size // 3, "the partial generation is gone"
        assert read_current(settings.index_dir) == live
        assert [p.name for p in settings.index_dir.iterdir() if p.is_dir()] == [live]
        reloaded = AnswerEngine.from_settings(
            settings,
            RagSettings(),
            embedder=engine.embedder,
            second_embedder=engine.second_embedder,
            ner=engine.ner,
        )
        answer = reloaded.ask("Кто подписал соглашение с ZGC?")
        assert answer.answered and "extra" not in reloaded.retriever.snapshot.documents
