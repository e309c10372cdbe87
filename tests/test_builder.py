"""Incremental indexing with the real embedder: only new or changed chunks and sentences are
embedded."""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import dedup
from index.builder import UpdateReport, update_index
from index.chunking import chunk_document
from index.documents import Document, SentenceSpan
from index.embedder import EmbedderIdentity, Vectors
from index.errors import CorruptIndexError, IncompatibleIndexError
from index.settings import IndexSettings
from index.store import IndexSnapshot
from index.update_plan import plan_update, with_content_hash
from nlp.sentences import split_sentences

pytestmark = pytest.mark.slow

PREFIX = "corpus/"

DOCS = [
    Document(
        doc_id="ru-bank",
        title="ЦБ сохранил ставку",
        text=(
            "Банк России сохранил ключевую ставку на уровне 16 процентов. "
            "Регулятор сослался на устойчиво высокую инфляцию. "
            "Следующее заседание совета директоров пройдёт в июле."
        ),
        source=PREFIX + "ru-bank.txt",
        language="ru",
        date="2024-06-07",
    ),
    Document(
        doc_id="ru-metro",
        title="Новая станция метро",
        text=(
            "В Москве открылась новая станция метро на Большой кольцевой линии. "
            "Пассажиропоток оценивается в сорок тысяч человек в сутки."
        ),
        source=PREFIX + "ru-metro.txt",
        language="ru",
    ),
    Document(
        doc_id="en-budget",
        title="Council approves budget",
        text=(
            "The city council approved the new budget on Tuesday. "
            "Spending on public transport rises by twelve percent. "
            "Opposition members voted against the plan."
        ),
        source=PREFIX + "en-budget.txt",
        language="en",
        date="2024-03-12",
    ),
    Document(
        doc_id="en-storm",
        title="Storm warning",
        text=(
            "Forecasters issued a storm warning for the coast. "
            "Heavy rain and strong winds are expected over the weekend."
        ),
        source=PREFIX + "en-storm.txt",
        language="en",
    ),
]

URL_DOC = Document(
    doc_id="url-football",
    title="Cup final",
    text="The home team won the cup final two to one. Fans celebrated in the streets.",
    source="https://news.example.com/cup-final",
    language="en",
)


def make_settings(data_dir: Path) -> IndexSettings:
    # Small chunks, so that each document has a few and counts are meaningful.
    return IndexSettings(
        data_dir=data_dir,
        chunk_max_chars=90,
        chunk_overlap_sentences=0,
        embedding_batch_size=4,
        embedding_threads=1,
    )


@pytest.fixture
def settings(tmp_path: Path) -> IndexSettings:
    return make_settings(tmp_path)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    """An index of DOCS, built once per module: the cores are shared, embedding is slow."""
    settings = make_settings(tmp_path_factory.mktemp("built"))
    update_index(settings, embedder, DOCS, progress=False)
    return settings.index_dir


@pytest.fixture
def built(settings: IndexSettings, built_once: Path) -> IndexSettings:
    """`settings` whose index already holds DOCS (a private copy)."""
    shutil.copytree(built_once, settings.index_dir)
    return settings


def n_chunks(settings: IndexSettings, *docs: Document) -> int:
    return sum(
        len(chunk_document(d, settings.chunk_max_chars, settings.chunk_overlap_sentences))
        for d in docs
    )


def n_sentences(*docs: Document) -> int:
    return sum(len(split_sentences(d.text)) for d in docs)


def n_texts(settings: IndexSettings, *docs: Document) -> int:
    """What embedding `docs` from scratch encodes: their chunks and their sentences."""
    return n_chunks(settings, *docs) + n_sentences(*docs)


def run(
    settings: IndexSettings, embedder: Any, docs: list[Document], **kwargs: Any
) -> tuple[UpdateReport, int]:
    """The report and how many texts the embedder encoded during the update."""
    before = embedder.texts_encoded
    report = update_index(settings, embedder, docs, progress=False, **kwargs)
    return report, embedder.texts_encoded - before


def vectors_by_chunk(snap: IndexSnapshot) -> dict[str, Vectors]:
    return {c.chunk_id: np.array(snap.vectors[i]) for i, c in enumerate(snap.chunks)}


def vectors_by_sentence(snap: IndexSnapshot) -> dict[SentenceSpan, Vectors]:
    return {s: np.array(snap.sentence_vectors[i]) for i, s in enumerate(snap.sentences)}


def test_first_build_then_nothing_to_do(settings: IndexSettings, embedder: Any) -> None:
    total = n_chunks(settings, *DOCS)
    assert total > len(DOCS)  # several chunks per document

    sentences = n_sentences(*DOCS)
    assert sentences > len(DOCS)

    report, encoded = run(settings, embedder, DOCS, prune_prefix=PREFIX)
    assert (report.added, report.changed, report.removed, report.unchanged) == (4, 0, 0, 0)
    assert report.chunks_embedded == total == report.total_chunks
    assert report.sentences_embedded == sentences == report.total_sentences
    assert encoded == total + sentences
    assert report.total_documents == 4 and report.generation is not None

    snap = IndexSnapshot.load(settings.index_dir, expected=embedder.identity)
    assert set(snap.documents) == {d.doc_id for d in DOCS}
    assert all(d.content_hash for d in snap.documents.values())
    # Every document's sentences, in order; each chunk is exactly its sentences.
    for doc in DOCS:
        rows = snap.sentence_rows_of(doc.doc_id)
        assert [(snap.sentences[r].start, snap.sentences[r].end) for r in rows] == (
            split_sentences(doc.text)
        )
        for chunk in snap.chunks_of(doc.doc_id):
            inside = snap.sentences_in(chunk)
            assert inside and inside[0][0] == 0 and inside[-1][1] == len(chunk.text)
    texts = [snap.documents[s.doc_id].text[s.start : s.end] for s in snap.sentences]
    np.testing.assert_allclose(snap.sentence_vectors, embedder.embed_passages(texts), atol=1e-4)
    query = embedder.embed_queries(["Какую ставку сохранил Центробанк?"])
    (hits,) = snap.search(query, k=3)
    assert snap.chunks[hits[0][0]].doc_id == "ru-bank"
    query = embedder.embed_queries(["What weather is expected at the weekend?"])
    (hits,) = snap.search(query, k=3)
    assert snap.chunks[hits[0][0]].doc_id == "en-storm"

    current = (settings.index_dir / "CURRENT").read_text()
    again, encoded = run(settings, embedder, DOCS, prune_prefix=PREFIX)
    assert encoded == 0 and again.chunks_embedded == again.sentences_embedded == 0
    assert again.generation is None
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 4)
    assert (again.total_documents, again.total_chunks, again.total_sentences) == (
        4,
        total,
        sentences,
    )
    assert (settings.index_dir / "CURRENT").read_text() == current
    assert IndexSnapshot.load(settings.index_dir).path == snap.path


def test_editing_one_document_re_embeds_only_its_chunks_and_sentences(
    built: IndexSettings, embedder: Any
) -> None:
    settings = built
    old = IndexSnapshot.load(settings.index_dir)
    before = vectors_by_chunk(old)
    sentences_before = vectors_by_sentence(old)

    edited = replace(
        DOCS[2],
        text=DOCS[2].text.replace("twelve percent", "fifteen percent")
        + " The mayor called it a fair compromise.",
    )
    docs = [DOCS[0], DOCS[1], edited, DOCS[3]]
    report, encoded = run(settings, embedder, docs, prune_prefix=PREFIX)
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 1, 0, 3)
    assert report.chunks_embedded == n_chunks(settings, edited)
    assert report.sentences_embedded == n_sentences(edited)
    assert encoded == n_texts(settings, edited)
    assert report.total_sentences == n_sentences(*docs)

    snap = IndexSnapshot.load(settings.index_dir)
    assert snap.documents["en-budget"].text == edited.text
    after = vectors_by_chunk(snap)
    for chunk_id, vec in after.items():
        if not chunk_id.startswith("en-budget#"):
            np.testing.assert_array_equal(vec, before[chunk_id])
    sentences_after = vectors_by_sentence(snap)
    for span, vec in sentences_after.items():
        if span.doc_id != "en-budget":
            np.testing.assert_array_equal(vec, sentences_before[span])
    budget = [snap.sentences[r] for r in snap.sentence_rows_of("en-budget")]
    assert [(s.start, s.end) for s in budget] == split_sentences(edited.text)
    last = budget[-1]
    np.testing.assert_allclose(
        sentences_after[last],
        embedder.embed_passages([edited.text[last.start : last.end]])[0],
        atol=1e-4,
    )
    assert snap.search(embedder.embed_passages([snap.chunks[-1].text]), k=1)[0][0][0] == (
        len(snap) - 1
    )


def test_metadata_only_change_keeps_vectors(built: IndexSettings, embedder: Any) -> None:
    """A new date re-embeds nothing; a new title only the document's chunks (it is part of
    what a chunk's vector reads), never its sentences."""
    settings = built
    redated = replace(DOCS[0], date="2020-01-01")
    report, encoded = run(settings, embedder, [redated, *DOCS[1:]])
    assert (report.changed, report.unchanged, encoded) == (1, 3, 0)
    retitled = replace(redated, title="Ставка осталась прежней")
    report, encoded = run(settings, embedder, [retitled, *DOCS[1:]])
    assert (report.changed, report.unchanged) == (1, 3)
    assert (report.chunks_embedded, report.sentences_embedded) == (n_chunks(settings, DOCS[0]), 0)
    assert encoded == report.chunks_embedded
    assert report.generation is not None
    assert IndexSnapshot.load(settings.index_dir).documents["ru-bank"].title == retitled.title


def test_deleted_file_under_prefix_is_pruned(built: IndexSettings, embedder: Any) -> None:
    settings = built
    report, encoded = run(settings, embedder, DOCS[:3], prune_prefix=PREFIX)
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 0, 1, 3)
    assert encoded == 0
    snap = IndexSnapshot.load(settings.index_dir)
    assert "en-storm" not in snap.documents
    assert not [c for c in snap.chunks if c.doc_id == "en-storm"]
    assert not [s for s in snap.sentences if s.doc_id == "en-storm"]
    assert len(snap) == n_chunks(settings, *DOCS[:3]) == report.total_chunks
    assert len(snap.sentences) == n_sentences(*DOCS[:3]) == report.total_sentences


def test_adding_a_url_prunes_nothing(built: IndexSettings, embedder: Any) -> None:
    settings = built
    report, encoded = run(settings, embedder, [URL_DOC])
    assert (report.added, report.removed) == (1, 0)
    assert encoded == n_texts(settings, URL_DOC)
    assert report.sentences_embedded == n_sentences(URL_DOC)
    # A prefix that matches none of the corpus files prunes none of them either.
    report, encoded = run(settings, embedder, [URL_DOC], prune_prefix="https://news.example.com/")
    assert (report.removed, report.unchanged, encoded, report.generation) == (0, 1, 0, None)
    snap = IndexSnapshot.load(settings.index_dir)
    assert set(snap.documents) == {d.doc_id for d in [*DOCS, URL_DOC]}
    # The folder run then keeps the URL document, which is outside the folder.
    report, _ = run(settings, embedder, DOCS, prune_prefix=PREFIX)
    assert report.removed == 0 and report.total_documents == 5


def test_rebuild_re_embeds_everything(built: IndexSettings, embedder: Any) -> None:
    settings = built
    report, encoded = run(settings, embedder, DOCS, rebuild=True)
    assert report.chunks_embedded == n_chunks(settings, *DOCS)
    assert report.sentences_embedded == n_sentences(*DOCS)
    assert encoded == n_texts(settings, *DOCS)
    assert report.added == 4 and report.generation is not None


def test_new_chunking_settings_re_chunk_everything(settings: IndexSettings, embedder: Any) -> None:
    run(settings, embedder, DOCS[:2])
    sentences_before = vectors_by_sentence(IndexSnapshot.load(settings.index_dir))
    wider = settings.model_copy(update={"chunk_max_chars": 400})
    report, encoded = run(wider, embedder, DOCS[:2])
    # Sentences do not depend on chunking: the same text keeps its sentence vectors.
    assert encoded == report.chunks_embedded == n_chunks(wider, *DOCS[:2]) == 2
    assert report.sentences_embedded == 0 and report.total_sentences == n_sentences(*DOCS[:2])
    snap = IndexSnapshot.load(settings.index_dir)
    assert snap.manifest.chunk_max_chars == 400
    after = vectors_by_sentence(snap)
    assert after.keys() == sentences_before.keys()
    for span, vec in after.items():
        np.testing.assert_array_equal(vec, sentences_before[span])


class RenamedEmbedder:
    """The real model under another identity, as if the configured model had changed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.identity = EmbedderIdentity(
            model="other/model", backend=inner.identity.backend, dim=inner.identity.dim
        )

    @property
    def texts_encoded(self) -> int:
        return int(self.inner.texts_encoded)

    def embed_passages(self, texts: Any) -> Vectors:
        return self.inner.embed_passages(texts)  # type: ignore[no-any-return]

    def embed_queries(self, texts: Any) -> Vectors:
        return self.inner.embed_queries(texts)  # type: ignore[no-any-return]


def test_other_embedder_needs_rebuild(settings: IndexSettings, embedder: Any) -> None:
    run(settings, embedder, DOCS[:2])
    other = RenamedEmbedder(embedder)
    with pytest.raises(IncompatibleIndexError, match="newsbot index --rebuild"):
        run(settings, other, DOCS[:2])
    _, encoded = run(settings, other, DOCS[:2], rebuild=True)
    assert encoded == n_texts(settings, *DOCS[:2])
    assert IndexSnapshot.load(settings.index_dir).identity == other.identity


def test_corrupt_index_needs_rebuild(settings: IndexSettings, embedder: Any) -> None:
    report, _ = run(settings, embedder, DOCS[:2])
    assert report.generation is not None
    (report.generation / "vectors.npy").write_bytes(b"garbage")
    with pytest.raises(CorruptIndexError, match="newsbot index --rebuild"):
        run(settings, embedder, DOCS[:2])
    report, _ = run(settings, embedder, DOCS[:2], rebuild=True)
    assert report.generation is not None
    (report.generation / "sentence_vectors.npy").unlink()
    with pytest.raises(CorruptIndexError, match="newsbot index --rebuild"):
        run(settings, embedder, DOCS[:2])
    report, _ = run(settings, embedder, DOCS[:2], rebuild=True)
    assert len(IndexSnapshot.load(settings.index_dir).documents) == 2


def test_duplicate_ids_last_wins(
    settings: IndexSettings, embedder: Any, caplog: pytest.LogCaptureFixture
) -> None:
    first = replace(DOCS[3], text="An early draft. It was replaced.")
    with caplog.at_level(logging.WARNING, logger="index.builder"):
        report, _ = run(settings, embedder, [first, *DOCS])
    assert "en-storm" in caplog.text
    assert report.added == 4
    assert IndexSnapshot.load(settings.index_dir).documents["en-storm"].text == DOCS[3].text


def test_plan_update_is_pure_bookkeeping() -> None:
    old = {d.doc_id: with_content_hash(d) for d in DOCS}
    changed = with_content_hash(replace(DOCS[1], text="Другой текст."))
    incoming = [old["ru-bank"], changed, with_content_hash(URL_DOC)]
    plan = plan_update(old, incoming, PREFIX, chunking_unchanged=True)
    assert (plan.added, plan.changed, plan.removed, plan.unchanged) == (1, 1, 2, 1)
    assert plan.reuse == {"ru-bank"}
    assert [d.doc_id for d in plan.documents] == ["ru-bank", "ru-metro", "url-football"]
    # New chunking settings: nothing keeps its old chunks.
    assert not plan_update(old, incoming, None, chunking_unchanged=False).reuse


# --------------------------------------------------------------------------------------------
# The second embedder (USE): chunks only, reused by chunk_id, its channel redone on its own.


def run2(
    settings: IndexSettings, embedder: Any, use: Any, docs: list[Document], **kwargs: Any
) -> tuple[UpdateReport, int, int]:
    """The report and how many texts e5 and USE each encoded during the update."""
    before, use_before = embedder.texts_encoded, use.texts_encoded
    report = update_index(settings, embedder, docs, second_embedder=use, progress=False, **kwargs)
    return report, embedder.texts_encoded - before, use.texts_encoded - use_before


def second_by_chunk(snap: IndexSnapshot) -> dict[str, Vectors]:
    assert snap.second_vectors is not None
    return {c.chunk_id: np.array(snap.second_vectors[i]) for i, c in enumerate(snap.chunks)}


def test_second_embedder_embeds_only_new_and_changed_chunks(
    settings: IndexSettings, embedder: Any, use_embedder: Any
) -> None:
    total = n_chunks(settings, *DOCS)
    report, encoded, use_encoded = run2(settings, embedder, use_embedder, DOCS)
    assert report.second_embedded == use_encoded == total  # chunks only, not sentences
    assert encoded == n_texts(settings, *DOCS)
    snap = IndexSnapshot.load(
        settings.index_dir, expected=embedder.identity, expected_second=use_embedder.identity
    )
    assert snap.second_identity == use_embedder.identity
    assert snap.second_vectors is not None and snap.second_vectors.shape == (total, 512)
    np.testing.assert_allclose(
        snap.second_vectors, use_embedder.embed_passages([c.text for c in snap.chunks]), atol=1e-5
    )
    before = second_by_chunk(snap)

    again, encoded, use_encoded = run2(settings, embedder, use_embedder, DOCS)
    assert (encoded, use_encoded, again.second_embedded, again.generation) == (0, 0, 0, None)

    edited = replace(DOCS[2], text=DOCS[2].text + " The mayor called it a fair compromise.")
    docs = [DOCS[0], DOCS[1], edited, DOCS[3]]
    report, encoded, use_encoded = run2(settings, embedder, use_embedder, docs)
    assert use_encoded == report.second_embedded == n_chunks(settings, edited)
    assert encoded == n_texts(settings, edited)
    after = second_by_chunk(IndexSnapshot.load(settings.index_dir))
    for chunk_id, vec in after.items():
        if not chunk_id.startswith("en-budget#"):
            np.testing.assert_array_equal(vec, before[chunk_id])


def test_second_embedder_added_changed_removed_without_rebuild(
    built: IndexSettings, embedder: Any, use_embedder: Any
) -> None:
    """An index without the channel gains it with a plain update; e5 embeds nothing."""
    settings = built
    old = IndexSnapshot.load(settings.index_dir)
    assert old.second_vectors is None
    total = len(old)
    report, encoded, use_encoded = run2(settings, embedder, use_embedder, DOCS)
    assert (encoded, use_encoded, report.second_embedded) == (0, total, total)
    assert report.generation is not None and report.unchanged == 4
    snap = IndexSnapshot.load(settings.index_dir)
    assert snap.second_identity == use_embedder.identity
    np.testing.assert_array_equal(snap.vectors, old.vectors)

    # Another second model: only that channel is redone.
    renamed = RenamedEmbedder(use_embedder)
    report, encoded, use_encoded = run2(settings, embedder, renamed, DOCS)
    assert (encoded, use_encoded, report.second_embedded) == (0, total, total)
    assert IndexSnapshot.load(settings.index_dir).second_identity == renamed.identity

    # Turned off: the channel is dropped, nothing is embedded.
    report, encoded = run(settings, embedder, DOCS)
    assert encoded == 0 and report.second_embedded == 0 and report.generation is not None
    gen = IndexSnapshot.load(settings.index_dir).path
    assert IndexSnapshot.load(settings.index_dir).second_vectors is None
    assert not (gen / "use_vectors.npy").exists()


def test_an_update_that_only_adds_extends_the_approximate_index(
    tmp_path: Path, embedder: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path).model_copy(update={"exact_search_max_chunks": 2})
    run(settings, embedder, DOCS[:2])
    before = IndexSnapshot.load(settings.index_dir)
    assert before.index_kind == "hnsw"
    with caplog.at_level(logging.INFO, logger="index.store.ann"):
        run(settings, embedder, [DOCS[3], DOCS[2]])  # new documents only
    assert "extended" in caplog.text
    after = IndexSnapshot.load(settings.index_dir)
    # The indexed documents keep their rows; the new ones follow, in the order given.
    assert [c.chunk_id for c in after.chunks[: len(before.chunks)]] == [
        c.chunk_id for c in before.chunks
    ]
    assert list(after.documents) == ["ru-bank", "ru-metro", "en-storm", "en-budget"]
    for row in (0, len(after.chunks) - 1):  # an old row and an appended one find themselves
        assert after.search(after.vectors[row], k=1)[0][0][0] == row

    caplog.clear()
    changed = replace(DOCS[0], text=DOCS[0].text + " Решение было единогласным.")
    with caplog.at_level(logging.INFO, logger="index.store.ann"):
        run(settings, embedder, [changed])  # an old row changes: a fresh graph
    assert "extended" not in caplog.text
    final = IndexSnapshot.load(settings.index_dir)
    assert final.search(final.vectors[0], k=1)[0][0][0] == 0


def test_an_update_that_only_adds_shingles_only_the_new_documents(
    tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path)
    run(settings, embedder, DOCS[:3])
    shingled: list[str] = []
    real = dedup.document_shingles

    def counting(doc: Document) -> frozenset[int]:
        shingled.append(doc.doc_id)
        return real(doc)

    monkeypatch.setattr(dedup, "document_shingles", counting)
    repost = replace(DOCS[1], doc_id="a-repost", source="feed/a-repost", title="Re: news")
    run(settings, embedder, [repost, DOCS[3]])
    assert shingled == ["a-repost", DOCS[3].doc_id]
    snap = IndexSnapshot.load(settings.index_dir)
    assert snap.story_of(DOCS[1].doc_id) == [DOCS[1].doc_id, "a-repost"]
    assert snap.story_ids[DOCS[1].doc_id] == "a-repost"  # the smaller id names the story

    shingled.clear()
    run(settings, embedder, [replace(DOCS[0], title="A new title")])  # an edit: all regrouped
    assert shingled == [DOCS[0].doc_id]  # ... from the stored shingles of the others
    assert IndexSnapshot.load(settings.index_dir).story_ids == snap.story_ids


def test_an_update_reuses_the_callers_live_snapshot_only_while_it_is_current(
    tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path)
    run(settings, embedder, DOCS[:2])
    live = IndexSnapshot.load(settings.index_dir)
    loads: list[Path] = []
    real_load = IndexSnapshot.load

    def counting(index_dir: Path, *args: Any, **kwargs: Any) -> IndexSnapshot:
        loads.append(index_dir)
        return real_load(index_dir, *args, **kwargs)

    monkeypatch.setattr(IndexSnapshot, "load", staticmethod(counting))
    update_index(settings, embedder, [DOCS[2]], progress=False, live=live)
    assert loads == []
    after = real_load(settings.index_dir)
    assert list(after.documents) == [*live.documents, DOCS[2].doc_id]
    # `live` is no longer the live generation: the update loads the one that is.
    update_index(settings, embedder, [DOCS[3]], progress=False, live=live)
    assert loads == [settings.index_dir]
    assert DOCS[2].doc_id in real_load(settings.index_dir).documents
