"""Incremental indexing: embed only what is new or changed, then write one new generation.

Embedding dominates the cost of indexing, so the builder diffs the incoming documents against
the live generation by content hash and text, reuses the vectors of unchanged documents (chunks
by chunk_id, sentences by doc_id and offsets), and writes nothing at all when nothing changed.

Besides its chunks, every document's sentences (`split_sentences`, the splitter chunking uses,
so each chunk's sentences are among them) are embedded once here: the answerer and fact checks
compare a question with sentences without embedding anything at query time.

A chunk is embedded with its document's title in front (`passage_text`): the title often names
what the chunk's sentences only refer to (TyDi QA ru R@1 +2.7 points, XQuAD ru +0.6). Sentences
are embedded as they are: the answerer compares them with the question on their own.

An optional second embedder (USE, index/second_embedder.py) embeds the chunks once more, for a
cross-language fusion channel; its vectors are reused by chunk_id exactly like the e5 ones.

When the embedder gives token states (`TokenEmbedder`), each chunk's states are product-quantised
with a codec trained on the first build's chunks and kept by later incremental updates (a
`--rebuild` trains it anew): index/tokens.py explains what they are for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.chunking import chunk_document, passage_text
from index.dedup import story_groups
from index.documents import Chunk, Document, SentenceSpan
from index.embedder import Embedder, EmbedderIdentity, TokenEmbedder, Vectors
from index.embedding_pass import (
    ChunkCoder,
    code_tokens,
    embed_texts,
    reused_vectors,
    with_middles,
)
from index.errors import IndexMissingError, OutdatedIndexError
from index.settings import IndexSettings
from index.store import (
    IndexSnapshot,
    current_or_none,
    read_documents,
    write_generation,
    writer_lock,
)
from index.tokens import TOKEN_LAYER, ChunkTokens
from index.update_plan import UpdatePlan, dedupe_by_id, plan_update, with_content_hash
from nlp.sentences import split_sentences

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpdateReport:
    added: int
    changed: int
    removed: int
    unchanged: int
    chunks_embedded: int
    sentences_embedded: int
    second_embedded: int  # chunks embedded by the second embedder
    total_documents: int
    total_chunks: int
    total_sentences: int
    seconds: float
    generation: Path | None = None  # None when nothing changed and nothing was written

    @property
    def wrote(self) -> bool:
        return self.generation is not None


def _plan_sentences(
    old: IndexSnapshot | None, plan: UpdatePlan
) -> tuple[list[SentenceSpan], list[int]]:
    """The next generation's sentences and, per sentence, the old row to reuse (-1: embed).

    Documents kept as they were take their old sentences as they are. Any other document is
    split again; where its text is the indexed one (e.g. only the chunking settings changed),
    a sentence at the same offsets keeps its vector, so only new or edited text is embedded.
    """
    sentences: list[SentenceSpan] = []
    reused: list[int] = []
    for doc in plan.documents:
        if old is not None and doc.doc_id in plan.reuse:
            rows = old.sentence_rows_of(doc.doc_id)
            sentences.extend(old.sentences[r] for r in rows)
            reused.extend(rows)
            continue
        prev = old.documents.get(doc.doc_id) if old is not None else None
        old_rows: dict[tuple[int, int], int] = {}
        if old is not None and prev is not None and prev.text == doc.text:
            for r in old.sentence_rows_of(doc.doc_id):
                old_rows[(old.sentences[r].start, old.sentences[r].end)] = r
        for start, end in split_sentences(doc.text):
            sentences.append(SentenceSpan(doc.doc_id, start, end))
            reused.append(old_rows.get((start, end), -1))
    return sentences, reused


def _load_live(
    index_dir: Path, embedder: Embedder, rebuild: bool, live: IndexSnapshot | None
) -> tuple[IndexSnapshot | None, dict[str, Document]]:
    """The live generation (None: none, outdated, or `rebuild`) and, when it is outdated, its
    documents, all to be re-embedded. `live`, a snapshot the caller holds, stands for it when
    CURRENT still names it and it holds this embedder's vectors: generations are never modified,
    so loading it again would only re-read and re-verify the same files (3.7 s at 100k chunks)."""
    if rebuild:
        return None, {}
    if (
        live is not None
        and live.identity == embedder.identity
        and current_or_none(index_dir) == live.path.name
        and live.path.parent.resolve() == index_dir.resolve()
    ):
        return live, {}
    try:
        return IndexSnapshot.load(index_dir, expected=embedder.identity), {}
    except IndexMissingError:
        return None, {}
    except OutdatedIndexError as exc:
        log.info("%s; re-embedding everything now", exc)
        return None, read_documents(index_dir)


@dataclass(frozen=True)
class _Reuse:
    """What of the live generation can be kept as it is."""

    chunking: bool  # same chunking settings: chunks (and their vectors) by doc_id
    second: bool  # same second embedder (or none before and now): its vectors by chunk
    tokens: ChunkTokens | None  # token states of today's layer, with their codec


def _what_is_reusable(
    old: IndexSnapshot | None, settings: IndexSettings, second_identity: EmbedderIdentity | None
) -> _Reuse:
    chunking = old is not None and (
        old.manifest.chunk_max_chars == settings.chunk_max_chars
        and old.manifest.chunk_overlap_sentences == settings.chunk_overlap_sentences
    )
    if old is not None and not chunking:
        log.info("chunking settings changed since the last build: re-chunking everything")
    second = old is not None and old.second_identity == second_identity
    if old is not None and not second:
        log.info(
            "second embedder changed (%s -> %s): re-embedding that channel only",
            old.second_identity,
            second_identity,
        )
    tokens = old.tokens if old is not None else None
    if tokens is not None and tokens.layer != TOKEN_LAYER:
        tokens = None
    return _Reuse(chunking, second, tokens)


def _up_to_date_report(
    old: IndexSnapshot | None, plan: UpdatePlan, reuse: _Reuse, with_tokens: bool, started: float
) -> UpdateReport | None:
    """The report of an update with nothing to write, or None when there is something (token
    middles missing from an older generation are added without embedding anything)."""
    if (
        old is None
        or not reuse.chunking
        or not reuse.second
        or (with_tokens and (reuse.tokens is None or reuse.tokens.middles is None))
        or plan.added
        or plan.changed
        or plan.removed
    ):
        return None
    log.info("index is up to date: %d documents, %d chunks", len(old.documents), len(old))
    return UpdateReport(
        added=0,
        changed=0,
        removed=0,
        unchanged=plan.unchanged,
        chunks_embedded=0,
        sentences_embedded=0,
        second_embedded=0,
        total_documents=len(old.documents),
        total_chunks=len(old),
        total_sentences=len(old.sentences),
        seconds=time.perf_counter() - started,
    )


def _plan_chunks(
    old: IndexSnapshot | None, plan: UpdatePlan, settings: IndexSettings
) -> tuple[list[Chunk], list[int]]:
    """The next generation's chunks and, per chunk, the old row to reuse (-1: embed)."""
    chunks: list[Chunk] = []
    reused_rows: list[int] = []
    old_chunks_of: dict[str, list[int]] = {}
    if old is not None:
        for row, c in enumerate(old.chunks):
            old_chunks_of.setdefault(c.doc_id, []).append(row)
    for doc in plan.documents:
        if old is not None and doc.doc_id in plan.reuse:
            rows = old_chunks_of.get(doc.doc_id, [])
            chunks.extend(old.chunks[r] for r in rows)
            reused_rows.extend(rows)
        else:
            fresh = chunk_document(doc, settings.chunk_max_chars, settings.chunk_overlap_sentences)
            chunks.extend(fresh)
            reused_rows.extend([-1] * len(fresh))
    return chunks, reused_rows


@dataclass(frozen=True)
class _Layout:
    """The next generation's chunks and sentences, each with the old row to reuse (-1: embed)."""

    documents: list[Document]
    chunks: list[Chunk]
    chunk_rows: list[int]
    sentences: list[SentenceSpan]
    sentence_rows: list[int]


def _plan_layout(
    old: IndexSnapshot | None, plan: UpdatePlan, settings: IndexSettings, *, embed_all_chunks: bool
) -> _Layout:
    """Chunks and sentences of the next generation; `embed_all_chunks` when the live one has
    no token states to reuse."""
    chunks, chunk_rows = _plan_chunks(old, plan, settings)
    sentences, sentence_rows = _plan_sentences(old, plan)
    if embed_all_chunks:
        log.info("the index has no token states of layer %d: embedding every chunk", TOKEN_LAYER)
        chunk_rows = [-1] * len(chunks)
    return _Layout(plan.documents, chunks, chunk_rows, sentences, sentence_rows)


@dataclass(frozen=True)
class _Embedded:
    vectors: Vectors
    sentence_vectors: Vectors
    tokens: ChunkTokens | None
    chunks_embedded: int
    sentences_embedded: int


def _embed_missing(
    embedder: Embedder,
    old: IndexSnapshot | None,
    layout: _Layout,
    old_tokens: ChunkTokens | None,
    batch: int,
    progress: bool,
) -> _Embedded:
    """Chunk and sentence vectors (and token states) of the next generation: reused rows
    copied from `old`, the others embedded."""
    dim = embedder.identity.dim
    with_tokens = isinstance(embedder, TokenEmbedder)
    vectors = reused_vectors(old.vectors if old is not None else None, layout.chunk_rows, dim)
    sentence_vectors = reused_vectors(
        old.sentence_vectors if old is not None else None, layout.sentence_rows, dim
    )
    to_embed = [i for i, r in enumerate(layout.chunk_rows) if r < 0]
    sentences_to_embed = [i for i, r in enumerate(layout.sentence_rows) if r < 0]
    by_id = {d.doc_id: d for d in layout.documents}
    chunks, sentences = layout.chunks, layout.sentences
    # One pass over chunks and sentences together: length-sorted batches of both pad less
    # than two passes (bench/index_throughput.py); the coder keeps the chunks' states only.
    texts = [passage_text(by_id[chunks[i].doc_id].title, chunks[i].text) for i in to_embed]
    for i in sentences_to_embed:
        s = sentences[i]
        texts.append(by_id[s.doc_id].text[s.start : s.end])
    coder = ChunkCoder(to_embed, old_tokens.codec if old_tokens is not None else None)
    if texts:
        embedded = embed_texts(
            embedder, texts, batch, progress, on_states=coder.add if with_tokens else None
        )
        vectors[to_embed] = embedded[: len(to_embed)]
        sentence_vectors[sentences_to_embed] = embedded[len(to_embed) :]
    tokens = code_tokens(coder, old_tokens, layout.chunk_rows) if with_tokens else None
    if tokens is not None:
        assert isinstance(embedder, TokenEmbedder)
        tokens = with_middles(
            tokens,
            old_tokens,
            layout.chunk_rows,
            lambda i: passage_text(by_id[chunks[i].doc_id].title, chunks[i].text),
            embedder.passage_token_spans,
        )
    return _Embedded(vectors, sentence_vectors, tokens, len(to_embed), len(sentences_to_embed))


@dataclass(frozen=True)
class _Second:
    """The second channel of the next generation; `embedded`: chunks embedded for it."""

    identity: EmbedderIdentity | None
    vectors: Vectors | None
    embedded: int


def _second_channel(
    second_embedder: Embedder | None,
    old: IndexSnapshot | None,
    reuse: _Reuse,
    layout: _Layout,
    batch: int,
    progress: bool,
) -> _Second:
    """The second embedder's chunk vectors (None without one) and how many were embedded."""
    if second_embedder is None:
        return _Second(None, None, 0)
    chunks = layout.chunks
    second_old = old.second_vectors if old is not None and reuse.second else None
    second_rows = layout.chunk_rows if second_old is not None else [-1] * len(chunks)
    second_vectors = reused_vectors(second_old, second_rows, second_embedder.identity.dim)
    to_embed = [i for i, r in enumerate(second_rows) if r < 0]
    if to_embed:
        second_vectors[to_embed] = embed_texts(
            second_embedder, [chunks[i].text for i in to_embed], batch, progress
        )
    return _Second(second_embedder.identity, second_vectors, len(to_embed))


def _write(
    settings: IndexSettings,
    identity: EmbedderIdentity,
    layout: _Layout,
    embedded: _Embedded,
    second: _Second,
    old: IndexSnapshot | None,
) -> Path:
    """Group near-duplicates into stories and write the new generation (the live one's search
    index extended, and its stories kept, where the update only appended rows)."""
    stories, shingles = story_groups(
        layout.documents, old.indexed_stories() if old is not None else None
    )
    return write_generation(
        settings.index_dir,
        identity,
        layout.documents,
        layout.chunks,
        embedded.vectors,
        stories,
        settings,
        sentences=layout.sentences,
        sentence_vectors=embedded.sentence_vectors,
        second_identity=second.identity,
        second_vectors=second.vectors,
        tokens=embedded.tokens,
        shingles=shingles,
        base_index=old.live_index if old is not None else None,
    )


def _written_report(
    plan: UpdatePlan,
    layout: _Layout,
    embedded: _Embedded,
    second: _Second,
    started: float,
    gen_dir: Path,
) -> UpdateReport:
    report = UpdateReport(
        added=plan.added,
        changed=plan.changed,
        removed=plan.removed,
        unchanged=plan.unchanged,
        chunks_embedded=embedded.chunks_embedded,
        sentences_embedded=embedded.sentences_embedded,
        second_embedded=second.embedded,
        total_documents=len(plan.documents),
        total_chunks=len(layout.chunks),
        total_sentences=len(layout.sentences),
        seconds=time.perf_counter() - started,
        generation=gen_dir,
    )
    _log_report(report)
    return report


def _log_report(report: UpdateReport) -> None:
    log.info(
        "indexed in %.1fs: %d added, %d changed, %d removed, %d unchanged; "
        "%d chunks and %d sentences embedded (%d chunks by the second embedder); "
        "%d documents, %d chunks, %d sentences in total",
        report.seconds,
        report.added,
        report.changed,
        report.removed,
        report.unchanged,
        report.chunks_embedded,
        report.sentences_embedded,
        report.second_embedded,
        report.total_documents,
        report.total_chunks,
        report.total_sentences,
    )


def update_index(
    settings: IndexSettings,
    embedder: Embedder,
    documents: Sequence[Document],
    *,
    second_embedder: Embedder | None = None,
    prune_prefix: str | None = None,
    rebuild: bool = False,
    progress: bool = True,
    live: IndexSnapshot | None = None,
) -> UpdateReport:
    """Bring the index in `settings.index_dir` up to date with `documents`.

    Raises IncompatibleIndexError when the live index was built by another embedder and
    CorruptIndexError when it cannot be trusted (both unless `rebuild`, which ignores the old
    index and re-embeds everything). `prune_prefix` should end with a separator ("data/x/"),
    or "data/x" would also prune "data/x2/...".

    `live`: the caller's snapshot of the live generation (the bot's engine holds one), used
    instead of loading it again while CURRENT still names it.

    `second_embedder` (None: the index gets no second channel) embeds new and changed chunks
    too. When it differs from the one the live index was built with (added, removed or another
    model), only that channel is redone, for all chunks, instead of demanding `--rebuild`: the
    e5 vectors stay valid, and USE embeds only chunks, not sentences (the bundled corpus: 2 s for
    that channel alone, weights included, against 21 s for a full rebuild), so switching
    NEWSBOT_SECOND_EMBEDDER, or upgrading an index written before the channel existed, is a plain
    `newsbot index`.
    """
    started = time.perf_counter()
    index_dir = settings.index_dir
    incoming = [with_content_hash(d) for d in dedupe_by_id(documents)]
    second_identity = second_embedder.identity if second_embedder is not None else None
    with_tokens = isinstance(embedder, TokenEmbedder)
    batch = max(1, settings.embedding_batch_size)
    with writer_lock(index_dir):
        old, kept = _load_live(index_dir, embedder, rebuild, live)
        reuse = _what_is_reusable(old, settings, second_identity)
        plan = plan_update(
            old.documents if old is not None else kept, incoming, prune_prefix, reuse.chunking
        )
        up_to_date = _up_to_date_report(old, plan, reuse, with_tokens, started)
        if up_to_date is not None:
            return up_to_date
        layout = _plan_layout(
            old,
            plan,
            settings,
            embed_all_chunks=with_tokens and old is not None and reuse.tokens is None,
        )
        embedded = _embed_missing(embedder, old, layout, reuse.tokens, batch, progress)
        second = _second_channel(second_embedder, old, reuse, layout, batch, progress)
        gen_dir = _write(settings, embedder.identity, layout, embedded, second, old)
    return _written_report(plan, layout, embedded, second, started, gen_dir)
