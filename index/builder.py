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

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.chunking import chunk_document, passage_text, split_sentences
from index.dedup import near_duplicate_groups
from index.documents import Chunk, Document, SentenceSpan
from index.embedder import Embedder, TokenEmbedder, Vectors
from index.errors import IndexMissingError, OutdatedIndexError
from index.settings import IndexSettings
from index.store import IndexSnapshot, read_documents, write_generation, writer_lock
from index.tokens import (
    TOKEN_LAYER,
    TRAINING_TOKENS,
    ChunkTokens,
    Codes,
    TokenCodec,
    TokenStates,
    pack,
)

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


def with_content_hash(doc: Document) -> Document:
    """The document with `content_hash` filled in (sha256 of the text) when the loader left it
    empty, so that change detection never depends on who built the Document."""
    if doc.content_hash:
        return doc
    return replace(doc, content_hash=hashlib.sha256(doc.text.encode("utf-8")).hexdigest())


def dedupe_by_id(documents: Sequence[Document]) -> list[Document]:
    """One document per doc_id, the last one winning, in first-seen order."""
    by_id: dict[str, Document] = {}
    for doc in documents:
        if doc.doc_id in by_id:
            log.warning(
                "doc_id %r occurs more than once in the input; the last one wins", doc.doc_id
            )
        by_id[doc.doc_id] = doc
    return list(by_id.values())


@dataclass(frozen=True)
class _Plan:
    """Which documents keep their chunks and vectors, and which need embedding."""

    documents: list[Document]  # the next generation's documents, in order
    reuse: set[str]  # doc_ids whose old chunks, sentences and their vectors are kept
    added: int
    changed: int
    removed: int
    unchanged: int


def plan_update(
    old: dict[str, Document],
    incoming: Sequence[Document],
    prune_prefix: str | None,
    chunking_unchanged: bool,
) -> _Plan:
    """Diff incoming documents against the indexed ones (pure; no embedding, no I/O).

    A document is unchanged when both its content hash and its text match; metadata-only edits
    (title, date, ...) count as changed but keep their vectors, except that a new title
    re-embeds the chunks (`passage_text`); its sentences are still reused by offsets. Old
    documents missing from the input are dropped only when their source starts with
    `prune_prefix`.
    """
    new_ids = {d.doc_id for d in incoming}
    documents: list[Document] = []
    reuse: set[str] = set()
    added = changed = unchanged = removed = 0
    for doc in incoming:
        prev = old.get(doc.doc_id)
        if prev is None:
            added += 1
        elif prev.content_hash == doc.content_hash and prev.text == doc.text:
            if chunking_unchanged and prev.title == doc.title:
                reuse.add(doc.doc_id)
            if prev == doc:
                unchanged += 1
            else:
                changed += 1
        else:
            changed += 1
        documents.append(doc)
    for doc_id, prev in old.items():
        if doc_id in new_ids:
            continue
        if prune_prefix is not None and prev.source.startswith(prune_prefix):
            removed += 1
        else:
            documents.append(prev)
            if chunking_unchanged:
                reuse.add(doc_id)
    return _Plan(documents, reuse, added, changed, removed, unchanged)


StatesSink = Callable[[list[int], list[TokenStates]], None]


def _embed(
    embedder: Embedder,
    texts: Sequence[str],
    batch_size: int,
    progress: bool,
    on_states: StatesSink | None = None,
) -> Vectors:
    """Embed in length-sorted batches, returning rows in the input order. With `on_states` the
    embedder must be a `TokenEmbedder`; each batch's token states go to it (by input position)
    as they come, so that they can be compressed before the next batch is embedded.

    Each batch is padded to its longest text; batching chunks and sentences in document order
    wasted most of the model time on padding (pipeline 60% slower than one bare `encode` of the
    same texts; sorted: within 3%, bench/index_throughput.py). Batches keep the progress bar
    (with ETA) moving and memory flat.
    """
    dim = embedder.identity.dim
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    step = max(batch_size, 8 * batch_size)  # sentence-transformers re-batches inside
    with tqdm(
        total=len(texts), desc="Embedding", unit="text", disable=not progress, leave=False
    ) as bar:
        for i in range(0, len(order), step):
            rows = order[i : i + step]
            batch = [texts[r] for r in rows]
            if on_states is not None:
                assert isinstance(embedder, TokenEmbedder)
                vecs, states = embedder.embed_passages_with_tokens(batch)
                on_states(rows, states)
            else:
                vecs = embedder.embed_passages(batch)
            vecs = np.asarray(vecs, dtype=np.float32)
            if vecs.shape != (len(rows), dim):
                raise ValueError(f"embedder returned {vecs.shape}, expected ({len(rows)}, {dim})")
            out[rows] = vecs
            bar.update(len(rows))
    return out


class _ChunkCoder:
    """Product-codes chunks' token states as they are embedded (raw states of a large build
    would not fit in memory); without a codec to reuse, it trains one on the first
    `TRAINING_TOKENS` states (or all, when fewer) and codes those and all later ones with it."""

    def __init__(self, rows: Sequence[int], codec: TokenCodec | None) -> None:
        self.codec = codec
        self.codes: dict[int, Codes] = {}
        self._rows = rows  # input position -> chunk row
        self._pending: list[tuple[int, TokenStates]] = []
        self._pending_tokens = 0

    def add(self, positions: list[int], states: list[TokenStates]) -> None:
        """States of embedded texts by input position; positions past the chunks (sentences
        embedded in the same pass) are not kept."""
        for p, st in zip(positions, states, strict=True):
            if p < len(self._rows):
                self._pending.append((self._rows[p], st))
                self._pending_tokens += len(st)
        if self._pending and (self.codec is not None or self._pending_tokens >= TRAINING_TOKENS):
            self._flush()

    def finish(self) -> TokenCodec | None:
        if self._pending:
            self._flush()
        return self.codec

    def _flush(self) -> None:
        stacked = np.vstack([st for _, st in self._pending])
        if self.codec is None:
            self.codec = TokenCodec.train(stacked)
        codes = self.codec.encode(stacked)
        start = 0
        for row, st in self._pending:
            self.codes[row] = codes[start : start + len(st)]
            start += len(st)
        self._pending, self._pending_tokens = [], 0


def _plan_sentences(
    old: IndexSnapshot | None, plan: _Plan
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


def _reused_vectors(old: Vectors | None, reused_rows: Sequence[int], dim: int) -> Vectors:
    """Rows copied from `old` where `reused_rows` names one; the others are left to fill."""
    vectors = np.empty((len(reused_rows), dim), dtype=np.float32)
    kept = [i for i, r in enumerate(reused_rows) if r >= 0]
    if kept and old is not None:
        vectors[kept] = old[[reused_rows[i] for i in kept]]
    return vectors


def update_index(
    settings: IndexSettings,
    embedder: Embedder,
    documents: Sequence[Document],
    *,
    second_embedder: Embedder | None = None,
    prune_prefix: str | None = None,
    rebuild: bool = False,
    progress: bool = True,
) -> UpdateReport:
    """Bring the index in `settings.index_dir` up to date with `documents`.

    Raises IncompatibleIndexError when the live index was built by another embedder and
    CorruptIndexError when it cannot be trusted (both unless `rebuild`, which ignores the old
    index and re-embeds everything). `prune_prefix` should end with a separator ("data/x/"),
    or "data/x" would also prune "data/x2/...".

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
    with writer_lock(index_dir):
        old: IndexSnapshot | None = None
        kept: dict[str, Document] = {}  # an outdated generation's documents, all re-embedded
        if not rebuild:
            try:
                old = IndexSnapshot.load(index_dir, expected=embedder.identity)
            except IndexMissingError:
                old = None
            except OutdatedIndexError as exc:
                log.info("%s; re-embedding everything now", exc)
                kept = read_documents(index_dir)
        chunking_unchanged = old is not None and (
            old.manifest.chunk_max_chars == settings.chunk_max_chars
            and old.manifest.chunk_overlap_sentences == settings.chunk_overlap_sentences
        )
        if old is not None and not chunking_unchanged:
            log.info("chunking settings changed since the last build: re-chunking everything")
        plan = plan_update(
            old.documents if old is not None else kept, incoming, prune_prefix, chunking_unchanged
        )

        second_identity = second_embedder.identity if second_embedder is not None else None
        second_unchanged = old is not None and old.second_identity == second_identity
        if old is not None and not second_unchanged:
            log.info(
                "second embedder changed (%s -> %s): re-embedding that channel only",
                old.second_identity,
                second_identity,
            )
        with_tokens = isinstance(embedder, TokenEmbedder)
        old_tokens = old.tokens if old is not None else None
        if old_tokens is not None and old_tokens.layer != TOKEN_LAYER:
            old_tokens = None
        if (
            old is not None
            and chunking_unchanged
            and second_unchanged
            and (old_tokens is not None or not with_tokens)
            and not (plan.added or plan.changed or plan.removed)
        ):
            report = UpdateReport(
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
            log.info("index is up to date: %d documents, %d chunks", len(old.documents), len(old))
            return report

        chunks: list[Chunk] = []
        reused_rows: list[int] = []  # old row per chunk, -1 when it needs embedding
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
                fresh = chunk_document(
                    doc, settings.chunk_max_chars, settings.chunk_overlap_sentences
                )
                chunks.extend(fresh)
                reused_rows.extend([-1] * len(fresh))

        sentences, reused_sentence_rows = _plan_sentences(old, plan)

        if with_tokens and old is not None and old_tokens is None:
            log.info(
                "the index has no token states of layer %d: embedding every chunk", TOKEN_LAYER
            )
            reused_rows = [-1] * len(chunks)

        dim = embedder.identity.dim
        batch = max(1, settings.embedding_batch_size)
        vectors = _reused_vectors(old.vectors if old is not None else None, reused_rows, dim)
        sentence_vectors = _reused_vectors(
            old.sentence_vectors if old is not None else None, reused_sentence_rows, dim
        )
        to_embed = [i for i, r in enumerate(reused_rows) if r < 0]
        sentences_to_embed = [i for i, r in enumerate(reused_sentence_rows) if r < 0]
        by_id = {d.doc_id: d for d in plan.documents}
        # One pass over chunks and sentences together: length-sorted batches of both pad less
        # than two passes (bench/index_throughput.py); the coder keeps the chunks' states only.
        texts = [passage_text(by_id[chunks[i].doc_id].title, chunks[i].text) for i in to_embed]
        for i in sentences_to_embed:
            s = sentences[i]
            texts.append(by_id[s.doc_id].text[s.start : s.end])
        coder = _ChunkCoder(to_embed, old_tokens.codec if old_tokens is not None else None)
        if texts:
            embedded = _embed(
                embedder, texts, batch, progress, on_states=coder.add if with_tokens else None
            )
            vectors[to_embed] = embedded[: len(to_embed)]
            sentence_vectors[sentences_to_embed] = embedded[len(to_embed) :]
        tokens: ChunkTokens | None = None
        codec = coder.finish() if with_tokens else None
        if codec is not None:
            # Reused rows exist only with `old_tokens` (without, every chunk was embedded).
            reused_codes = (
                old_tokens.codes_of if old_tokens is not None else coder.codes.__getitem__
            )
            per_chunk = [
                coder.codes[i] if r < 0 else reused_codes(r) for i, r in enumerate(reused_rows)
            ]
            codes, offsets = pack(per_chunk)
            tokens = ChunkTokens(codec, codes, offsets, TOKEN_LAYER)

        second_vectors: Vectors | None = None
        second_to_embed: list[int] = []
        if second_embedder is not None:
            second_old = old.second_vectors if old is not None and second_unchanged else None
            second_rows = reused_rows if second_old is not None else [-1] * len(chunks)
            second_vectors = _reused_vectors(second_old, second_rows, second_embedder.identity.dim)
            second_to_embed = [i for i, r in enumerate(second_rows) if r < 0]
            if second_to_embed:
                second_vectors[second_to_embed] = _embed(
                    second_embedder, [chunks[i].text for i in second_to_embed], batch, progress
                )

        stories = near_duplicate_groups(plan.documents)
        gen_dir = write_generation(
            index_dir,
            embedder.identity,
            plan.documents,
            chunks,
            vectors,
            stories,
            settings,
            sentences=sentences,
            sentence_vectors=sentence_vectors,
            second_identity=second_identity,
            second_vectors=second_vectors,
            tokens=tokens,
        )

    report = UpdateReport(
        added=plan.added,
        changed=plan.changed,
        removed=plan.removed,
        unchanged=plan.unchanged,
        chunks_embedded=len(to_embed),
        sentences_embedded=len(sentences_to_embed),
        second_embedded=len(second_to_embed),
        total_documents=len(plan.documents),
        total_chunks=len(chunks),
        total_sentences=len(sentences),
        seconds=time.perf_counter() - started,
        generation=gen_dir,
    )
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
    return report
