"""The generation's metadata in SQLite (`meta.sqlite`): documents with their story ids, chunks
and sentence spans in row order. Written once; read-only and immutable afterwards."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from index.documents import Chunk, Document, SentenceSpan
from index.store.layout import SQLITE_FILE, corrupt, read_current

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

Metadata = tuple[dict[str, Document], dict[str, str], list[Chunk], list[SentenceSpan]]


def write_sqlite(
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


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


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


def _select_chunks(
    con: sqlite3.Connection, gen_dir: Path, documents: Mapping[str, Document]
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for row, (rowno, chunk_id, doc_id, n, start, end, text) in enumerate(
        con.execute(
            'SELECT "row", chunk_id, doc_id, n, "start", "end", text FROM chunks ORDER BY "row"'
        )
    ):
        if rowno != row:
            raise corrupt(gen_dir, f"chunk rows are not contiguous at {row}")
        doc = documents.get(doc_id)
        if doc is None or doc.text[start:end] != text:
            raise corrupt(gen_dir, f"chunk {chunk_id!r} does not match its document")
        chunks.append(Chunk(chunk_id, doc_id, n, text, start, end))
    return chunks


def _select_sentences(
    con: sqlite3.Connection, gen_dir: Path, documents: Mapping[str, Document]
) -> list[SentenceSpan]:
    sentences: list[SentenceSpan] = []
    for row, (rowno, doc_id, start, end) in enumerate(
        con.execute('SELECT "row", doc_id, "start", "end" FROM sentences ORDER BY "row"')
    ):
        if rowno != row:
            raise corrupt(gen_dir, f"sentence rows are not contiguous at {row}")
        doc = documents.get(doc_id)
        if (
            doc is None
            or not isinstance(start, int)
            or not isinstance(end, int)
            or not 0 <= start < end <= len(doc.text)
        ):
            raise corrupt(gen_dir, f"sentence row {row} lies outside its document")
        sentences.append(SentenceSpan(doc_id, start, end))
    return sentences


def read_documents(index_dir: Path) -> dict[str, Document]:
    """The live generation's documents, whatever its format (the `documents` table has not
    changed since format 1), so that an upgrade that re-embeds everything keeps them all."""
    gen_dir = index_dir / read_current(index_dir)
    try:
        con = _connect_read_only(gen_dir / SQLITE_FILE)
        try:
            return _select_documents(con)[0]
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise corrupt(gen_dir, f"{SQLITE_FILE}: {exc}") from exc


def read_sqlite(gen_dir: Path, n_chunks: int, n_sentences: int) -> Metadata:
    """Documents, story ids, chunks and sentences, each checked against the documents' text
    and the manifest's counts (CorruptIndexError)."""
    try:
        con = _connect_read_only(gen_dir / SQLITE_FILE)
        try:
            documents, story_ids = _select_documents(con)
            chunks = _select_chunks(con, gen_dir, documents)
            sentences = _select_sentences(con, gen_dir, documents)
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise corrupt(gen_dir, f"{SQLITE_FILE}: {exc}") from exc
    if len(chunks) != n_chunks:
        raise corrupt(gen_dir, f"{SQLITE_FILE} has {len(chunks)} chunks, expected {n_chunks}")
    if len(sentences) != n_sentences:
        raise corrupt(
            gen_dir, f"{SQLITE_FILE} has {len(sentences)} sentences, expected {n_sentences}"
        )
    return documents, story_ids, chunks, sentences
