"""Build a folder under a lock and swap it in whole, so no reader ever meets half of one.

Both provisioned models (the fp32 folder and its int8 graph) are built this way: in a temp
folder next to the target, fsynced, a marker written last, then renamed into place. A killed
build leaves only a temp folder, which the next build removes.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)


def build_folder(
    target: Path,
    marker_name: str,
    marker_text: str,
    write: Callable[[Path], None],
    *,
    is_current: Callable[[], bool],
    force: bool = False,
) -> Path:
    """Unless `is_current()` (and not `force`), build `target` with `write(tmp)` and swap it in."""
    if not force and is_current():
        log.debug("%s is up to date", target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f".{target.name}.lock"):
        if not force and is_current():  # another process just built it
            return target
        _remove_leftovers(target)
        started = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide the model from other users of the cache
        try:
            write(tmp)
            _fsync_tree(tmp)  # contents are on disk before the marker vouches for them
            (tmp / marker_name).write_text(marker_text, encoding="utf-8")
            _fsync_tree(tmp, only=marker_name)
            _replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        log.info("built %s in %.1f s", target, time.perf_counter() - started)
    return target


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Serialise builds across processes (test runs share the model folder)."""
    with lock_path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _remove_leftovers(target: Path) -> None:
    """Temp folders of builds that were killed (a clean failure removes its own)."""
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for leftover in target.parent.glob(pattern):
            log.info("removing leftover %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def _fsync_tree(root: Path, only: str | None = None) -> None:
    for path in sorted(root.rglob(only or "*")):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())


def _replace_dir(new: Path, target: Path) -> None:
    """Swap `new` in for `target`; at no point does a partial folder sit at `target`."""
    old: Path | None = None
    if target.exists() or target.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / target.name)
    os.rename(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
