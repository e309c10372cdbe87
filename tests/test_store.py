"""Index generations on disk: round trip, approximate index, atomicity, corruption, identity."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

import index.store.writer as store_writer
from index import store
from index.documents import Chunk, Document, SentenceSpan
from index.embedder import EmbedderIdentity
from index.errors import (
    CorruptIndexError,
    IncompatibleIndexError,
    IndexMissingError,
    OutdatedIndexError,
)
from index.settings import IndexSettings
from index.store import (
    FORMAT_VERSION,
    IndexBusyError,
    IndexSnapshot,
    choose_index_kind,
    file_digest,
    read_current,
    validate_generation,
    write_generation,
    writer_lock,
)

DIM = 16
IDENTITY = EmbedderIdentity(model="test/fixed-model", backend="test", dim=DIM)
REBUILD_HINT = "newsbot index --rebuild"

SENTENCES_RU = [
    "Центральный банк сохранил ключевую ставку на уровне 16 процентов.",
    "Аналитики ожидали такого решения.",
    "В Москве открылась новая станция метро.",
]
SENTENCES_EN = [
    "The city council approved the new budget on Tuesday.",
    "Opposition members voted against it.",
    "Heavy rain is expected over the weekend.",
]


def make_corpus(n_docs: int) -> tuple[list[Document], list[Chunk]]:
    """Documents of three sentences, one chunk per sentence, alternating RU and EN."""
    docs: list[Document] = []
    chunks: list[Chunk] = []
    for i in range(n_docs):
        ru = i % 2 == 0
        sentences = [f"{s} ({i})" for s in (SENTENCES_RU if ru else SENTENCES_EN)]
        text = " ".join(sentences)
        doc = Document(
            doc_id=f"d{i:04d}",
            title=f"Статья {i}" if ru else f"Article {i}",
            text=text,
            source=f"corpus/d{i:04d}.txt",
            language="ru" if ru else "en",
            date="2024-05-01" if i % 3 else None,
            content_hash=f"h{i}",
        )
        docs.append(doc)
        pos = 0
        for n, sentence in enumerate(sentences):
            start = text.index(sentence, pos)
            end = start + len(sentence)
            chunks.append(Chunk(f"{doc.doc_id}#{n}", doc.doc_id, n, sentence, start, end))
            pos = end
    return docs, chunks


def make_sentences(chunks: list[Chunk]) -> list[SentenceSpan]:
    """One sentence per chunk, stored in reverse so that rows are not in text order."""
    return [SentenceSpan(c.doc_id, c.start, c.end) for c in reversed(chunks)]


def unit_vectors(n: int, seed: int = 7) -> np.ndarray[Any, np.dtype[np.float32]]:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def settings_for(tmp_path: Path, **overrides: Any) -> IndexSettings:
    return IndexSettings(data_dir=tmp_path, embedding_threads=1, **overrides)


def write_small(settings: IndexSettings, n_docs: int = 3, seed: int = 7) -> Path:
    docs, chunks = make_corpus(n_docs)
    stories = {d.doc_id: d.doc_id for d in docs}
    stories["d0002"] = "d0000"  # d0000 and d0002 tell the same story
    sentences = make_sentences(chunks)
    return write_generation(
        settings.index_dir,
        IDENTITY,
        docs,
        chunks,
        unit_vectors(len(chunks), seed),
        stories,
        settings,
        sentences=sentences,
        sentence_vectors=unit_vectors(len(sentences), seed + 100),
    )


def gen_dirs(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))


def test_round_trip(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    docs, chunks = make_corpus(3)
    vectors = unit_vectors(len(chunks))
    gen = write_small(settings)

    snap = IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    assert snap.path == gen
    assert read_current(settings.index_dir) == gen.name
    assert snap.identity == IDENTITY
    assert snap.index_kind == "flat"
    assert snap.manifest.n_documents == 3 and snap.manifest.n_chunks == len(chunks) == len(snap)
    assert snap.manifest.chunk_max_chars == settings.chunk_max_chars
    assert snap.documents == {d.doc_id: d for d in docs}
    assert snap.chunks == chunks
    np.testing.assert_array_equal(snap.vectors, vectors)
    assert snap.chunk("d0001#2") == chunks[5]
    assert snap.document_of(chunks[5]) == docs[1]
    assert snap.story_of("d0002") == ["d0002", "d0000"]
    assert snap.story_of("d0001") == ["d0001"]
    with pytest.raises(KeyError):
        snap.chunk("d0009#0")

    hits = snap.search(vectors[[4, 7]], k=3)
    assert [h[0][0] for h in hits] == [4, 7]
    assert hits[0][0][1] == pytest.approx(1.0, abs=1e-5)
    assert all(a[1] >= b[1] for a, b in zip(hits[0], hits[0][1:], strict=False))
    # Over-fetch: more hits asked for than there are rows; a 1-D query is one query.
    (everything,) = snap.search(vectors[0], k=100)
    assert sorted(row for row, _ in everything) == list(range(len(chunks)))
    assert snap.search(vectors[:2], k=0) == [[], []]
    with pytest.raises(ValueError):
        snap.search(np.ones((1, DIM + 1), dtype=np.float32), k=1)

    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["embedder"] == IDENTITY.as_dict()
    assert manifest["faiss"]["kind"] == "flat"
    assert manifest["counts"]["sentences"] == len(chunks)
    for name in ("vectors.npy", "sentence_vectors.npy", "faiss.index", "meta.sqlite"):
        assert manifest["files"][name]["size"] == (gen / name).stat().st_size


def test_sentences_round_trip(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    docs, chunks = make_corpus(3)
    sentences = make_sentences(chunks)
    write_small(settings)

    snap = IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    assert snap.manifest.n_sentences == len(sentences)
    assert snap.sentences == sentences
    np.testing.assert_array_equal(snap.sentence_vectors, unit_vectors(len(sentences), 107))
    assert not snap.sentence_vectors.flags.writeable
    with pytest.raises(ValueError):
        snap.sentence_vectors[0, 0] = 1.0

    def row(doc_id: str, n: int) -> int:
        c = chunks[int(doc_id[1:]) * 3 + n]
        return sentences.index(SentenceSpan(doc_id, c.start, c.end))

    assert snap.sentence_rows_of("d0001") == [row("d0001", n) for n in range(3)]
    assert snap.sentence_rows_of("d0009") == []
    # A one-sentence chunk holds its sentence; offsets are relative to the chunk.
    assert snap.sentences_in(chunks[4]) == [(0, len(chunks[4].text), row("d0001", 1))]
    # A chunk over the whole document: all three, in text order.
    doc = docs[1]
    whole = Chunk("d0001#x", "d0001", 9, doc.text, 0, len(doc.text))
    got = snap.sentences_in(whole)
    assert [r for _, _, r in got] == [row("d0001", n) for n in range(3)]
    assert [doc.text[s:e] for s, e, _ in got] == [c.text for c in chunks[3:6]]
    # A chunk starting inside the first sentence and ending inside the third: only the second.
    part = Chunk("d0001#y", "d0001", 10, doc.text[5 : chunks[5].start + 3], 5, chunks[5].start + 3)
    second = chunks[4]
    assert snap.sentences_in(part) == [
        (second.start - 5, second.end - 5, row("d0001", 1)),
    ]
    assert part.text[second.start - 5 : second.end - 5] == second.text
    assert snap.sentences_in(Chunk("zz#0", "zz", 0, "", 0, 0)) == []


def test_new_generation_replaces_and_deletes_the_old_one(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    first = write_small(settings, n_docs=2)
    second = write_small(settings, n_docs=4, seed=8)
    assert not first.exists()
    assert gen_dirs(settings.index_dir) == [second.name]
    snap = IndexSnapshot.load(settings.index_dir)
    assert len(snap.documents) == 4
    np.testing.assert_array_equal(snap.vectors, unit_vectors(12, seed=8))


def test_approximate_index_past_threshold(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, exact_search_max_chunks=50)
    docs, chunks = make_corpus(100)  # 300 chunks
    vectors = unit_vectors(len(chunks))
    sentences = make_sentences(chunks)
    write_generation(
        settings.index_dir,
        IDENTITY,
        docs,
        chunks,
        vectors,
        {},
        settings,
        sentences=sentences,
        sentence_vectors=unit_vectors(len(sentences)),
    )

    snap = IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    assert snap.index_kind == "hnsw"
    assert snap.manifest.index_params["ef_search"] >= 10
    assert snap.manifest.index_params["measured_recall_at_10"] >= 0.95
    rows = [0, 17, 150, 299]
    hits = snap.search(vectors[rows], k=5)
    for row, found in zip(rows, hits, strict=True):
        assert found[0][0] == row
        assert found[0][1] == pytest.approx(1.0, abs=1e-5)
    (everything,) = snap.search(vectors[3], k=1000)  # over-fetch on HNSW too
    assert len(everything) <= len(chunks)
    assert len({r for r, _ in everything}) == len(everything)
    assert all(0 <= r < len(chunks) for r, _ in everything)


def test_choose_index_kind_boundary() -> None:
    assert choose_index_kind(200, 200) == "flat"
    assert choose_index_kind(201, 200) == "hnsw"


def test_invalid_input_is_rejected_before_writing(tmp_path: Path) -> None:
    docs, chunks = make_corpus(2)
    sents = make_sentences(chunks)
    svecs = unit_vectors(len(sents))
    vecs = unit_vectors(len(chunks))
    with pytest.raises(ValueError, match="shape"):
        validate_generation(IDENTITY, docs, chunks, unit_vectors(len(chunks) - 1), sents, svecs)
    with pytest.raises(ValueError, match="float32"):
        validate_generation(IDENTITY, docs, chunks, vecs.astype(np.float64), sents, svecs)
    bad = [*chunks[:-1], Chunk("d0001#2", "d0001", 2, "not the text", 0, 12)]
    with pytest.raises(ValueError, match="does not match"):
        validate_generation(IDENTITY, docs, bad, vecs, sents, svecs)
    with pytest.raises(ValueError, match="sentence vectors shape"):
        validate_generation(IDENTITY, docs, chunks, vecs, sents, svecs[:-1])
    with pytest.raises(ValueError, match="outside"):
        outside = SentenceSpan("d0001", 0, len(docs[1].text) + 1)
        validate_generation(IDENTITY, docs, chunks, vecs, [*sents[:-1], outside], svecs)
    with pytest.raises(ValueError, match="unknown document"):
        validate_generation(
            IDENTITY, docs, chunks, vecs, [*sents[:-1], SentenceSpan("x", 0, 1)], svecs
        )
    with pytest.raises(ValueError, match="duplicate sentence"):
        validate_generation(IDENTITY, docs, chunks, vecs, [*sents[:-1], sents[0]], svecs)
    settings = settings_for(tmp_path)
    with pytest.raises(ValueError):
        write_generation(
            settings.index_dir,
            IDENTITY,
            docs,
            chunks,
            unit_vectors(2),
            {},
            settings,
            sentences=sents,
            sentence_vectors=svecs,
        )
    assert not (settings.index_dir / "CURRENT").exists()


def _raise_runtime(*_: object, **__: object) -> None:
    raise RuntimeError("simulated crash in faiss.write_index")


def _raise_enospc(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    ("target", "replacement"),
    [
        (("faiss", "write_index"), _raise_runtime),
        (("writer", "write_sqlite"), _raise_enospc),
        (("writer", "write_manifest"), _raise_enospc),
        (("os", "replace"), _raise_enospc),
    ],
    ids=["faiss-crash", "sqlite-enospc", "manifest-enospc", "current-replace-enospc"],
)
def test_interrupted_write_keeps_the_old_generation(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: tuple[str, str],
    replacement: Any,
) -> None:
    settings = settings_for(tmp_path)
    old = write_small(settings, n_docs=2)
    current_before = (settings.index_dir / "CURRENT").read_text()

    module = {"faiss": faiss, "writer": store_writer, "os": os}[target[0]]
    monkeypatch.setattr(module, target[1], replacement)
    with pytest.raises((RuntimeError, OSError)):
        write_small(settings, n_docs=5, seed=9)
    monkeypatch.undo()

    assert (settings.index_dir / "CURRENT").read_text() == current_before
    assert gen_dirs(settings.index_dir) == [old.name]  # the partial directory is gone
    snap = IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    assert len(snap.documents) == 2
    np.testing.assert_array_equal(snap.vectors, unit_vectors(6))


def test_leftovers_of_a_crash_are_cleaned_by_the_next_write(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    old = write_small(settings, n_docs=2)
    partial = settings.index_dir / "gen-20000101T000000_000000Z-deadbeef"
    partial.mkdir()
    (partial / "vectors.npy").write_bytes(b"half a file")
    (settings.index_dir / ".CURRENT.tmp-0badf00d").write_text(partial.name)

    assert IndexSnapshot.load(settings.index_dir).path == old  # leftovers don't disturb reads
    new = write_small(settings, n_docs=3)
    assert sorted(p.name for p in settings.index_dir.iterdir()) == sorted(
        [".lock", "CURRENT", new.name]
    )


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError):
        IndexSnapshot.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissingError):
        IndexSnapshot.load(tmp_path / "empty")


def _truncate_faiss(gen: Path) -> None:
    path = gen / "faiss.index"
    path.write_bytes(path.read_bytes()[:100])


def _garbage_manifest(gen: Path) -> None:
    (gen / "manifest.json").write_bytes(b"\x00{not json")


def _manifest_missing_field(gen: Path) -> None:
    manifest = json.loads((gen / "manifest.json").read_text())
    del manifest["files"]["meta.sqlite"]
    (gen / "manifest.json").write_text(json.dumps(manifest))


def _deleted(name: str) -> Callable[[Path], None]:
    def damage(gen: Path) -> None:
        (gen / name).unlink()

    damage.__name__ = f"delete_{name}"
    return damage


def _byte_flipped(name: str, where: Callable[[int], int]) -> Callable[[Path], None]:
    """Flip one byte of a file (at `where(size)`), leaving the manifest's checksum stale."""

    def damage(gen: Path) -> None:
        path = gen / name
        data = bytearray(path.read_bytes())
        data[where(len(data))] ^= 0xFF
        path.write_bytes(bytes(data))

    damage.__name__ = f"flip_byte_{name}"
    return damage


def _rehash(gen: Path, name: str) -> None:
    """Make the manifest agree with a tampered file, so deeper checks must catch it."""
    manifest = json.loads((gen / "manifest.json").read_text())
    digest = file_digest(gen / name)
    manifest["files"][name] = {"sha256": digest.sha256, "size": digest.size}
    (gen / "manifest.json").write_text(json.dumps(manifest))


def _garbage_sqlite_rehashed(gen: Path) -> None:
    (gen / "meta.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x13" * 4000)
    _rehash(gen, "meta.sqlite")


def _sqlite_row_dropped_rehashed(gen: Path) -> None:
    con = sqlite3.connect(gen / "meta.sqlite")
    with con:
        con.execute('DELETE FROM chunks WHERE "row" = 2')
    con.close()
    _rehash(gen, "meta.sqlite")


def _vectors_wrong_shape_rehashed(gen: Path) -> None:
    np.save(gen / "vectors.npy", unit_vectors(5), allow_pickle=False)
    _rehash(gen, "vectors.npy")


def _pickled_vectors_rehashed(gen: Path) -> None:
    np.save(gen / "vectors.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    _rehash(gen, "vectors.npy")


def _sentence_vectors_wrong_shape_rehashed(gen: Path) -> None:
    np.save(gen / "sentence_vectors.npy", unit_vectors(4), allow_pickle=False)
    _rehash(gen, "sentence_vectors.npy")


def _sentence_vectors_float64_rehashed(gen: Path) -> None:
    n = json.loads((gen / "manifest.json").read_text())["counts"]["sentences"]
    np.save(gen / "sentence_vectors.npy", unit_vectors(n).astype(np.float64), allow_pickle=False)
    _rehash(gen, "sentence_vectors.npy")


def _sql_rehashed(statement: str) -> Callable[[Path], None]:
    """Tamper with meta.sqlite and re-hash it, so the loader's own checks must catch it."""

    def damage(gen: Path) -> None:
        con = sqlite3.connect(gen / "meta.sqlite")
        with con:
            con.execute(statement)
        con.close()
        _rehash(gen, "meta.sqlite")

    damage.__name__ = f"sql_{statement.split()[0].lower()}"
    return damage


def _current_points_nowhere(gen: Path) -> None:
    (gen.parent / "CURRENT").write_text("gen-20000101T000000_000000Z-00000000\n")


def _current_garbage(gen: Path) -> None:
    (gen.parent / "CURRENT").write_text("../../etc\n")


@pytest.mark.parametrize(
    "damage",
    [
        _truncate_faiss,
        _garbage_manifest,
        _manifest_missing_field,
        _deleted("vectors.npy"),
        _byte_flipped("meta.sqlite", lambda n: n // 2),
        _garbage_sqlite_rehashed,
        _sqlite_row_dropped_rehashed,
        _vectors_wrong_shape_rehashed,
        _pickled_vectors_rehashed,
        _deleted("sentence_vectors.npy"),
        _byte_flipped("sentence_vectors.npy", lambda n: n - 5),
        _sentence_vectors_wrong_shape_rehashed,
        _sentence_vectors_float64_rehashed,
        # one row short of the array (still contiguous), one row too many, a span off its doc
        _sql_rehashed('DELETE FROM sentences WHERE "row" = (SELECT MAX("row") FROM sentences)'),
        _sql_rehashed(
            'INSERT INTO sentences SELECT MAX("row") + 1, doc_id, "start", "end" FROM sentences'
        ),
        _sql_rehashed('UPDATE sentences SET "end" = 100000 WHERE "row" = 1'),
        _current_points_nowhere,
        _current_garbage,
    ],
)
def test_corruption_is_reported_with_the_fix(tmp_path: Path, damage: Any) -> None:
    settings = settings_for(tmp_path)
    gen = write_small(settings)
    damage(gen)
    with pytest.raises(CorruptIndexError) as info:
        IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    assert REBUILD_HINT in str(info.value)


def test_identity_mismatch(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    write_small(settings)
    other = EmbedderIdentity(model="another/model", backend="test", dim=DIM)
    with pytest.raises(IncompatibleIndexError) as info:
        IndexSnapshot.load(settings.index_dir, expected=other)
    assert REBUILD_HINT in str(info.value)
    assert IndexSnapshot.load(settings.index_dir).identity == IDENTITY  # no expectation: loads


def test_unknown_format_version(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    gen = write_small(settings)
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["format_version"] = 99
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IncompatibleIndexError, match="format version 99"):
        IndexSnapshot.load(settings.index_dir)


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            write_small(settings)
        except BaseException as exc:
            errors.append(exc)

    with writer_lock(settings.index_dir):
        write_small(settings)  # re-entrant in the holding thread
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join()
    assert len(errors) == 1 and isinstance(errors[0], IndexBusyError)
    write_small(settings)  # released


def test_failed_write_over_unreadable_current_deletes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    old = write_small(settings)
    (settings.index_dir / "CURRENT").write_text("garbage\n")
    monkeypatch.setattr(faiss, "write_index", _raise_runtime)
    with pytest.raises(RuntimeError):
        write_small(settings)
    assert gen_dirs(settings.index_dir) == [old.name]  # still there to be recovered by hand


def test_empty_generation(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    empty = np.zeros((0, DIM), np.float32)
    write_generation(
        settings.index_dir,
        IDENTITY,
        [],
        [],
        empty,
        {},
        settings,
        sentences=[],
        sentence_vectors=empty,
    )
    snap = IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    assert len(snap) == 0 and snap.documents == {}
    assert snap.sentences == [] and snap.sentence_vectors.shape == (0, DIM)
    assert snap.search(unit_vectors(2), k=5) == [[], []]


# --------------------------------------------------------------------------------------------
# The optional second channel (use_vectors.npy).

SECOND_DIM = 8
SECOND = EmbedderIdentity(model="test/second-model", backend="test", dim=SECOND_DIM)


def second_vectors(n: int, seed: int = 11) -> np.ndarray[Any, np.dtype[np.float32]]:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, SECOND_DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def write_with_second(settings: IndexSettings, n_docs: int = 3) -> Path:
    docs, chunks = make_corpus(n_docs)
    sentences = make_sentences(chunks)
    return write_generation(
        settings.index_dir,
        IDENTITY,
        docs,
        chunks,
        unit_vectors(len(chunks)),
        {},
        settings,
        sentences=sentences,
        sentence_vectors=unit_vectors(len(sentences), 107),
        second_identity=SECOND,
        second_vectors=second_vectors(len(chunks)),
    )


def test_second_vectors_round_trip(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    _, chunks = make_corpus(3)
    gen = write_with_second(settings)
    snap = IndexSnapshot.load(settings.index_dir, expected=IDENTITY, expected_second=SECOND)
    assert snap.second_identity == SECOND
    assert snap.second_vectors is not None
    np.testing.assert_array_equal(snap.second_vectors, second_vectors(len(chunks)))
    assert not snap.second_vectors.flags.writeable
    np.testing.assert_array_equal(snap.vectors, unit_vectors(len(chunks)))  # e5 rows untouched
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["second_embedder"] == SECOND.as_dict()
    assert manifest["files"]["use_vectors.npy"]["size"] == (gen / "use_vectors.npy").stat().st_size


def test_no_second_channel(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    gen = write_small(settings)
    assert not (gen / "use_vectors.npy").exists()
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["second_embedder"] is None and "use_vectors.npy" not in manifest["files"]
    # Asking for a second channel the index lacks is no error: the snapshot simply has none.
    snap = IndexSnapshot.load(settings.index_dir, expected=IDENTITY, expected_second=SECOND)
    assert snap.second_identity is None and snap.second_vectors is None


# --------------------------------------------------------------------------------------------
# Generations written by format 2 (before titles in chunk vectors and token states).

# The keys of a format-2 manifest: `Manifest.to_json` before format 3 added "tokens". Early
# format-2 generations, written before the second channel existed, lack "second_embedder" too.
FORMAT_2_KEYS = frozenset(
    {
        "format_version",
        "created_at",
        "embedder",
        "second_embedder",
        "counts",
        "chunking",
        "faiss",
        "files",
    }
)


def write_format_2(settings: IndexSettings, variant: str) -> Path:
    """A generation as format 2 wrote it. Its data files and SQLite schema are those of format 3
    (unchanged since); what differs on disk is the manifest, and that no token files exist.
    Vectors embedded without titles look like any other vectors to the store."""
    gen = write_with_second(settings) if variant == "second channel" else write_small(settings)
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["tokens"] is None and set(manifest) - FORMAT_2_KEYS == {"tokens"}
    old = {key: manifest[key] for key in FORMAT_2_KEYS}
    old["format_version"] = 2
    if variant == "before the second channel":
        del old["second_embedder"]
    (gen / "manifest.json").write_text(json.dumps(old))
    assert not any((gen / name).exists() for name in store.TOKEN_FILES)
    return gen


@pytest.mark.parametrize(
    "variant", ["before the second channel", "no second channel", "second channel"]
)
def test_format_2_generation_is_refused_and_keeps_its_documents(
    tmp_path: Path, variant: str
) -> None:
    """Answering from it would compare title-less chunk vectors with today's; `newsbot index`
    re-embeds it from the documents it holds, which therefore must all still be readable."""
    settings = settings_for(tmp_path)
    gen = write_format_2(settings, variant)
    with pytest.raises(OutdatedIndexError) as info:
        IndexSnapshot.load(settings.index_dir, expected=IDENTITY, expected_second=SECOND)
    message = str(info.value)
    assert "older format (2)" in message and str(gen) in message
    assert "Update it with: newsbot index" in message and "--rebuild" not in message
    with pytest.raises(OutdatedIndexError):
        IndexSnapshot.load(settings.index_dir)  # whatever the caller expects
    docs, _ = make_corpus(3)
    assert store.read_documents(settings.index_dir) == {d.doc_id: d for d in docs}
    assert gen_dirs(settings.index_dir) == [gen.name]  # refusing it deleted nothing


def test_second_identity_mismatch(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    write_with_second(settings)
    other = EmbedderIdentity(model="another/second", backend="test", dim=SECOND_DIM)
    with pytest.raises(IncompatibleIndexError, match="second embedder") as info:
        IndexSnapshot.load(settings.index_dir, expected=IDENTITY, expected_second=other)
    assert REBUILD_HINT in str(info.value)
    assert IndexSnapshot.load(settings.index_dir).second_identity == SECOND  # unchecked: loads


def _second_vectors_wrong_shape_rehashed(gen: Path) -> None:
    np.save(gen / "use_vectors.npy", second_vectors(4), allow_pickle=False)
    _rehash(gen, "use_vectors.npy")


def _second_vectors_wrong_dim_rehashed(gen: Path) -> None:
    np.save(gen / "use_vectors.npy", unit_vectors(9), allow_pickle=False)  # 16 columns, not 8
    _rehash(gen, "use_vectors.npy")


def _second_vectors_pickled_rehashed(gen: Path) -> None:
    np.save(gen / "use_vectors.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    _rehash(gen, "use_vectors.npy")


def _second_file_unlisted(gen: Path) -> None:
    manifest = json.loads((gen / "manifest.json").read_text())
    del manifest["files"]["use_vectors.npy"]
    (gen / "manifest.json").write_text(json.dumps(manifest))


def _second_identity_dropped(gen: Path) -> None:
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["second_embedder"] = None
    (gen / "manifest.json").write_text(json.dumps(manifest))


def _second_identity_malformed(gen: Path) -> None:
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["second_embedder"] = {"model": "x", "backend": "y", "dim": "512"}
    (gen / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "damage",
    [
        _deleted("use_vectors.npy"),
        _byte_flipped("use_vectors.npy", lambda n: n - 3),
        _second_vectors_wrong_shape_rehashed,
        _second_vectors_wrong_dim_rehashed,
        _second_vectors_pickled_rehashed,
        _second_file_unlisted,
        _second_identity_dropped,
        _second_identity_malformed,
    ],
)
def test_second_channel_corruption(tmp_path: Path, damage: Any) -> None:
    settings = settings_for(tmp_path)
    gen = write_with_second(settings)
    damage(gen)
    with pytest.raises(CorruptIndexError) as info:
        IndexSnapshot.load(settings.index_dir, expected=IDENTITY, expected_second=SECOND)
    assert REBUILD_HINT in str(info.value)


def test_second_vectors_are_validated_before_writing(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    docs, chunks = make_corpus(2)
    sentences = make_sentences(chunks)
    common: dict[str, Any] = {"sentences": sentences, "sentence_vectors": unit_vectors(6)}
    args = (settings.index_dir, IDENTITY, docs, chunks, unit_vectors(6), {}, settings)
    with pytest.raises(ValueError, match="go together"):
        write_generation(*args, **common, second_vectors=second_vectors(6))
    with pytest.raises(ValueError, match="go together"):
        write_generation(*args, **common, second_identity=SECOND)
    with pytest.raises(ValueError, match="second chunk vectors shape"):
        write_generation(*args, **common, second_identity=SECOND, second_vectors=second_vectors(5))
    assert not settings.index_dir.exists() or gen_dirs(settings.index_dir) == []
