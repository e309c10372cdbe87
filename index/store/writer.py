"""Writing a generation: validate, fill a fresh directory, fsync it, write the manifest last,
then point CURRENT at it and delete older generations.

A generation is never modified after it is written, so readers always see a complete one, and
a crash (or a full disk) at any point leaves the previous one live.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.dedup import DocShingles
from index.documents import Chunk, Document, SentenceSpan
from index.embedder import EmbedderIdentity, Vectors
from index.errors import CorruptIndexError, IndexMissingError
from index.settings import IndexSettings
from index.store.ann import (
    IndexKind,
    LiveIndex,
    build_faiss_index,
    choose_index_kind,
    write_faiss,
)
from index.store.arrays import (
    file_digest,
    fsync_dir,
    fsync_file,
    write_array,
    write_shingles,
    write_tokens,
)
from index.store.layout import (
    DATA_FILES,
    FAISS_FILE,
    MANIFEST_FILE,
    SECOND_VECTORS_FILE,
    SENTENCE_VECTORS_FILE,
    SHINGLE_FILES,
    SQLITE_FILE,
    TOKEN_FILES,
    TOKEN_MIDDLES_FILE,
    VECTORS_FILE,
    current_or_none,
    new_generation_name,
    read_current,
    remove_stale,
    switch_current,
)
from index.store.locking import writer_lock
from index.store.manifest import (
    FORMAT_VERSION,
    ChunkingEntry,
    CountsEntry,
    EmbedderEntry,
    FaissEntry,
    Manifest,
    TokensEntry,
    write_manifest,
)
from index.store.metadata import write_sqlite
from index.store.validation import validate_generation
from index.tokens import ChunkTokens

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Generation:
    """What goes into one generation (vectors already contiguous float32)."""

    identity: EmbedderIdentity
    documents: Sequence[Document]
    chunks: Sequence[Chunk]
    vectors: Vectors
    stories: Mapping[str, str]
    sentences: Sequence[SentenceSpan]
    sentence_vectors: Vectors
    second_identity: EmbedderIdentity | None
    second_vectors: Vectors | None
    tokens: ChunkTokens | None
    shingles: DocShingles | None
    base_index: LiveIndex | None  # the live index, to extend rather than rebuild (ann.py)


def _remove_stale_before_write(index_dir: Path) -> None:
    try:
        remove_stale(index_dir, keep=read_current(index_dir))
    except IndexMissingError:
        remove_stale(index_dir, keep=None)
    except CorruptIndexError:
        pass  # which generation is live is unclear: delete nothing until CURRENT is replaced


def _write_files(
    gen_dir: Path, gen: _Generation, kind: IndexKind
) -> tuple[dict[str, float], list[str]]:
    """Every data file of the generation, fsynced; the FAISS params and the files written."""
    index, params = build_faiss_index(gen.vectors, kind, extend=gen.base_index)
    write_array(gen_dir / VECTORS_FILE, gen.vectors)
    write_array(gen_dir / SENTENCE_VECTORS_FILE, gen.sentence_vectors)
    files = list(DATA_FILES)
    if gen.second_vectors is not None:
        write_array(
            gen_dir / SECOND_VECTORS_FILE,
            np.ascontiguousarray(gen.second_vectors, dtype=np.float32),
        )
        files.append(SECOND_VECTORS_FILE)
    if gen.tokens is not None:
        write_tokens(gen_dir, gen.tokens)
        files.extend(TOKEN_FILES)
        if gen.tokens.middles is not None:
            files.append(TOKEN_MIDDLES_FILE)
    if gen.shingles is not None:
        write_shingles(gen_dir, gen.shingles)
        files.extend(SHINGLE_FILES)
    write_faiss(gen_dir / FAISS_FILE, index)
    fsync_file(gen_dir / FAISS_FILE)
    write_sqlite(gen_dir / SQLITE_FILE, gen.documents, gen.chunks, gen.sentences, gen.stories)
    fsync_file(gen_dir / SQLITE_FILE)
    return params, files


def _manifest(
    gen_dir: Path,
    gen: _Generation,
    settings: IndexSettings,
    kind: IndexKind,
    params: dict[str, float],
    files: list[str],
) -> Manifest:
    second = gen.second_identity
    return Manifest(
        format_version=FORMAT_VERSION,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        embedder=EmbedderEntry.of(gen.identity),
        second_embedder=EmbedderEntry.of(second) if second is not None else None,
        tokens=TokensEntry(layer=gen.tokens.layer) if gen.tokens is not None else None,
        counts=CountsEntry(
            documents=len(gen.documents), chunks=len(gen.chunks), sentences=len(gen.sentences)
        ),
        chunking=ChunkingEntry(
            max_chars=settings.chunk_max_chars,
            overlap_sentences=settings.chunk_overlap_sentences,
        ),
        faiss=FaissEntry(kind=kind, params=params),
        files={f: file_digest(gen_dir / f) for f in files},
    )


def _write_and_switch(
    index_dir: Path, gen: _Generation, settings: IndexSettings
) -> tuple[Path, IndexKind, dict[str, float]]:
    """Fill a new generation directory and make it live; on any exception the partial
    directory is removed unless it already went live."""
    name = new_generation_name()
    gen_dir = index_dir / name
    gen_dir.mkdir()
    try:
        kind = choose_index_kind(len(gen.chunks), settings.exact_search_max_chunks)
        params, files = _write_files(gen_dir, gen, kind)
        manifest = _manifest(gen_dir, gen, settings, kind, params, files)
        # The manifest goes last: a directory without one is visibly incomplete.
        write_manifest(gen_dir / MANIFEST_FILE, manifest)
        fsync_dir(gen_dir)
        fsync_dir(index_dir)
        switch_current(index_dir, name)
    except BaseException:
        if current_or_none(index_dir) != name:  # e.g. interrupted right after os.replace
            shutil.rmtree(gen_dir, ignore_errors=True)
        raise
    return gen_dir, kind, params


def _commit(index_dir: Path, gen: _Generation, settings: IndexSettings) -> Path:
    """Under the writer lock: clear leftovers, write the generation, make it live, delete the
    older ones."""
    with writer_lock(index_dir):
        _remove_stale_before_write(index_dir)
        gen_dir, kind, params = _write_and_switch(index_dir, gen, settings)
        # From here on the new generation is live: never delete it, whatever fails.
        fsync_dir(index_dir)
        remove_stale(index_dir, keep=gen_dir.name)
    log.info(
        "index generation %s: %d documents, %d chunks, %d sentences, %s %s",
        gen_dir.name,
        len(gen.documents),
        len(gen.chunks),
        len(gen.sentences),
        kind,
        params or "",
    )
    return gen_dir


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
    shingles: DocShingles | None = None,
    base_index: LiveIndex | None = None,
) -> Path:
    """Write a complete new generation, make it live, and delete older ones.

    `chunks[i]` is described by `vectors[i]` (and by `second_vectors[i]`, from the embedder
    `second_identity`, when given) and `sentences[i]` by `sentence_vectors[i]`;
    `stories` maps doc_id -> story id (a doc missing from it is its own story). Returns the new
    generation directory. On any exception the previous generation stays live and the partial
    directory is removed (or, after a crash, removed by the next write). `shingles`: the
    documents' shingles in `documents` order, for the next update's grouping. `base_index`: the
    live generation's search index (never modified), extended instead of rebuilt when it holds
    exactly the first rows of `vectors`.
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
    if shingles is not None:
        problem = shingles.problem(len(documents))
        if problem is not None:
            raise ValueError(problem)
    gen = _Generation(
        identity=identity,
        documents=documents,
        chunks=chunks,
        vectors=np.ascontiguousarray(vectors, dtype=np.float32),
        stories=stories,
        sentences=sentences,
        sentence_vectors=np.ascontiguousarray(sentence_vectors, dtype=np.float32),
        second_identity=second_identity,
        second_vectors=second_vectors,
        tokens=tokens,
        shingles=shingles,
        base_index=base_index,
    )
    return _commit(index_dir, gen, settings)
