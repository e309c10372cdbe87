"""Thread counts set once at start-up hold while questions and an index update run together.

Each count is sampled where it can be seen: torch's process-wide default by a new thread (a
thread takes it on its first torch call), FAISS's BLAS threshold (a process-wide variable) in a
loop, and each working thread's own torch and OpenMP counts by that thread after its calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import faiss
import pytest
import torch

from index import runtime
from index.builder import update_index
from index.settings import DEFAULT_MODEL, REPO_ROOT, IndexSettings
from index.sources import load_sources
from index.torch_embedder import SentenceTransformerEmbedder
from rag.answering.engine import AnswerEngine
from rag.settings import RagSettings

CORPUS = REPO_ROOT / "data" / "corpus"
ANSWERED = [CORPUS / "002_60889c1be321c126.txt"]
# Three articles (~4,000 tokens) into a new index: the update trains a token codec too.
UPDATED = [CORPUS / n for n in ("000_d237f05f24a2a3fe.txt", "003_cb4dde055d3175f6.txt")]
UPDATED.append(CORPUS / "004_745224c9cbb4e30e.txt")
QUESTIONS = ["What will Moscow share with Beijing?", "С кем Москва поделится инновациями?"]


@pytest.fixture
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Later tests get this process's thread counts back."""
    before = torch.get_num_threads(), faiss.omp_get_max_threads()
    monkeypatch.setattr(runtime, "_faiss_threads", None)
    monkeypatch.setattr(runtime, "_applied", threading.local())
    yield
    torch.set_num_threads(before[0])
    faiss.omp_set_num_threads(before[1])


def settings_at(root: Path, embedding_threads: int = 2, query_threads: int = 1) -> IndexSettings:
    return IndexSettings(
        data_dir=root,
        embedding_model=DEFAULT_MODEL,
        second_embedder="none",
        embedding_threads=embedding_threads,
        query_threads=query_threads,
    )


def test_the_count_depends_on_what_the_process_does(tmp_path: Path) -> None:
    settings = settings_at(tmp_path, embedding_threads=3, query_threads=2)
    assert runtime.thread_count(settings) == 2  # the bot, ask, chat, check
    assert runtime.thread_count(settings, indexing=True) == 3  # index, eval
    assert runtime.thread_count(settings_at(tmp_path, query_threads=0)) == 1


def test_each_thread_takes_the_configured_faiss_count(tmp_path: Path, restored: None) -> None:
    """OpenMP's count is per thread: the one set at start-up reaches a pool thread through its
    first FAISS call."""
    runtime.configure_threads(settings_at(tmp_path, query_threads=1))
    assert torch.get_num_threads() == faiss.omp_get_max_threads() == 1
    seen: list[int] = []

    def search() -> None:
        runtime.use_faiss_threads()
        seen.append(faiss.omp_get_max_threads())

    worker = threading.Thread(target=search)
    worker.start()
    worker.join()
    assert seen == [1]


@pytest.mark.slow
def test_thread_counts_hold_while_questions_and_an_update_run(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, restored: None
) -> None:
    answered = settings_at(tmp_path / "answered")
    first = load_sources([str(p) for p in ANSWERED]).documents
    update_index(answered, embedder, first, progress=False)
    engine = AnswerEngine.from_settings(answered, RagSettings(), embedder=embedder)
    n = runtime.configure_threads(answered)  # what the bot's start-up does: query_threads
    assert n == 1
    threshold = faiss.cvar.distance_compute_blas_threshold
    documents = load_sources([str(p) for p in UPDATED]).documents

    updating = threading.Event()
    done = threading.Event()
    own: list[tuple[str, int, int]] = []  # (thread, its torch count, its OpenMP count)
    defaults: list[int] = []  # torch's count as a new thread finds it
    thresholds: set[int] = set()
    during_update: list[int] = []  # answers finished while the update ran
    errors: list[BaseException] = []

    def own_counts(name: str) -> None:
        own.append((name, torch.get_num_threads(), faiss.omp_get_max_threads()))

    def answer(i: int) -> None:
        try:
            asked = 0
            while not done.is_set() or asked < 2:
                engine.ask(QUESTIONS[(asked + i) % len(QUESTIONS)])
                asked += 1
                own_counts("answer")
                if updating.is_set() and not done.is_set():
                    during_update.append(i)
        except BaseException as exc:
            errors.append(exc)

    def index() -> None:
        try:
            time.sleep(0.5)  # both answer threads are busy by now
            updating.set()
            update_index(settings_at(tmp_path / "updated"), embedder, documents, progress=False)
            own_counts("index")
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def watch_threshold() -> None:
        while not done.is_set():
            thresholds.add(faiss.cvar.distance_compute_blas_threshold)
            time.sleep(0.0002)

    def watch_default() -> None:
        while not done.is_set():
            fresh = threading.Thread(target=lambda: defaults.append(torch.get_num_threads()))
            fresh.start()
            fresh.join()
            time.sleep(0.002)

    workers = [threading.Thread(target=answer, args=(i,)) for i in range(2)]
    workers += [threading.Thread(target=f) for f in (index, watch_threshold, watch_default)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert not errors, errors
    assert len(during_update) >= 2 and len(defaults) >= 20  # they did run at the same time
    assert thresholds == {threshold}
    assert set(defaults) == {n}
    assert {(name, t, f) for name, t, f in own} == {("answer", n, n), ("index", n, n)}
