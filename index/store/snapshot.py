"""The read model: the live generation loaded, verified and indexed for the query side
(per-document chunk rows and sentence spans, stories, search)."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from index.dedup import DocShingles, IndexedStories
from index.documents import Chunk, Document, SentenceSpan
from index.embedder import EmbedderIdentity, Vectors
from index.errors import CorruptIndexError
from index.store.ann import IndexKind, LiveIndex, SearchHits, read_faiss, search
from index.store.arrays import load_shingles, load_tokens, load_vectors, verify_files
from index.store.layout import (
    SECOND_VECTORS_FILE,
    SENTENCE_VECTORS_FILE,
    VECTORS_FILE,
    corrupt,
    current_or_none,
    read_current,
)
from index.store.manifest import Manifest, read_manifest
from index.store.metadata import read_sqlite
from index.tokens import ChunkTokens


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
    shingles: DocShingles | None


def _load_generation(
    gen_dir: Path, expected: EmbedderIdentity | None, expected_second: EmbedderIdentity | None
) -> _Loaded:
    if not gen_dir.is_dir():
        raise corrupt(gen_dir, "the generation directory is missing")
    manifest = read_manifest(gen_dir, expected, expected_second)
    verify_files(gen_dir, manifest)
    n, dim = manifest.n_chunks, manifest.identity.dim
    vectors = load_vectors(gen_dir, VECTORS_FILE, n, dim)
    sentence_vectors = load_vectors(gen_dir, SENTENCE_VECTORS_FILE, manifest.n_sentences, dim)
    second = manifest.second_identity
    second_vectors = (
        load_vectors(gen_dir, SECOND_VECTORS_FILE, n, second.dim) if second is not None else None
    )
    tokens = load_tokens(gen_dir, manifest) if manifest.token_layer is not None else None
    shingles = load_shingles(gen_dir, manifest) if manifest.has_shingles else None
    index = read_faiss(gen_dir, manifest.index_kind, manifest.index_params, n, dim)
    documents, story_ids, chunks, sentences = read_sqlite(gen_dir, n, manifest.n_sentences)
    if len(documents) != manifest.n_documents:
        raise corrupt(gen_dir, f"{len(documents)} documents, expected {manifest.n_documents}")
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
        shingles,
    )


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
        self._shingles = loaded.shingles
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
                if current_or_none(index_dir) == name:
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
    def live_index(self) -> LiveIndex:
        """The FAISS index and its parameters, for the next generation to extend
        (index/store/ann.py); shared with every reader of this snapshot, so never modified."""
        return LiveIndex(self._index, self.manifest.index_params)

    @property
    def index_kind(self) -> IndexKind:
        return self.manifest.index_kind

    @property
    def story_ids(self) -> Mapping[str, str]:
        """doc_id -> story id."""
        return self._story_ids

    def indexed_stories(self) -> IndexedStories:
        """The documents in index order with their stories and shingles, for the next update's
        grouping (index/dedup.py)."""
        return IndexedStories(list(self.documents.values()), self._story_ids, self._shingles)

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

    def search(
        self, query_vectors: npt.NDArray[Any], k: int, rows: npt.NDArray[np.int64] | None = None
    ) -> SearchHits:
        """Per query, up to k (row, cosine) pairs, best first, among `rows` when given."""
        return search(self._index, query_vectors, k, rows)
