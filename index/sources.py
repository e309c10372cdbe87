"""Turn paths and URLs into cleaned documents: one entry point for the CLI and the bot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.cleaning import clean_document
from index.documents import Document, LoadProblem, LoadResult
from index.fetch import Fetcher
from index.loaders import MAX_FILE_BYTES, PUBLIC_FETCHER, load_path, load_url
from index.settings import REPO_ROOT


class TooManyDocumentsError(ValueError):
    """More documents than one ingest may add: refused whole, so nothing is half-indexed."""

    def __init__(self, found: int, limit: int) -> None:
        super().__init__(f"{found} documents, more than the {limit} one ingest may add")
        self.found = found
        self.limit = limit


@dataclass
class LoadedSources:
    documents: list[Document] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    # Set when a single folder was loaded: documents indexed from under it and missing now
    # were deleted, so the index may drop them.
    prune_prefix: str | None = None


def _folder_prefix(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(REPO_ROOT)) + "/"
    except ValueError:
        return str(resolved) + "/"


def _load_target(target: str, fetcher: Fetcher, max_file_bytes: int) -> LoadResult:
    if target.startswith(("http://", "https://")):
        return load_url(target, fetcher=fetcher)
    return load_path(Path(target), max_bytes=max_file_bytes)


def add_cleaned(result: LoadResult, loaded: LoadedSources) -> None:
    """Clean what a loader found into `loaded`; an article with nothing left is a problem."""
    loaded.problems.extend(result.problems)
    for raw in result.documents:
        doc = clean_document(raw)
        if doc is None:
            loaded.problems.append(LoadProblem(raw.source, "no article text left after cleaning"))
        else:
            loaded.documents.append(doc)


def load_sources(
    targets: Sequence[str],
    *,
    fetcher: Fetcher = PUBLIC_FETCHER,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_documents: int | None = None,
) -> LoadedSources:
    """Load and clean every target (folder, file, feed or page URL); problems are collected.

    URLs are read through `fetcher` only (by default: public addresses only). More than
    `max_documents` documents in all raise TooManyDocumentsError.
    """
    loaded = LoadedSources()
    for target in targets:
        add_cleaned(_load_target(target, fetcher, max_file_bytes), loaded)
        if len(targets) == 1 and Path(target).is_dir():
            loaded.prune_prefix = _folder_prefix(Path(target))
    if max_documents is not None and len(loaded.documents) > max_documents:
        raise TooManyDocumentsError(len(loaded.documents), max_documents)
    return loaded
