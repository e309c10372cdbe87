"""The documents' shingles a generation stores for the next update's story grouping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pytest

from index.dedup import DocShingles, document_shingles, story_groups
from index.errors import CorruptIndexError
from index.store import IndexSnapshot, file_digest, write_generation
from tests.test_store import (
    IDENTITY,
    make_corpus,
    make_sentences,
    settings_for,
    unit_vectors,
)


def write_with_shingles(
    tmp_path: Path, n_docs: int = 4, shingles: DocShingles | Literal["own"] | None = "own"
) -> Path:
    """A generation of `make_corpus(n_docs)` with its own shingles, or with `shingles`."""
    settings = settings_for(tmp_path)
    docs, chunks = make_corpus(n_docs)
    stories, own = story_groups(docs, None)
    sentences = make_sentences(chunks)
    return write_generation(
        settings.index_dir,
        IDENTITY,
        docs,
        chunks,
        unit_vectors(len(chunks)),
        stories,
        settings,
        sentences=sentences,
        sentence_vectors=unit_vectors(len(sentences), 8),
        shingles=own if shingles == "own" else shingles,
    )


def test_shingles_round_trip_in_document_order(tmp_path: Path) -> None:
    write_with_shingles(tmp_path)
    snap = IndexSnapshot.load(settings_for(tmp_path).index_dir)
    indexed = snap.indexed_stories()
    assert indexed.shingles is not None
    assert [d.doc_id for d in indexed.documents] == list(snap.documents)
    for i, doc in enumerate(indexed.documents):
        assert indexed.shingles.of(i) == document_shingles(doc)
    assert indexed.story_ids == snap.story_ids


def test_a_generation_without_shingles_loads_without_them(tmp_path: Path) -> None:
    write_with_shingles(tmp_path, 2, shingles=None)
    snap = IndexSnapshot.load(settings_for(tmp_path).index_dir)
    assert snap.indexed_stories().shingles is None


def _rewrite(gen: Path, name: str, array: npt.NDArray[Any]) -> None:
    np.save(gen / name, array, allow_pickle=False)
    manifest = json.loads((gen / "manifest.json").read_text())
    digest = file_digest(gen / name)
    manifest["files"][name] = {"sha256": digest.sha256, "size": digest.size}
    (gen / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("name", "array"),
    [
        ("shingle_offsets.npy", np.array([0, 1], dtype=np.int64)),  # too few documents
        ("shingle_offsets.npy", np.array([0, 9, 3, 2, 1], dtype=np.int64)),  # out of order
        ("shingles.npy", np.arange(3, dtype=np.int64)),  # signed, and short of the offsets
    ],
)
def test_inconsistent_shingles_are_corruption(
    tmp_path: Path, name: str, array: npt.NDArray[Any]
) -> None:
    gen = write_with_shingles(tmp_path)
    _rewrite(gen, name, array)
    with pytest.raises(CorruptIndexError, match="shingle"):
        IndexSnapshot.load(settings_for(tmp_path).index_dir)


def test_one_shingle_file_without_the_other_is_corruption(tmp_path: Path) -> None:
    gen = write_with_shingles(tmp_path)
    manifest = json.loads((gen / "manifest.json").read_text())
    del manifest["files"]["shingles.npy"]
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CorruptIndexError):
        IndexSnapshot.load(settings_for(tmp_path).index_dir)


def test_shingles_for_other_documents_are_rejected_before_writing(tmp_path: Path) -> None:
    docs, _ = make_corpus(3)
    with pytest.raises(ValueError, match="shingle"):
        write_with_shingles(tmp_path, 3, DocShingles.of_sets([document_shingles(docs[0])]))
    index_dir = settings_for(tmp_path).index_dir
    assert not index_dir.exists() or not any(index_dir.glob("gen-*"))
