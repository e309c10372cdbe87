"""Persistence of index generations and loading the live one as a read-only snapshot.

Layout under `index_dir`::

    CURRENT                      names the live generation directory (replaced atomically)
    .lock                        flock'ed by the one writer
    gen-<utc timestamp>-<hex>/   manifest.json, vectors.npy, sentence_vectors.npy, faiss.index,
                                 meta.sqlite, use_vectors.npy when a second embedder is set,
                                 token_codes.npy + token_offsets.npy + token_codebook.npy when
                                 the embedder gives token states

`vectors.npy` holds one row per chunk (what FAISS searches); `sentence_vectors.npy` one row per
sentence of every document (the `sentences` table gives its document and offsets), embedded
once at indexing time so that answering a question only reads them. `use_vectors.npy`, when
the manifest names a second embedder, holds one row per chunk from that model (a fusion channel,
see index/second_embedder.py); a format-2 manifest without that entry simply has no second
channel, so older generations still load. The token files (index/tokens.py) hold each chunk's
product-quantised token states for late-interaction re-ranking: codes of all chunks in row order,
`offsets[i]:offsets[i + 1]` being chunk i's, and the codebook they were coded with.

A generation is never modified after it is written: a writer fills a fresh directory, fsyncs it,
and only then points `CURRENT` at it with `os.replace`, so readers always see a complete
generation and a crash (or a full disk) at any point leaves the previous one live. Nothing is
pickled: vectors are `.npy` without pickle, metadata is SQLite, the manifest JSON.

The module separates pure parts (manifest parsing, input validation, choosing and tuning the
FAISS index) from the I/O around them, so the former can be reasoned about on their own.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
import numpy.typing as npt

from index.documents import Chunk, Document, SentenceSpan
from index.embedder import EmbedderIdentity, Vectors
from index.errors import (
    CorruptIndexError,
    IncompatibleIndexError,
    IndexError_,
    IndexMissingError,
    OutdatedIndexError,
)
from index.runtime import use_faiss_threads
from index.settings import IndexSettings
from index.tokens import ChunkTokens, TokenCodec

log = logging.getLogger(__name__)

# 2: sentence vectors and the `sentences` table (a format-1 index needs `--rebuild`). The optional
# second channel (`second_embedder`, `use_vectors.npy`) was added within format 2: absent = none.
# 3: chunk vectors embed "title\ntext" (`passage_text`) and token states may be stored; an older
# generation is re-embedded by the next `newsbot index` (OutdatedIndexError).
FORMAT_VERSION = 3
SUPPORTED_FORMAT_VERSIONS = frozenset({FORMAT_VERSION})

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
DATA_FILES = (VECTORS_FILE, SENTENCE_VECTORS_FILE, FAISS_FILE, SQLITE_FILE)

_GEN_PREFIX = "gen-"
_GEN_NAME = re.compile(r"^gen-\d{8}T\d{6}_\d{6}Z-[0-9a-f]{8}$")
_TMP_CURRENT_PREFIX = f".{CURRENT_FILE}.tmp-"

IndexKind = Literal["flat", "hnsw"]
INDEX_KINDS: tuple[IndexKind, ...] = ("flat", "hnsw")

# HNSW parameters; bench/ann_recall.py measured recall@10 against exact search for these.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_CANDIDATES = (64, 128, 256, 512)
TARGET_RECALL_AT_10 = 0.95
_TUNING_QUERIES = 200
_TUNING_SEED = 1234

SearchHits = list[list[tuple[int, float]]]


class IndexBusyError(IndexError_):
    """Another writer holds the index lock; two writers would lose each other's updates."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"Another `newsbot index` is updating the index at {path}; wait for it to finish."
        )


# --------------------------------------------------------------------------------------------
# Pure parts: manifest, validation, index kind.


class ManifestError(ValueError):
    """A manifest that does not have the expected shape (the caller maps it to corruption)."""


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """Everything needed to check a generation before trusting it."""

    format_version: int
    identity: EmbedderIdentity
    created_at: str
    n_documents: int
    n_chunks: int
    n_sentences: int
    chunk_max_chars: int
    chunk_overlap_sentences: int
    index_kind: IndexKind
    index_params: dict[str, float] = field(default_factory=dict)
    files: dict[str, FileDigest] = field(default_factory=dict)
    second_identity: EmbedderIdentity | None = None  # the model of use_vectors.npy, if any
    token_layer: int | None = None  # the hidden layer of the stored token states, if any

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "created_at": self.created_at,
            "embedder": self.identity.as_dict(),
            "second_embedder": (
                self.second_identity.as_dict() if self.second_identity is not None else None
            ),
            "tokens": None if self.token_layer is None else {"layer": self.token_layer},
            "counts": {
                "documents": self.n_documents,
                "chunks": self.n_chunks,
                "sentences": self.n_sentences,
            },
            "chunking": {
                "max_chars": self.chunk_max_chars,
                "overlap_sentences": self.chunk_overlap_sentences,
            },
            "faiss": {"kind": self.index_kind, "params": dict(self.index_params)},
            "files": {
                name: {"sha256": d.sha256, "size": d.size} for name, d in self.files.items()
            },
        }


def _get(obj: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise ManifestError(f"manifest lacks {key!r}")
    value = obj[key]
    # bool is an int subclass; a count of `true` is still malformed.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ManifestError(f"manifest field {key!r} has the wrong type")
    return value


def manifest_format_version(raw: Any) -> int:
    """The format version alone, read first so that a newer format is reported as such."""
    version: int = _get(raw, "format_version", int)
    return version


def _parse_identity(emb: Any) -> EmbedderIdentity:
    return EmbedderIdentity(
        model=_get(emb, "model", str), backend=_get(emb, "backend", str), dim=_get(emb, "dim", int)
    )


def parse_manifest(raw: Any) -> Manifest:
    """Validate decoded manifest JSON; raises ManifestError on any deviation.

    A missing `second_embedder` (a generation written before it existed) means no second channel.
    """
    version = manifest_format_version(raw)
    identity = _parse_identity(_get(raw, "embedder", dict))
    second_raw = raw.get("second_embedder")
    second = None if second_raw is None else _parse_identity(_get(raw, "second_embedder", dict))
    tokens_raw = raw.get("tokens")
    token_layer = None if tokens_raw is None else int(_get(tokens_raw, "layer", int))
    counts = _get(raw, "counts", dict)
    chunking = _get(raw, "chunking", dict)
    fa = _get(raw, "faiss", dict)
    kind = _get(fa, "kind", str)
    if kind not in INDEX_KINDS:
        raise ManifestError(f"unknown faiss index kind {kind!r}")
    params = _get(fa, "params", dict)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in params.values()):
        raise ManifestError("faiss params must be numbers")
    files_raw = _get(raw, "files", dict)
    files: dict[str, FileDigest] = {}
    if second is None and SECOND_VECTORS_FILE in files_raw:
        raise ManifestError(f"{SECOND_VECTORS_FILE} is listed without a second embedder")
    if token_layer is None and any(name in files_raw for name in TOKEN_FILES):
        raise ManifestError("token files are listed without a token layer")
    expected_files = [
        *DATA_FILES,
        *([SECOND_VECTORS_FILE] if second is not None else []),
        *(TOKEN_FILES if token_layer is not None else ()),
    ]
    for name in expected_files:
        entry = _get(files_raw, name, dict)
        sha = _get(entry, "sha256", str)
        if not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise ManifestError(f"bad sha256 for {name}")
        files[name] = FileDigest(sha256=sha, size=_get(entry, "size", int))
    manifest = Manifest(
        format_version=version,
        identity=identity,
        created_at=_get(raw, "created_at", str),
        n_documents=_get(counts, "documents", int),
        n_chunks=_get(counts, "chunks", int),
        n_sentences=_get(counts, "sentences", int),
        chunk_max_chars=_get(chunking, "max_chars", int),
        chunk_overlap_sentences=_get(chunking, "overlap_sentences", int),
        index_kind=kind,
        index_params={str(k): v for k, v in params.items()},
        files=files,
        second_identity=second,
        token_layer=token_layer,
    )
    dims = [identity.dim, *([second.dim] if second is not None else [])]
    counts_ = (manifest.n_documents, manifest.n_chunks, manifest.n_sentences, token_layer or 0)
    if min(*counts_, min(dims) - 1) < 0:
        raise ManifestError("negative count or non-positive dimension")
    return manifest


def choose_index_kind(n_chunks: int, exact_search_max_chunks: int) -> IndexKind:
    """Exact search while it is fast enough, HNSW past that (see bench/ann_recall.py)."""
    return "flat" if n_chunks <= exact_search_max_chunks else "hnsw"


def _validate_vectors(what: str, vectors: npt.NDArray[Any], rows: int, dim: int) -> None:
    if vectors.dtype != np.float32 or vectors.ndim != 2:
        raise ValueError(
            f"{what} vectors must be 2-D float32, got {vectors.dtype} {vectors.shape}"
        )
    if vectors.shape != (rows, dim):
        raise ValueError(f"{what} vectors shape {vectors.shape} != ({rows} {what}s, dim {dim})")
    if not np.isfinite(vectors).all():
        raise ValueError(f"{what} vectors contain NaN or infinity")


def validate_generation(
    identity: EmbedderIdentity,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: npt.NDArray[Any],
    sentences: Sequence[SentenceSpan],
    sentence_vectors: npt.NDArray[Any],
    second_identity: EmbedderIdentity | None = None,
    second_vectors: npt.NDArray[Any] | None = None,
    tokens: ChunkTokens | None = None,
) -> None:
    """Reject inconsistent input before anything touches the disk (ValueError: a caller bug)."""
    _validate_vectors("chunk", vectors, len(chunks), identity.dim)
    if tokens is not None:
        problem = tokens.check(len(chunks), identity.dim)
        if problem is not None:
            raise ValueError(problem)
    _validate_vectors("sentence", sentence_vectors, len(sentences), identity.dim)
    if (second_identity is None) != (second_vectors is None):
        raise ValueError("second vectors and the second embedder's identity go together")
    if second_identity is not None and second_vectors is not None:
        _validate_vectors("second chunk", second_vectors, len(chunks), second_identity.dim)
    by_id: dict[str, Document] = {}
    for doc in documents:
        if doc.doc_id in by_id:
            raise ValueError(f"duplicate doc_id {doc.doc_id!r}")
        by_id[doc.doc_id] = doc
    seen: set[str] = set()
    for chunk in chunks:
        if chunk.chunk_id in seen:
            raise ValueError(f"duplicate chunk_id {chunk.chunk_id!r}")
        seen.add(chunk.chunk_id)
        owner = by_id.get(chunk.doc_id)
        if owner is None:
            raise ValueError(f"chunk {chunk.chunk_id!r} refers to unknown doc {chunk.doc_id!r}")
        if owner.text[chunk.start : chunk.end] != chunk.text:
            raise ValueError(f"chunk {chunk.chunk_id!r} does not match its document's text")
    spans: set[SentenceSpan] = set()
    for sentence in sentences:
        if sentence in spans:
            raise ValueError(f"duplicate sentence {sentence}")
        spans.add(sentence)
        owner = by_id.get(sentence.doc_id)
        if owner is None:
            raise ValueError(f"sentence {sentence} refers to an unknown document")
        if not 0 <= sentence.start < sentence.end <= len(owner.text):
            raise ValueError(f"sentence {sentence} lies outside its document's text")


def build_faiss_index(vectors: Vectors, kind: IndexKind) -> tuple[faiss.Index, dict[str, float]]:
    """The search structure over `vectors` (inner product == cosine for unit rows)."""
    use_faiss_threads()
    dim = vectors.shape[1]
    if kind == "flat":
        flat = faiss.IndexFlatIP(dim)
        flat.add(vectors)
        return flat, {}
    hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.add(vectors)
    ef, recall = tune_ef_search(hnsw, vectors)
    hnsw.hnsw.efSearch = ef
    params = {
        "M": float(HNSW_M),
        "ef_construction": float(HNSW_EF_CONSTRUCTION),
        "ef_search": float(ef),
        "measured_recall_at_10": round(recall, 4),
    }
    return hnsw, params


def tune_ef_search(index: Any, vectors: Vectors) -> tuple[int, float]:
    """Smallest efSearch whose recall@10 vs exact search reaches the target on this data.

    Queries are perturbed copies of stored rows (a stored row itself would be found trivially),
    so the estimate reflects this corpus rather than the synthetic benchmark.
    """
    n, dim = vectors.shape
    k = min(10, n)
    rng = np.random.default_rng(_TUNING_SEED)
    rows = rng.choice(n, size=min(_TUNING_QUERIES, n), replace=False)
    queries = vectors[rows] + rng.standard_normal((len(rows), dim)).astype(np.float32) * (
        0.5 / np.sqrt(dim)
    )
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    exact = faiss.IndexFlatIP(dim)
    exact.add(vectors)
    truth = exact.search(queries, k)[1]
    recall = 0.0
    for ef in HNSW_EF_CANDIDATES:
        index.hnsw.efSearch = ef
        found = index.search(queries, k)[1]
        hits = sum(
            len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True)
        )
        recall = hits / truth.size
        if recall >= TARGET_RECALL_AT_10:
            return ef, recall
    log.warning("HNSW recall@10 %.3f below target even at efSearch=%d", recall, ef)
    return HNSW_EF_CANDIDATES[-1], recall


# --------------------------------------------------------------------------------------------
# Low-level I/O helpers.


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_digest(path: Path) -> FileDigest:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            sha.update(block)
            size += len(block)
    return FileDigest(sha256=sha.hexdigest(), size=size)


_lock_guard = threading.Lock()
_locks_held: dict[Path, tuple[int, int, int]] = {}  # dir -> (thread ident, depth, fd)


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout_s: float = 0.0) -> Iterator[None]:
    """Exclusive writer lock on `index_dir` (flock), re-entrant within one thread.

    Re-entrancy lets the builder hold the lock across read-embed-write while
    `write_generation` takes it again; flock itself would deadlock on a second descriptor.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    key = index_dir.resolve()
    me = threading.get_ident()
    with _lock_guard:
        held = _locks_held.get(key)
        if held is not None and held[0] == me:
            _locks_held[key] = (me, held[1] + 1, held[2])
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _lock_guard:
                owner, depth, fd = _locks_held[key]
                _locks_held[key] = (owner, depth - 1, fd)
        return

    fd = os.open(key / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusyError(str(index_dir)) from exc
                time.sleep(0.1)
    except BaseException:
        os.close(fd)
        raise
    with _lock_guard:
        _locks_held[key] = (me, 1, fd)
    try:
        yield
    finally:
        with _lock_guard:
            del _locks_held[key]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_current(index_dir: Path) -> str:
    """The live generation's directory name; IndexMissingError when there is none yet."""
    path = index_dir / CURRENT_FILE
    try:
        name = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissingError(str(index_dir)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorruptIndexError(str(index_dir), f"cannot read {CURRENT_FILE}: {exc}") from exc
    if not _GEN_NAME.fullmatch(name):
        raise CorruptIndexError(str(index_dir), f"{CURRENT_FILE} names {name[:80]!r}")
    return name


def is_up_to_date(index_dir: Path) -> bool:
    """A live generation exists and is in this version's format (read from its manifest only,
    so `newsbot index --if-missing` stays instant on a large index)."""
    try:
        gen_dir = index_dir / read_current(index_dir)
        raw = json.loads((gen_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        return manifest_format_version(raw) == FORMAT_VERSION
    except (IndexError_, OSError, ValueError, ManifestError):
        return False


def _new_generation_name() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S_%fZ")
    return f"{_GEN_PREFIX}{stamp}-{secrets.token_hex(4)}"


def _remove_stale(index_dir: Path, keep: str | None) -> None:
    """Delete every generation but `keep`, and temp files of interrupted writes."""
    for entry in index_dir.iterdir():
        stale_gen = entry.name.startswith(_GEN_PREFIX) and entry.name != keep
        if stale_gen and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        elif stale_gen or entry.name.startswith(_TMP_CURRENT_PREFIX):
            with contextlib.suppress(OSError):
                entry.unlink()


def _current_or_none(index_dir: Path) -> str | None:
    try:
        return read_current(index_dir)
    except (IndexMissingError, CorruptIndexError):
        return None


_CREATE_SQL = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, date TEXT, source TEXT NOT NULL,
    language TEXT NOT NULL, content_hash TEXT NOT NULL, story_id TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE chunks (
    "row" INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id), n INTEGER NOT NULL,
    "start" INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE TABLE sentences (
    "row" INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    "start" INTEGER NOT NULL, "end" INTEGER NOT NULL
);
"""


def _write_sqlite(
    path: Path,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    sentences: Sequence[SentenceSpan],
    stories: Mapping[str, str],
) -> None:
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("PRAGMA synchronous=FULL")
        con.executescript(_CREATE_SQL)
        with con:
            con.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        d.doc_id,
                        d.title,
                        d.date,
                        d.source,
                        d.language,
                        d.content_hash,
                        stories.get(d.doc_id, d.doc_id),
                        d.text,
                    )
                    for d in documents
                ),
            )
            con.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (row, c.chunk_id, c.doc_id, c.n, c.start, c.end, c.text)
                    for row, c in enumerate(chunks)
                ),
            )
            con.executemany(
                "INSERT INTO sentences VALUES (?, ?, ?, ?)",
                ((row, s.doc_id, s.start, s.end) for row, s in enumerate(sentences)),
            )
    finally:
        con.close()


def _write_vectors(path: Path, vectors: Vectors) -> None:
    with path.open("wb") as f:
        np.save(f, vectors, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def _write_faiss(path: Path, index: faiss.Index) -> None:
    faiss.write_index(index, str(path))


def _write_manifest(path: Path, manifest: Manifest) -> None:
    with path.open("w", encoding="utf-8") as f:
        json.dump(manifest.to_json(), f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _switch_current(index_dir: Path, name: str) -> None:
    """Point CURRENT at `name` atomically; the caller fsyncs `index_dir` afterwards."""
    tmp = index_dir / f"{_TMP_CURRENT_PREFIX}{secrets.token_hex(4)}"
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


def write_generation(
    index_dir: Path,
    identity: EmbedderIdentity,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: Vectors,
    stories: Mapping[str, str],
    settings: IndexSettings,
    *,
    sentences: Sequence[SentenceSpan],
    sentence_vectors: Vectors,
    second_identity: EmbedderIdentity | None = None,
    second_vectors: Vectors | None = None,
    tokens: ChunkTokens | None = None,
) -> Path:
    """Write a complete new generation, make it live, and delete older ones.

    `chunks[i]` is described by `vectors[i]` (and by `second_vectors[i]`, from the embedder
    `second_identity`, when given) and `sentences[i]` by `sentence_vectors[i]`;
    `stories` maps doc_id -> story id (a doc missing from it is its own story). Returns the new
    generation directory. On any exception the previous generation stays live and the partial
    directory is removed (or, after a crash, removed by the next write).
    """
    validate_generation(
        identity,
        documents,
        chunks,
        vectors,
        sentences,
        sentence_vectors,
        second_identity,
        second_vectors,
        tokens,
    )
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    sentence_vectors = np.ascontiguousarray(sentence_vectors, dtype=np.float32)
    with writer_lock(index_dir):
        try:
            _remove_stale(index_dir, keep=read_current(index_dir))
        except IndexMissingError:
            _remove_stale(index_dir, keep=None)
        except CorruptIndexError:
            pass  # which generation is live is unclear: delete nothing until CURRENT is replaced
        name = _new_generation_name()
        gen_dir = index_dir / name
        gen_dir.mkdir()
        try:
            kind = choose_index_kind(len(chunks), settings.exact_search_max_chunks)
            index, params = build_faiss_index(vectors, kind)
            _write_vectors(gen_dir / VECTORS_FILE, vectors)
            _write_vectors(gen_dir / SENTENCE_VECTORS_FILE, sentence_vectors)
            files = list(DATA_FILES)
            if second_vectors is not None:
                _write_vectors(
                    gen_dir / SECOND_VECTORS_FILE,
                    np.ascontiguousarray(second_vectors, dtype=np.float32),
                )
                files.append(SECOND_VECTORS_FILE)
            if tokens is not None:
                _write_vectors(gen_dir / TOKEN_CODES_FILE, np.ascontiguousarray(tokens.codes))
                _write_vectors(gen_dir / TOKEN_OFFSETS_FILE, np.ascontiguousarray(tokens.offsets))
                _write_vectors(
                    gen_dir / TOKEN_CODEBOOK_FILE, np.ascontiguousarray(tokens.codec.codebook)
                )
                files.extend(TOKEN_FILES)
            _write_faiss(gen_dir / FAISS_FILE, index)
            _fsync_file(gen_dir / FAISS_FILE)
            _write_sqlite(gen_dir / SQLITE_FILE, documents, chunks, sentences, stories)
            _fsync_file(gen_dir / SQLITE_FILE)
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                identity=identity,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                n_documents=len(documents),
                n_chunks=len(chunks),
                n_sentences=len(sentences),
                chunk_max_chars=settings.chunk_max_chars,
                chunk_overlap_sentences=settings.chunk_overlap_sentences,
                index_kind=kind,
                index_params=params,
                files={f: file_digest(gen_dir / f) for f in files},
                second_identity=second_identity,
                token_layer=tokens.layer if tokens is not None else None,
            )
            # The manifest goes last: a directory without one is visibly incomplete.
            _write_manifest(gen_dir / MANIFEST_FILE, manifest)
            _fsync_dir(gen_dir)
            _fsync_dir(index_dir)
            _switch_current(index_dir, name)
        except BaseException:
            if _current_or_none(index_dir) != name:  # e.g. interrupted right after os.replace
                shutil.rmtree(gen_dir, ignore_errors=True)
            raise
        # From here on the new generation is live: never delete it, whatever fails.
        _fsync_dir(index_dir)
        _remove_stale(index_dir, keep=name)
    log.info(
        "index generation %s: %d documents, %d chunks, %d sentences, %s %s",
        name,
        len(documents),
        len(chunks),
        len(sentences),
        kind,
        params or "",
    )
    return gen_dir


# --------------------------------------------------------------------------------------------
# Loading.


@dataclass(frozen=True)
class _Loaded:
    manifest: Manifest
    documents: dict[str, Document]
    story_ids: dict[str, str]
    chunks: list[Chunk]
    vectors: Vectors
    sentences: list[SentenceSpan]
    sentence_vectors: Vectors
    index: faiss.Index
    second_vectors: Vectors | None
    tokens: ChunkTokens | None


def _corrupt(gen_dir: Path, detail: str) -> CorruptIndexError:
    return CorruptIndexError(str(gen_dir), detail)


def _read_manifest(
    gen_dir: Path, expected: EmbedderIdentity | None, expected_second: EmbedderIdentity | None
) -> Manifest:
    try:
        raw = json.loads((gen_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _corrupt(gen_dir, f"{MANIFEST_FILE} is missing") from None
    except (OSError, ValueError) as exc:
        raise _corrupt(gen_dir, f"{MANIFEST_FILE} is not valid JSON: {exc}") from exc
    try:
        version = manifest_format_version(raw)
        if 0 < version < FORMAT_VERSION:
            raise OutdatedIndexError(str(gen_dir), version)
        if version not in SUPPORTED_FORMAT_VERSIONS:
            raise IncompatibleIndexError(
                str(gen_dir),
                f"format version {version}; supported: {sorted(SUPPORTED_FORMAT_VERSIONS)}",
            )
        manifest = parse_manifest(raw)
    except ManifestError as exc:
        raise _corrupt(gen_dir, str(exc)) from exc
    if expected is not None and manifest.identity != expected:
        raise IncompatibleIndexError(
            str(gen_dir),
            f"embedder {manifest.identity.as_dict()}, expected {expected.as_dict()}",
        )
    second = manifest.second_identity
    if expected_second is not None and second is not None and second != expected_second:
        raise IncompatibleIndexError(
            str(gen_dir),
            f"second embedder {second.as_dict()}, expected {expected_second.as_dict()}",
        )
    return manifest


def _verify_files(gen_dir: Path, manifest: Manifest) -> None:
    for name, want in manifest.files.items():
        path = gen_dir / name
        try:
            size = path.stat().st_size
            if size != want.size:
                raise _corrupt(gen_dir, f"{name} has {size} bytes, manifest says {want.size}")
            got = file_digest(path)
        except FileNotFoundError:
            raise _corrupt(gen_dir, f"{name} is missing") from None
        except OSError as exc:
            raise _corrupt(gen_dir, f"cannot read {name}: {exc}") from exc
        if got != want:
            raise _corrupt(gen_dir, f"{name} fails its checksum")


def _select_documents(con: sqlite3.Connection) -> tuple[dict[str, Document], dict[str, str]]:
    documents: dict[str, Document] = {}
    story_ids: dict[str, str] = {}
    for doc_id, title, date, source, language, chash, story, text in con.execute(
        "SELECT doc_id, title, date, source, language, content_hash, story_id, text "
        "FROM documents ORDER BY rowid"
    ):
        documents[doc_id] = Document(
            doc_id=doc_id,
            title=title,
            text=text,
            source=source,
            language=language,
            date=date,
            content_hash=chash,
        )
        story_ids[doc_id] = story
    return documents, story_ids


def read_documents(index_dir: Path) -> dict[str, Document]:
    """The live generation's documents, whatever its format (the `documents` table has not
    changed since format 1), so that an upgrade that re-embeds everything keeps them all."""
    gen_dir = index_dir / read_current(index_dir)
    path = gen_dir / SQLITE_FILE
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            return _select_documents(con)[0]
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise _corrupt(gen_dir, f"{SQLITE_FILE}: {exc}") from exc


def _read_sqlite(
    gen_dir: Path, n_chunks: int, n_sentences: int
) -> tuple[dict[str, Document], dict[str, str], list[Chunk], list[SentenceSpan]]:
    path = gen_dir / SQLITE_FILE
    chunks: list[Chunk] = []
    sentences: list[SentenceSpan] = []
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            documents, story_ids = _select_documents(con)
            for row, (rowno, chunk_id, doc_id, n, start, end, text) in enumerate(
                con.execute(
                    'SELECT "row", chunk_id, doc_id, n, "start", "end", text '
                    'FROM chunks ORDER BY "row"'
                )
            ):
                if rowno != row:
                    raise _corrupt(gen_dir, f"chunk rows are not contiguous at {row}")
                doc = documents.get(doc_id)
                if doc is None or doc.text[start:end] != text:
                    raise _corrupt(gen_dir, f"chunk {chunk_id!r} does not match its document")
                chunks.append(Chunk(chunk_id, doc_id, n, text, start, end))
            for row, (rowno, doc_id, start, end) in enumerate(
                con.execute('SELECT "row", doc_id, "start", "end" FROM sentences ORDER BY "row"')
            ):
                if rowno != row:
                    raise _corrupt(gen_dir, f"sentence rows are not contiguous at {row}")
                doc = documents.get(doc_id)
                if (
                    doc is None
                    or not isinstance(start, int)
                    or not isinstance(end, int)
                    or not 0 <= start < end <= len(doc.text)
                ):
                    raise _corrupt(gen_dir, f"sentence row {row} lies outside its document")
                sentences.append(SentenceSpan(doc_id, start, end))
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise _corrupt(gen_dir, f"{SQLITE_FILE}: {exc}") from exc
    if len(chunks) != n_chunks:
        raise _corrupt(gen_dir, f"{SQLITE_FILE} has {len(chunks)} chunks, expected {n_chunks}")
    if len(sentences) != n_sentences:
        raise _corrupt(
            gen_dir, f"{SQLITE_FILE} has {len(sentences)} sentences, expected {n_sentences}"
        )
    return documents, story_ids, chunks, sentences


def _load_vectors(gen_dir: Path, name: str, rows: int, dim: int) -> Vectors:
    try:
        vectors = np.load(gen_dir / name, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise _corrupt(gen_dir, f"{name}: {exc}") from exc
    if vectors.dtype != np.float32 or vectors.shape != (rows, dim):
        raise _corrupt(gen_dir, f"{name} is {vectors.dtype} {vectors.shape}, expected {rows} rows")
    if vectors.flags.writeable:  # an empty array is not memory-mapped
        vectors.setflags(write=False)
    loaded: Vectors = vectors
    return loaded


def _load_generation(
    gen_dir: Path, expected: EmbedderIdentity | None, expected_second: EmbedderIdentity | None
) -> _Loaded:
    if not gen_dir.is_dir():
        raise _corrupt(gen_dir, "the generation directory is missing")
    manifest = _read_manifest(gen_dir, expected, expected_second)
    _verify_files(gen_dir, manifest)
    n, dim = manifest.n_chunks, manifest.identity.dim
    vectors = _load_vectors(gen_dir, VECTORS_FILE, n, dim)
    sentence_vectors = _load_vectors(gen_dir, SENTENCE_VECTORS_FILE, manifest.n_sentences, dim)
    second = manifest.second_identity
    second_vectors = (
        _load_vectors(gen_dir, SECOND_VECTORS_FILE, n, second.dim) if second is not None else None
    )

    tokens = _load_tokens(gen_dir, manifest) if manifest.token_layer is not None else None

    try:
        index = faiss.read_index(str(gen_dir / FAISS_FILE))
    except (RuntimeError, OSError) as exc:
        raise _corrupt(gen_dir, f"{FAISS_FILE}: {exc}") from exc
    want_type = faiss.IndexFlatIP if manifest.index_kind == "flat" else faiss.IndexHNSWFlat
    if not isinstance(index, want_type) or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise _corrupt(gen_dir, f"{FAISS_FILE} is not a {manifest.index_kind} index")
    if index.ntotal != n or index.d != dim:
        raise _corrupt(gen_dir, f"{FAISS_FILE} holds {index.ntotal} x {index.d}")
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = int(manifest.index_params.get("ef_search", 128))

    documents, story_ids, chunks, sentences = _read_sqlite(gen_dir, n, manifest.n_sentences)
    if len(documents) != manifest.n_documents:
        raise _corrupt(gen_dir, f"{len(documents)} documents, expected {manifest.n_documents}")
    return _Loaded(
        manifest,
        documents,
        story_ids,
        chunks,
        vectors,
        sentences,
        sentence_vectors,
        index,
        second_vectors,
        tokens,
    )


def _load_array(gen_dir: Path, name: str, mmap: bool) -> npt.NDArray[Any]:
    try:
        array: npt.NDArray[Any] = np.load(
            gen_dir / name, mmap_mode="r" if mmap else None, allow_pickle=False
        )
    except (OSError, ValueError) as exc:
        raise _corrupt(gen_dir, f"{name}: {exc}") from exc
    return array


def _load_tokens(gen_dir: Path, manifest: Manifest) -> ChunkTokens:
    codebook = _load_array(gen_dir, TOKEN_CODEBOOK_FILE, mmap=False)
    if codebook.dtype != np.float32 or codebook.ndim != 3 or codebook.shape[1] != 256:
        raise _corrupt(gen_dir, f"{TOKEN_CODEBOOK_FILE} is {codebook.dtype} {codebook.shape}")
    tokens = ChunkTokens(
        codec=TokenCodec(codebook),
        codes=_load_array(gen_dir, TOKEN_CODES_FILE, mmap=True),
        offsets=np.array(_load_array(gen_dir, TOKEN_OFFSETS_FILE, mmap=False)),
        layer=int(manifest.token_layer or 0),
    )
    problem = tokens.check(manifest.n_chunks, manifest.identity.dim)
    if problem is not None:
        raise _corrupt(gen_dir, problem)
    return tokens


class IndexSnapshot:
    """One generation, loaded and verified; immutable, so safe to share between requests."""

    def __init__(self, path: Path, loaded: _Loaded) -> None:
        self.path = path
        self.manifest = loaded.manifest
        self.documents = loaded.documents
        self.chunks = loaded.chunks
        self.vectors = loaded.vectors
        self.sentences = loaded.sentences
        self._sentence_vectors = loaded.sentence_vectors
        self._second_vectors = loaded.second_vectors
        self.tokens = loaded.tokens  # coded token states per chunk (None: not stored)
        self._index = loaded.index
        self._story_ids = loaded.story_ids
        self._row_of = {c.chunk_id: row for row, c in enumerate(self.chunks)}
        self._doc_rows: dict[str, list[int]] = {}
        for row, c in enumerate(self.chunks):
            self._doc_rows.setdefault(c.doc_id, []).append(row)
        # Per document, its sentences as (start, end, row) sorted by offsets, and their starts.
        self._doc_sentences: dict[str, list[tuple[int, int, int]]] = {}
        for row, s in enumerate(self.sentences):
            self._doc_sentences.setdefault(s.doc_id, []).append((s.start, s.end, row))
        self._doc_sentence_starts: dict[str, list[int]] = {}
        for doc_id, spans in self._doc_sentences.items():
            spans.sort()
            self._doc_sentence_starts[doc_id] = [start for start, _, _ in spans]
        self._stories: dict[str, list[str]] = {}
        for doc_id, story in self._story_ids.items():
            self._stories.setdefault(story, []).append(doc_id)

    @classmethod
    def load(
        cls,
        index_dir: Path,
        expected: EmbedderIdentity | None = None,
        *,
        expected_second: EmbedderIdentity | None = None,
    ) -> IndexSnapshot:
        """Load the live generation, verifying checksums and shapes before trusting it.

        `expected` / `expected_second`: IncompatibleIndexError when the index holds vectors of
        another model (None: not checked). A generation without a second channel loads under any
        `expected_second` (`second_vectors` is None): the caller decides whether to go without.

        A writer may replace and delete the generation while we read it; the CURRENT file is
        then re-read and the load retried instead of reporting corruption.
        """
        index_dir = Path(index_dir)
        for _ in range(3):
            name = read_current(index_dir)
            try:
                loaded = _load_generation(index_dir / name, expected, expected_second)
                return cls(index_dir / name, loaded)
            except CorruptIndexError:
                if _current_or_none(index_dir) == name:
                    raise
        raise CorruptIndexError(str(index_dir), "the live generation kept changing while loading")

    @property
    def identity(self) -> EmbedderIdentity:
        return self.manifest.identity

    @property
    def second_identity(self) -> EmbedderIdentity | None:
        """The model of `second_vectors`; None when the index has no second channel."""
        return self.manifest.second_identity

    @property
    def second_vectors(self) -> Vectors | None:
        """One unit row per chunk (`chunks[i]` <-> row i) from the second embedder; read-only."""
        return self._second_vectors

    @property
    def index_kind(self) -> IndexKind:
        return self.manifest.index_kind

    @property
    def story_ids(self) -> Mapping[str, str]:
        """doc_id -> story id."""
        return self._story_ids

    def __len__(self) -> int:
        return len(self.chunks)

    def row_of(self, chunk_id: str) -> int:
        return self._row_of[chunk_id]

    def chunk(self, chunk_id: str) -> Chunk:
        """KeyError for an unknown id (a citation that does not exist)."""
        return self.chunks[self._row_of[chunk_id]]

    def document_of(self, chunk: Chunk) -> Document:
        return self.documents[chunk.doc_id]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """The document's chunks in order (empty for an unknown document)."""
        return [self.chunks[row] for row in self._doc_rows.get(doc_id, [])]

    @property
    def sentence_vectors(self) -> Vectors:
        """One unit row per sentence (`sentences[i]` <-> row i); read-only."""
        return self._sentence_vectors

    def sentence_rows_of(self, doc_id: str) -> list[int]:
        """Rows of the document's sentences in text order (empty for an unknown document)."""
        return [row for _, _, row in self._doc_sentences.get(doc_id, [])]

    def sentences_in(self, chunk: Chunk) -> list[tuple[int, int, int]]:
        """(start, end, row) of the sentences lying wholly inside `chunk`, in text order.

        Offsets are relative to `chunk.text`; `row` indexes `sentences`/`sentence_vectors`.
        A piece of an over-long sentence that chunking cut up is no sentence of its own.
        """
        spans = self._doc_sentences.get(chunk.doc_id)
        if not spans:
            return []
        i = bisect.bisect_left(self._doc_sentence_starts[chunk.doc_id], chunk.start)
        out: list[tuple[int, int, int]] = []
        while i < len(spans) and spans[i][0] < chunk.end:
            start, end, row = spans[i]
            if end <= chunk.end:
                out.append((start - chunk.start, end - chunk.start, row))
            i += 1
        return out

    def story_of(self, doc_id: str) -> list[str]:
        """doc_ids of the same story, `doc_id` first; KeyError for an unknown document."""
        story = self._story_ids[doc_id]
        return [doc_id, *sorted(d for d in self._stories[story] if d != doc_id)]

    def search(self, query_vectors: npt.NDArray[Any], k: int) -> SearchHits:
        """Per query, up to k (row, cosine) pairs, best first; fewer when the index is smaller."""
        queries = np.ascontiguousarray(np.atleast_2d(query_vectors), dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.identity.dim:
            raise ValueError(
                f"query vectors must be (n, {self.identity.dim}), got {queries.shape}"
            )
        k_eff = min(k, len(self))
        if k_eff <= 0 or len(queries) == 0:
            return [[] for _ in range(len(queries))]
        use_faiss_threads()
        scores, ids = self._index.search(queries, k_eff)
        return [
            [(int(i), float(s)) for i, s in zip(id_row, score_row, strict=True) if i >= 0]
            for id_row, score_row in zip(ids, scores, strict=True)
        ]
