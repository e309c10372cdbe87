"""The one-writer lock on an index directory: flock, re-entrant within one thread.

Re-entrancy lets the builder hold the lock across read-embed-write while `write_generation`
takes it again; flock itself would deadlock on a second descriptor.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from index.errors import IndexError_
from index.store.layout import LOCK_FILE


class IndexBusyError(IndexError_):
    """Another writer holds the index lock; two writers would lose each other's updates."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"Another `newsbot index` is updating the index at {path}; wait for it to finish."
        )


_lock_guard = threading.Lock()
_locks_held: dict[Path, tuple[int, int, int]] = {}  # dir -> (thread ident, depth, fd)


def _reenter(key: Path) -> bool:
    """Count one more hold when this thread has the lock already."""
    me = threading.get_ident()
    with _lock_guard:
        held = _locks_held.get(key)
        if held is None or held[0] != me:
            return False
        _locks_held[key] = (me, held[1] + 1, held[2])
        return True


def _release_reentered(key: Path) -> None:
    with _lock_guard:
        owner, depth, fd = _locks_held[key]
        _locks_held[key] = (owner, depth - 1, fd)


def _acquire(index_dir: Path, key: Path, timeout_s: float) -> int:
    """flock `key`'s lock file, polling until `timeout_s`; the descriptor holding it."""
    fd = os.open(key / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusyError(str(index_dir)) from exc
                time.sleep(0.1)
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout_s: float = 0.0) -> Iterator[None]:
    """Exclusive writer lock on `index_dir` (flock), re-entrant within one thread."""
    index_dir.mkdir(parents=True, exist_ok=True)
    key = index_dir.resolve()
    if _reenter(key):
        try:
            yield
        finally:
            _release_reentered(key)
        return
    fd = _acquire(index_dir, key, timeout_s)
    with _lock_guard:
        _locks_held[key] = (threading.get_ident(), 1, fd)
    try:
        yield
    finally:
        with _lock_guard:
            del _locks_held[key]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
