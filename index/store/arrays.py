"""The generation's arrays on disk (`.npy`, never pickled): chunk, sentence and second-channel
vectors, the token files and the documents' shingles, plus the fsync and checksum helpers
every written file goes through."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.dedup import DocShingles
from index.embedder import Vectors
from index.store.layout import (
    SHINGLE_OFFSETS_FILE,
    SHINGLES_FILE,
    TOKEN_CODEBOOK_FILE,
    TOKEN_CODES_FILE,
    TOKEN_MIDDLES_FILE,
    TOKEN_OFFSETS_FILE,
    corrupt,
)
from index.store.manifest import FileDigest, Manifest
from index.tokens import ChunkTokens, TokenCodec


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
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


def verify_files(gen_dir: Path, manifest: Manifest) -> None:
    """Every file the manifest lists has its recorded size and checksum (CorruptIndexError)."""
    for name, want in manifest.files.items():
        path = gen_dir / name
        try:
            size = path.stat().st_size
            if size != want.size:
                raise corrupt(gen_dir, f"{name} has {size} bytes, manifest says {want.size}")
            got = file_digest(path)
        except FileNotFoundError:
            raise corrupt(gen_dir, f"{name} is missing") from None
        except OSError as exc:
            raise corrupt(gen_dir, f"cannot read {name}: {exc}") from exc
        if got != want:
            raise corrupt(gen_dir, f"{name} fails its checksum")


def write_array(path: Path, array: npt.NDArray[Any]) -> None:
    with path.open("wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def write_tokens(gen_dir: Path, tokens: ChunkTokens) -> None:
    write_array(gen_dir / TOKEN_CODES_FILE, np.ascontiguousarray(tokens.codes))
    write_array(gen_dir / TOKEN_OFFSETS_FILE, np.ascontiguousarray(tokens.offsets))
    write_array(gen_dir / TOKEN_CODEBOOK_FILE, np.ascontiguousarray(tokens.codec.codebook))
    if tokens.middles is not None:
        write_array(gen_dir / TOKEN_MIDDLES_FILE, np.ascontiguousarray(tokens.middles))


def write_shingles(gen_dir: Path, shingles: DocShingles) -> None:
    write_array(gen_dir / SHINGLES_FILE, np.ascontiguousarray(shingles.values))
    write_array(gen_dir / SHINGLE_OFFSETS_FILE, np.ascontiguousarray(shingles.offsets))


def load_vectors(gen_dir: Path, name: str, rows: int, dim: int) -> Vectors:
    """A read-only, memory-mapped (rows, dim) float32 array (CorruptIndexError otherwise)."""
    try:
        vectors = np.load(gen_dir / name, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise corrupt(gen_dir, f"{name}: {exc}") from exc
    if vectors.dtype != np.float32 or vectors.shape != (rows, dim):
        raise corrupt(gen_dir, f"{name} is {vectors.dtype} {vectors.shape}, expected {rows} rows")
    if vectors.flags.writeable:  # an empty array is not memory-mapped
        vectors.setflags(write=False)
    loaded: Vectors = vectors
    return loaded


def _load_array(gen_dir: Path, name: str, mmap: bool) -> npt.NDArray[Any]:
    try:
        array: npt.NDArray[Any] = np.load(
            gen_dir / name, mmap_mode="r" if mmap else None, allow_pickle=False
        )
    except (OSError, ValueError) as exc:
        raise corrupt(gen_dir, f"{name}: {exc}") from exc
    return array


def load_tokens(gen_dir: Path, manifest: Manifest) -> ChunkTokens:
    codebook = _load_array(gen_dir, TOKEN_CODEBOOK_FILE, mmap=False)
    if codebook.dtype != np.float32 or codebook.ndim != 3 or codebook.shape[1] != 256:
        raise corrupt(gen_dir, f"{TOKEN_CODEBOOK_FILE} is {codebook.dtype} {codebook.shape}")
    tokens = ChunkTokens(
        codec=TokenCodec(codebook),
        codes=_load_array(gen_dir, TOKEN_CODES_FILE, mmap=True),
        offsets=np.array(_load_array(gen_dir, TOKEN_OFFSETS_FILE, mmap=False)),
        layer=int(manifest.token_layer or 0),
        middles=(
            _load_array(gen_dir, TOKEN_MIDDLES_FILE, mmap=True)
            if manifest.has_token_middles
            else None
        ),
    )
    problem = tokens.check(manifest.n_chunks, manifest.identity.dim)
    if problem is not None:
        raise corrupt(gen_dir, problem)
    return tokens


def load_shingles(gen_dir: Path, manifest: Manifest) -> DocShingles:
    """The documents' shingles (values memory-mapped: only an update reads them)."""
    shingles = DocShingles(
        values=_load_array(gen_dir, SHINGLES_FILE, mmap=True),
        offsets=np.array(_load_array(gen_dir, SHINGLE_OFFSETS_FILE, mmap=False)),
    )
    problem = shingles.problem(manifest.n_documents)
    if problem is not None:
        raise corrupt(gen_dir, problem)
    return shingles
