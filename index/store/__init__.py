"""Persistence of index generations and loading the live one as a read-only snapshot.

Layout under `index_dir`::

    CURRENT                      names the live generation directory (replaced atomically)
    .lock                        flock'ed by the one writer
    gen-<utc timestamp>-<hex>/   manifest.json, vectors.npy, sentence_vectors.npy, faiss.index,
                                 meta.sqlite, use_vectors.npy when a second embedder is set,
                                 token_codes.npy + token_offsets.npy + token_codebook.npy when
                                 the embedder gives token states (+ token_middles.npy, each
                                 token's place in its chunk, from generations written since)

`vectors.npy` holds one row per chunk (what FAISS searches); `sentence_vectors.npy` one row per
sentence of every document (the `sentences` table gives its document and offsets), embedded
once at indexing time so that answering a question only reads them. `use_vectors.npy`, when
the manifest names a second embedder, holds one row per chunk from that model (a fusion channel,
see index/second_embedder.py). The token files (index/tokens.py) hold each chunk's
product-quantised token states for late-interaction re-ranking: codes of all chunks in row order,
`offsets[i]:offsets[i + 1]` being chunk i's, and the codebook they were coded with. Only format 3
loads; an older generation is refused as outdated and re-embedded by `newsbot index`.

One module per job: `layout` (file names, generation naming, CURRENT, stale-generation removal),
`manifest` (the manifest model and the checks before loading), `locking` (the writer lock),
`validation` (input checks before a write), `ann` (FAISS), `metadata` (SQLite), `arrays` (npy
files, fsync, checksums), `writer` (`write_generation`) and `snapshot` (`IndexSnapshot`).
Nothing is pickled: vectors are `.npy` without pickle, metadata is SQLite, the manifest JSON.
"""

from __future__ import annotations

from index.store.ann import (
    HNSW_EF_CANDIDATES,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    INDEX_KINDS,
    TARGET_RECALL_AT_10,
    IndexKind,
    SearchHits,
    build_faiss_index,
    choose_index_kind,
    tune_ef_search,
)
from index.store.arrays import file_digest
from index.store.layout import (
    CURRENT_FILE,
    DATA_FILES,
    FAISS_FILE,
    LOCK_FILE,
    MANIFEST_FILE,
    SECOND_VECTORS_FILE,
    SENTENCE_VECTORS_FILE,
    SQLITE_FILE,
    TOKEN_CODEBOOK_FILE,
    TOKEN_CODES_FILE,
    TOKEN_FILES,
    TOKEN_MIDDLES_FILE,
    TOKEN_OFFSETS_FILE,
    VECTORS_FILE,
    current_or_none,
    read_current,
)
from index.store.locking import IndexBusyError, writer_lock
from index.store.manifest import (
    FORMAT_VERSION,
    SUPPORTED_FORMAT_VERSIONS,
    FileDigest,
    Manifest,
    ManifestError,
    is_up_to_date,
    manifest_format_version,
    parse_manifest,
)
from index.store.metadata import read_documents
from index.store.snapshot import IndexSnapshot
from index.store.validation import validate_generation
from index.store.writer import write_generation

__all__ = [
    "CURRENT_FILE",
    "DATA_FILES",
    "FAISS_FILE",
    "FORMAT_VERSION",
    "HNSW_EF_CANDIDATES",
    "HNSW_EF_CONSTRUCTION",
    "HNSW_M",
    "INDEX_KINDS",
    "LOCK_FILE",
    "MANIFEST_FILE",
    "SECOND_VECTORS_FILE",
    "SENTENCE_VECTORS_FILE",
    "SQLITE_FILE",
    "SUPPORTED_FORMAT_VERSIONS",
    "TARGET_RECALL_AT_10",
    "TOKEN_CODEBOOK_FILE",
    "TOKEN_CODES_FILE",
    "TOKEN_FILES",
    "TOKEN_MIDDLES_FILE",
    "TOKEN_OFFSETS_FILE",
    "VECTORS_FILE",
    "FileDigest",
    "IndexBusyError",
    "IndexKind",
    "IndexSnapshot",
    "Manifest",
    "ManifestError",
    "SearchHits",
    "build_faiss_index",
    "choose_index_kind",
    "current_or_none",
    "file_digest",
    "is_up_to_date",
    "manifest_format_version",
    "parse_manifest",
    "read_current",
    "read_documents",
    "tune_ef_search",
    "validate_generation",
    "write_generation",
    "writer_lock",
]
