"""Where a generation's files live: their names, generation naming, the CURRENT pointer and the
removal of stale generations.

A writer fills a fresh `gen-*` directory and only then points `CURRENT` at it with `os.replace`,
so readers always see a complete generation; anything else under `index_dir` that looks like a
generation or a CURRENT temp file is left over from an interrupted write and may be deleted.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path

from index.errors import CorruptIndexError, IndexMissingError

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
MANIFEST_FILE = "manifest.json"
VECTORS_FILE = "vectors.npy"
SENTENCE_VECTORS_FILE = "sentence_vectors.npy"
FAISS_FILE = "faiss.index"
SQLITE_FILE = "meta.sqlite"
SECOND_VECTORS_FILE = "use_vectors.npy"
TOKEN_CODES_FILE = "token_codes.npy"
TOKEN_OFFSETS_FILE = "token_offsets.npy"
TOKEN_CODEBOOK_FILE = "token_codebook.npy"
TOKEN_FILES = (TOKEN_CODES_FILE, TOKEN_OFFSETS_FILE, TOKEN_CODEBOOK_FILE)
# Optional beside the token files: generations written before they were stored lack it.
TOKEN_MIDDLES_FILE = "token_middles.npy"
SHINGLES_FILE = "shingles.npy"
SHINGLE_OFFSETS_FILE = "shingle_offsets.npy"
SHINGLE_FILES = (SHINGLES_FILE, SHINGLE_OFFSETS_FILE)
DATA_FILES = (VECTORS_FILE, SENTENCE_VECTORS_FILE, FAISS_FILE, SQLITE_FILE)

GEN_PREFIX = "gen-"
GEN_NAME = re.compile(r"^gen-\d{8}T\d{6}_\d{6}Z-[0-9a-f]{8}$")
TMP_CURRENT_PREFIX = f".{CURRENT_FILE}.tmp-"


def corrupt(gen_dir: Path, detail: str) -> CorruptIndexError:
    """The error for a generation that cannot be trusted (its message names the fix)."""
    return CorruptIndexError(str(gen_dir), detail)


def read_current(index_dir: Path) -> str:
    """The live generation's directory name; IndexMissingError when there is none yet."""
    path = index_dir / CURRENT_FILE
    try:
        name = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissingError(str(index_dir)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorruptIndexError(str(index_dir), f"cannot read {CURRENT_FILE}: {exc}") from exc
    if not GEN_NAME.fullmatch(name):
        raise CorruptIndexError(str(index_dir), f"{CURRENT_FILE} names {name[:80]!r}")
    return name


def current_or_none(index_dir: Path) -> str | None:
    """The live generation's name, or None when CURRENT is missing or unusable."""
    try:
        return read_current(index_dir)
    except (IndexMissingError, CorruptIndexError):
        return None


def new_generation_name() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S_%fZ")
    return f"{GEN_PREFIX}{stamp}-{secrets.token_hex(4)}"


def remove_stale(index_dir: Path, keep: str | None) -> None:
    """Delete every generation but `keep`, and temp files of interrupted writes."""
    for entry in index_dir.iterdir():
        stale_gen = entry.name.startswith(GEN_PREFIX) and entry.name != keep
        if stale_gen and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        elif stale_gen or entry.name.startswith(TMP_CURRENT_PREFIX):
            with contextlib.suppress(OSError):
                entry.unlink()


def switch_current(index_dir: Path, name: str) -> None:
    """Point CURRENT at `name` atomically; the caller fsyncs `index_dir` afterwards."""
    tmp = index_dir / f"{TMP_CURRENT_PREFIX}{secrets.token_hex(4)}"
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, index_dir / CURRENT_FILE)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
