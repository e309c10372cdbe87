"""Domain records shared by loading, cleaning, chunking and storage."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawDocument:
    """An article as a loader found it, before cleaning.

    `text` may still hold boilerplate; `title`/`date` are set only when the source format carries
    them as fields (JSON, feeds), otherwise cleaning extracts them from the text.
    """

    doc_id: str
    text: str
    source: str  # URL, or the corpus file path
    title: str | None = None
    date: str | None = None  # as found; normalised by cleaning
    is_html: bool = False


@dataclass(frozen=True)
class Document:
    """A cleaned article; `text` is what chunk offsets point into."""

    doc_id: str
    title: str
    text: str
    source: str
    language: str  # "ru" | "en"
    date: str | None = None  # ISO yyyy-mm-dd, None when unknown (never invented)
    content_hash: str = ""


@dataclass(frozen=True)
class Chunk:
    """A few consecutive sentences of one document.

    `chunk_id` is `doc_id#n` and doubles as the citation key; `start`/`end` are offsets in the
    document's cleaned text, so `document.text[start:end] == text` always holds.
    """

    chunk_id: str
    doc_id: str
    n: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence of a document, by offsets: `document.text[start:end]` is its text.

    Sentences come from `index.chunking.split_sentences` over the whole document, so every
    chunk's sentences are among them; the index stores one vector per sentence.
    """

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class LoadProblem:
    """A file or row that could not be loaded; reported, never fatal."""

    source: str
    reason: str


@dataclass
class LoadResult:
    documents: list[RawDocument] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
