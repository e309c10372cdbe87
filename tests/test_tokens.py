"""Token states for late-interaction re-ranking: the codec, maxsim, the embedder's token states,
their storage, incremental indexing and the retriever's re-ranking, all with the real model."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
import pytest

from index.builder import update_index
from index.chunking import passage_text
from index.documents import Document
from index.embedder import EmbedderIdentity, TokenEmbedder, Vectors
from index.errors import CorruptIndexError, IncompatibleIndexError, OutdatedIndexError
from index.settings import DEFAULT_MODEL, REPO_ROOT, IndexSettings
from index.sources import load_sources
from index.store import (
    FORMAT_VERSION,
    TOKEN_CODEBOOK_FILE,
    TOKEN_CODES_FILE,
    TOKEN_FILES,
    TOKEN_MIDDLES_FILE,
    TOKEN_OFFSETS_FILE,
    IndexSnapshot,
    write_generation,
)
from index.tokens import (
    SUBQUANTIZERS,
    TOKEN_LAYER,
    ChunkTokens,
    TokenCodec,
    TokenStates,
    maxsim,
    normalise,
    pack,
    stored_middles,
)
from index.torch_embedder import SentenceTransformerEmbedder
from rag.answering.question import analyse
from rag.retrieval.retriever import TOKEN_RERANK_DEPTH, HybridRetriever, embed_question
from tests.test_builder import (
    DOCS,
    PREFIX,
    URL_DOC,
    make_settings,
    n_chunks,
    n_sentences,
    n_texts,
    run,
)
from tests.test_store import (
    REBUILD_HINT,
    _byte_flipped,
    _deleted,
    _rehash,
    make_corpus,
    make_sentences,
    settings_for,
)

CORPUS = REPO_ROOT / "data" / "corpus"
RU_EN = [
    "Банк России сохранил ключевую ставку на уровне 16 процентов.",
    "The city council approved the new budget on Tuesday.",
    "Руководитель кластера Анатолий Валетов подписал соглашение.",
    "Heavy rain and strong winds are expected over the weekend.",
]


@pytest.fixture(scope="module", autouse=True)
def one_faiss_thread() -> Iterator[None]:
    """k-means with two OpenMP threads on two busy cores ran 50x slower than with one."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


def cosines(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Row-wise cosine of two (n, dim) arrays."""
    out: npt.NDArray[np.float32] = (normalise(a) * normalise(b)).sum(axis=1)
    return out


def n_tokens(embedder: SentenceTransformerEmbedder, text: str) -> int:
    """The model tokenizer's count for `text` alone: no special tokens, no prefix."""
    return len(embedder._model.tokenizer(text, add_special_tokens=False)["input_ids"])


# --------------------------------------------------------------------------------------------
# The codec, on real e5 token states.


@pytest.fixture(scope="module")
def paragraph_states(embedder: SentenceTransformerEmbedder) -> list[TokenStates]:
    """Token states of the paragraphs of one English and one Russian corpus article."""
    paragraphs: list[str] = []
    for name in ("002_60889c1be321c126.txt", "003_cb4dde055d3175f6.txt"):
        lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
        paragraphs += [line.strip() for line in lines if len(line.strip()) >= 40]
    _, states = embedder.embed_passages_with_tokens(paragraphs)
    return states


@pytest.mark.slow
def test_codec_reconstructs_held_out_token_states(paragraph_states: list[TokenStates]) -> None:
    train = np.vstack(paragraph_states[1::2])
    held_out = paragraph_states[0::2]
    assert len(train) > 256  # more tokens than centroids: the codes are lossy
    codec = TokenCodec.train(train)
    assert codec.codebook.shape == (SUBQUANTIZERS, 256, train.shape[1] // SUBQUANTIZERS)
    assert codec.dim == train.shape[1] == 384

    own = cosines(codec.decode(codec.encode(train)), train)
    assert own.mean() >= 0.98
    # Measured: own tokens 0.986; held-out mean 0.951, min 0.904 (trained on 555 tokens; an index
    # trains on up to TRAINING_TOKENS).
    stacked = np.vstack(held_out)
    decoded = codec.decode(codec.encode(stacked))
    assert np.allclose(np.linalg.norm(decoded, axis=1), 1.0, atol=1e-5)
    cos = cosines(decoded, stacked)
    assert cos.mean() >= 0.92 and cos.min() >= 0.8
    # What re-ranking reads, maxsim, moves by a few hundredths at most (measured <= 0.025).
    query = paragraph_states[1][:6]
    for states in held_out:
        coded = codec.decode(codec.encode(states))
        assert abs(maxsim(query, coded) - maxsim(query, states)) <= 0.05


@pytest.mark.slow
def test_codec_is_lossless_below_256_tokens(paragraph_states: list[TokenStates]) -> None:
    for n in (1, 17, 200, 255):
        states = np.vstack(paragraph_states)[:n]
        codec = TokenCodec.train(states)
        codes = codec.encode(states)
        assert codes.dtype == np.uint8 and codes.shape == (n, SUBQUANTIZERS)
        assert cosines(codec.decode(codes), states).min() >= 0.999, n


@pytest.mark.slow
def test_codec_training_is_deterministic(paragraph_states: list[TokenStates]) -> None:
    states = np.vstack(paragraph_states[:6])
    assert len(states) > 256
    first, second = TokenCodec.train(states), TokenCodec.train(states.copy())
    assert first.codebook.dtype == np.float32
    assert first.codebook.tobytes() == second.codebook.tobytes()
    np.testing.assert_array_equal(first.encode(states), second.encode(states))
    # Un-normalised input trains the same codebooks (up to rounding): training normalises first.
    np.testing.assert_allclose(TokenCodec.train(states * 3.0).codebook, first.codebook, atol=1e-5)


def test_codec_rejects_what_it_cannot_train_on() -> None:
    with pytest.raises(ValueError, match="no token states"):
        TokenCodec.train(np.zeros((0, 384), dtype=np.float32))
    with pytest.raises(ValueError, match="multiple of"):
        TokenCodec.train(np.ones((10, 100), dtype=np.float32))


# --------------------------------------------------------------------------------------------
# maxsim.


@pytest.mark.slow
def test_maxsim(embedder: SentenceTransformerEmbedder) -> None:
    _, states = embedder.embed_passages_with_tokens(RU_EN[:2])
    ru, en = states
    assert maxsim(ru, ru) == pytest.approx(1.0, abs=1e-5)
    assert maxsim(en, en) == pytest.approx(1.0, abs=1e-5)
    empty = np.zeros((0, ru.shape[1]), dtype=np.float32)
    assert maxsim(empty, ru) == 0.0 and maxsim(ru, empty) == 0.0 and maxsim(empty, empty) == 0.0

    # A passage that holds one of the query's tokens exactly: that token scores 1, the others
    # keep their best match, and the mean says so.
    query = ru[:5]
    best = (query @ en.T).max(axis=1)
    assert best.max() < 0.99  # no exact match in the English sentence itself
    with_token = np.vstack([en, query[2:3]])
    expected = float(np.r_[best[:2], 1.0, best[3:]].mean())
    assert maxsim(query, with_token) == pytest.approx(expected, abs=1e-5)
    assert maxsim(query, with_token) > maxsim(query, en)
    assert maxsim(query[2:3], with_token) == pytest.approx(1.0, abs=1e-5)
    # Asymmetric: the mean runs over the query's tokens.
    assert maxsim(query[2:3], ru) == pytest.approx(1.0, abs=1e-5)
    assert maxsim(ru, query[2:3]) < 0.9


# --------------------------------------------------------------------------------------------
# The embedder's token states.


@pytest.mark.slow
def test_passages_with_tokens_match_plain_embedding(embedder: SentenceTransformerEmbedder) -> None:
    assert isinstance(embedder, TokenEmbedder)
    # Lengths differ so that the length-sorted batching must put everything back in order.
    texts = [*RU_EN, RU_EN[0] + " " + RU_EN[2] + " " + RU_EN[1], "Да."]
    vectors, states = embedder.embed_passages_with_tokens(texts)
    plain = embedder.embed_passages(texts)
    assert vectors.dtype == np.float32 and vectors.shape == plain.shape
    assert (cosines(vectors, plain) >= 0.9999).all()
    assert len(states) == len(texts)
    for text, st in zip(texts, states, strict=True):
        assert st.dtype == np.float32 and st.shape == (n_tokens(embedder, text), 384), text
        assert np.allclose(np.linalg.norm(st, axis=1), 1.0, atol=1e-5)
    none_vectors, no_states = embedder.embed_passages_with_tokens([])
    assert none_vectors.shape == (0, 384) and no_states == []


@pytest.mark.slow
def test_token_states_are_those_of_layer_10(embedder: SentenceTransformerEmbedder) -> None:
    """The states equal the transformer's own hidden states of layer TOKEN_LAYER, minus <s>,
    the "passage:" prefix and </s>; asking for them leaves the model as it was."""
    import torch

    text = RU_EN[2]
    _, (states,) = embedder.embed_passages_with_tokens([text])
    tokenizer = embedder._model.tokenizer
    prefix = len(tokenizer("passage:", add_special_tokens=False)["input_ids"])
    features = tokenizer(["passage: " + text], return_tensors="pt")
    auto_model: Any = embedder._model[0].auto_model
    with torch.inference_mode():
        hidden = auto_model(**features, output_hidden_states=True).hidden_states
    assert TOKEN_LAYER == 10 and len(hidden) == 13
    want = normalise(hidden[TOKEN_LAYER][0, 1 + prefix : -1].numpy())
    assert want.shape == states.shape
    assert cosines(states, want).min() >= 0.9999
    # Not a neighbouring layer's, nor the last one's (all of the same shape; measured 0.87,
    # 0.79, 0.50).
    for other in (TOKEN_LAYER - 1, TOKEN_LAYER + 1, len(hidden) - 1):
        states_of_other = normalise(hidden[other][0, 1 + prefix : -1].numpy())
        assert cosines(states, states_of_other).mean() < 0.95, other
    assert not auto_model.config.output_hidden_states


@pytest.mark.slow
def test_query_with_tokens_matches_embed_queries(embedder: SentenceTransformerEmbedder) -> None:
    for question in ("Who signed the agreement with ZGC Group?", "Кто подписал соглашение?"):
        vector, states = embedder.embed_query_with_tokens(question)
        assert vector.shape == (384,)
        assert float(vector @ embedder.embed_queries([question])[0]) >= 0.9999
        assert states.shape == (n_tokens(embedder, question), 384)
        # The query prefix differs from the passage one: other vectors and states.
        passage_vec, (passage_states,) = embedder.embed_passages_with_tokens([question])
        assert float(vector @ passage_vec[0]) < 0.9999
        assert passage_states.shape == states.shape
        qvec, qtokens = embed_question(embedder, question)
        np.testing.assert_allclose(qvec, vector, atol=1e-6)
        assert qtokens is not None
        np.testing.assert_allclose(qtokens, states, atol=1e-6)


@pytest.mark.slow
def test_token_passes_are_safe_alongside_other_threads(
    embedder: SentenceTransformerEmbedder,
) -> None:
    """The bot answers on worker threads while an ingest may embed: one call's token pass must
    not depend on shared model state another call changes (a shared `output_hidden_states`
    flag, reset by one thread mid-forward of another, lost 18 of 1,000 bot replies)."""
    question = "Who signed the agreement with ZGC Group?"
    want_vec, want_states = embedder.embed_query_with_tokens(question)
    texts = ["Документ подписали руководитель МИК и председатель ZGC Group.", "Short text."] * 8

    def ask(_: int) -> tuple[Vectors, TokenStates]:
        return embedder.embed_query_with_tokens(question)

    def index(_: int) -> int:
        embedder.embed_passages(texts)  # the plain `encode` path, concurrently
        return len(embedder.embed_passages_with_tokens(texts)[1])

    with ThreadPoolExecutor(max_workers=3) as pool:
        asked = [pool.submit(ask, i) for i in range(24)]
        indexed = [pool.submit(index, i) for i in range(4)]
        for future in asked:
            vec, states = future.result()
            assert float(vec @ want_vec) >= 0.9999
            assert states.shape == want_states.shape
        assert [f.result() for f in indexed] == [len(texts)] * 4


# --------------------------------------------------------------------------------------------
# Storage (small synthetic generations: vectors of 64 dimensions, one per sub-quantiser).

DIM = 64
IDENTITY = EmbedderIdentity(model="test/token-model", backend="test", dim=DIM)
TOKENS_PER_CHUNK = [3, 1, 4, 1, 5, 9, 2, 6, 0]  # the last chunk has no token states


def unit_rows(n: int, seed: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return normalise(rng.standard_normal((n, DIM)).astype(np.float32))


def small_tokens() -> tuple[ChunkTokens, list[TokenStates]]:
    per_chunk_states = [unit_rows(n, 40 + i) for i, n in enumerate(TOKENS_PER_CHUNK)]
    codec = TokenCodec.train(np.vstack(per_chunk_states))
    codes, offsets = pack([codec.encode(s) for s in per_chunk_states])
    middles = np.arange(len(codes), dtype=np.int32)
    return ChunkTokens(codec, codes, offsets, TOKEN_LAYER, middles), per_chunk_states


def write_with_tokens(
    settings: IndexSettings, tokens: ChunkTokens | None = None, *, with_tokens: bool = True
) -> Path:
    """A 3-document generation with `tokens` (default: `small_tokens`), or none at all."""
    if with_tokens and tokens is None:
        tokens = small_tokens()[0]
    docs, chunks = make_corpus(3)
    sentences = make_sentences(chunks)
    return write_generation(
        settings.index_dir,
        IDENTITY,
        docs,
        chunks,
        unit_rows(len(chunks), 1),
        {},
        settings,
        sentences=sentences,
        sentence_vectors=unit_rows(len(sentences), 2),
        tokens=tokens,
    )


def test_tokens_round_trip(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    tokens, states = small_tokens()
    assert tokens.offsets.tolist() == [0, 3, 4, 8, 9, 14, 23, 25, 31, 31]
    gen = write_with_tokens(settings, tokens)

    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION == 3
    assert manifest["tokens"] == {"layer": TOKEN_LAYER}
    assert set(TOKEN_FILES) <= set(manifest["files"])

    snap = IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    loaded = snap.tokens
    assert loaded is not None and len(loaded) == len(snap) == len(TOKENS_PER_CHUNK)
    assert loaded.layer == TOKEN_LAYER
    assert loaded.codes.dtype == np.uint8 and loaded.codes.shape == (31, SUBQUANTIZERS)
    np.testing.assert_array_equal(loaded.codes, tokens.codes)
    np.testing.assert_array_equal(loaded.offsets, tokens.offsets)
    assert loaded.codec.codebook.tobytes() == tokens.codec.codebook.tobytes()
    assert loaded.middles is not None and TOKEN_MIDDLES_FILE in manifest["files"]
    np.testing.assert_array_equal(loaded.middles, tokens.middles)
    for row, n in enumerate(TOKENS_PER_CHUNK):
        assert len(loaded.codes_of(row)) == n
        if n:  # (see test_states_of_a_chunk_without_tokens)
            decoded = loaded.states(row)
            assert decoded.shape == (n, DIM)
            assert cosines(decoded, states[row]).min() >= 0.999  # 31 tokens: lossless


def test_generation_without_tokens_has_none(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    gen = write_with_tokens(settings, with_tokens=False)
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["tokens"] is None and not set(TOKEN_FILES) & set(manifest["files"])
    assert not any((gen / name).exists() for name in TOKEN_FILES)
    assert IndexSnapshot.load(settings.index_dir).tokens is None


def test_generation_written_before_middles_loads_without_them(tmp_path: Path) -> None:
    """Token middles are optional: an index from before them loads, and the answer step
    tokenises its chunks instead (rag/answering/extractive.py)."""
    settings = settings_for(tmp_path)
    gen = write_with_tokens(settings, replace(small_tokens()[0], middles=None))
    manifest = json.loads((gen / "manifest.json").read_text())
    assert TOKEN_MIDDLES_FILE not in manifest["files"]
    assert not (gen / TOKEN_MIDDLES_FILE).exists()
    loaded = IndexSnapshot.load(settings.index_dir, expected=IDENTITY).tokens
    assert loaded is not None and loaded.middles is None and loaded.middles_of(0) is None


def test_states_of_a_chunk_without_tokens() -> None:
    """pack, check, the store and maxsim all accept a chunk without token states; decoding
    its (empty) codes should give (0, dim) states, and maxsim then 0."""
    tokens, _ = small_tokens()
    empty_row = len(TOKENS_PER_CHUNK) - 1
    assert len(tokens.codes_of(empty_row)) == 0
    states = tokens.states(empty_row)
    assert states.shape == (0, DIM)
    assert maxsim(unit_rows(2, 3), states) == 0.0


def test_inconsistent_tokens_are_rejected_before_writing(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    tokens, _ = small_tokens()
    short = replace(tokens, offsets=tokens.offsets[:-1].copy())
    with pytest.raises(ValueError, match="token offsets"):
        write_with_tokens(settings, short)
    unsorted = tokens.offsets.copy()
    unsorted[[2, 3]] = unsorted[[3, 2]]
    with pytest.raises(ValueError, match="partition"):
        write_with_tokens(settings, replace(tokens, offsets=unsorted))
    with pytest.raises(ValueError, match="dimension"):
        write_with_tokens(
            settings, replace(tokens, codec=TokenCodec(np.zeros((64, 256, 2), np.float32)))
        )
    assert not settings.index_dir.exists() or not [
        p for p in settings.index_dir.iterdir() if p.name.startswith("gen-")
    ]


def _save_rehashed(name: str, make: Callable[[npt.NDArray[Any]], Any]) -> Callable[[Path], None]:
    """Replace a token file by `make(its current array)` and fix its checksum in the manifest,
    so that the loader's own checks must catch the damage."""

    def damage(gen: Path) -> None:
        current = np.load(gen / name, allow_pickle=False)
        replacement = make(current)
        pickled = isinstance(replacement, np.ndarray) and replacement.dtype == object
        np.save(gen / name, replacement, allow_pickle=pickled)
        _rehash(gen, name)

    damage.__name__ = f"{name}_rehashed"
    return damage


def _swap(off: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    out = off.copy()
    out[[2, 3]] = out[[3, 2]]
    return out


def _shift_end(off: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    out = off.copy()
    out[-1] += 1
    return out


def _edit_manifest(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def damage(gen: Path) -> None:
        manifest = json.loads((gen / "manifest.json").read_text())
        edit(manifest)
        (gen / "manifest.json").write_text(json.dumps(manifest))

    damage.__name__ = f"manifest_{edit.__name__}"
    return damage


def _tokens_null(m: dict[str, Any]) -> None:
    m["tokens"] = None  # the token files are still listed


def _tokens_key_dropped(m: dict[str, Any]) -> None:
    del m["tokens"]


def _offsets_unlisted(m: dict[str, Any]) -> None:
    del m["files"][TOKEN_OFFSETS_FILE]


def _layer_a_string(m: dict[str, Any]) -> None:
    m["tokens"] = {"layer": "10"}


def _layer_negative(m: dict[str, Any]) -> None:
    m["tokens"] = {"layer": -1}


def _codebook_halved_with_codes_rehashed(gen: Path) -> None:
    """32 sub-quantisers of 2 dimensions: still 64 dimensions, with codes of 32 columns."""
    codebook = np.load(gen / TOKEN_CODEBOOK_FILE)
    np.save(gen / TOKEN_CODEBOOK_FILE, codebook.reshape(32, 256, 2), allow_pickle=False)
    codes = np.load(gen / TOKEN_CODES_FILE)
    np.save(gen / TOKEN_CODES_FILE, np.ascontiguousarray(codes[:, :32]), allow_pickle=False)
    _rehash(gen, TOKEN_CODEBOOK_FILE)
    _rehash(gen, TOKEN_CODES_FILE)


@pytest.mark.parametrize(
    "damage",
    [
        _deleted(TOKEN_OFFSETS_FILE),
        _deleted(TOKEN_CODEBOOK_FILE),
        _byte_flipped(TOKEN_CODES_FILE, lambda n: n - 7),
        _byte_flipped(TOKEN_OFFSETS_FILE, lambda n: n - 8),
        _save_rehashed(TOKEN_OFFSETS_FILE, _swap),
        _save_rehashed(TOKEN_OFFSETS_FILE, _shift_end),
        _save_rehashed(TOKEN_OFFSETS_FILE, lambda off: off[:-1]),
        _save_rehashed(TOKEN_OFFSETS_FILE, lambda off: off.astype(np.int32)),
        _save_rehashed(TOKEN_OFFSETS_FILE, lambda off: np.array([{"a": 1}], dtype=object)),
        _save_rehashed(TOKEN_CODES_FILE, lambda codes: codes[:, :32]),
        _save_rehashed(TOKEN_CODES_FILE, lambda codes: codes.astype(np.int16)),
        _save_rehashed(TOKEN_CODES_FILE, lambda codes: codes[:-1]),
        _save_rehashed(TOKEN_CODEBOOK_FILE, lambda cb: cb.astype(np.float64)),
        _save_rehashed(TOKEN_MIDDLES_FILE, lambda mid: mid[:-1]),
        _save_rehashed(TOKEN_MIDDLES_FILE, lambda mid: mid.astype(np.int64)),
        _byte_flipped(TOKEN_MIDDLES_FILE, lambda n: n - 3),
        _save_rehashed(TOKEN_CODEBOOK_FILE, lambda cb: cb[:, :128]),
        _save_rehashed(TOKEN_CODEBOOK_FILE, lambda cb: np.repeat(cb, 2, axis=2)),
        _edit_manifest(_tokens_null),
        _edit_manifest(_tokens_key_dropped),
        _edit_manifest(_offsets_unlisted),
        _edit_manifest(_layer_a_string),
        _edit_manifest(_layer_negative),
        _codebook_halved_with_codes_rehashed,
    ],
)
def test_token_corruption_is_reported_with_the_fix(tmp_path: Path, damage: Any) -> None:
    settings = settings_for(tmp_path)
    gen = write_with_tokens(settings)
    damage(gen)
    with pytest.raises(CorruptIndexError) as info:
        IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    assert REBUILD_HINT in str(info.value)


def test_format_2_is_outdated_not_corrupt(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    gen = write_with_tokens(settings)
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["format_version"] = 2
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(OutdatedIndexError) as info:
        IndexSnapshot.load(settings.index_dir, expected=IDENTITY)
    message = str(info.value)
    assert isinstance(info.value, IncompatibleIndexError)
    assert "older format (2)" in message
    assert "newsbot index" in message and "--rebuild" not in message


# --------------------------------------------------------------------------------------------
# Indexing with the real embedder.


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    settings = make_settings(tmp_path_factory.mktemp("built-tokens"))
    update_index(settings, embedder, DOCS, progress=False)
    return settings.index_dir


@pytest.fixture
def built(tmp_path: Path, built_once: Path) -> IndexSettings:
    """Settings whose index holds DOCS, with token states (a private copy)."""
    settings = make_settings(tmp_path)
    shutil.copytree(built_once, settings.index_dir)
    return settings


def codes_by_chunk(snap: IndexSnapshot) -> dict[str, bytes]:
    assert snap.tokens is not None
    return {c.chunk_id: snap.tokens.codes_of(row).tobytes() for row, c in enumerate(snap.chunks)}


def codebook_of(snap: IndexSnapshot) -> bytes:
    assert snap.tokens is not None
    return snap.tokens.codec.codebook.tobytes()


def assert_tokens_of_what_was_embedded(snap: IndexSnapshot, embedder: Any) -> None:
    """Each chunk's codes have as many rows as the tokenizer gives its passage text (title and
    chunk): the states of the right chunk, in the right row."""
    tokens = snap.tokens
    assert tokens is not None and len(tokens) == len(snap)
    for row, chunk in enumerate(snap.chunks):
        text = passage_text(snap.document_of(chunk).title, chunk.text)
        assert len(tokens.codes_of(row)) == n_tokens(embedder, text) >= 1, chunk.chunk_id


@pytest.mark.slow
def test_first_build_stores_tokens_of_every_chunk(built: IndexSettings, embedder: Any) -> None:
    snap = IndexSnapshot.load(built.index_dir, expected=embedder.identity)
    assert snap.manifest.format_version == FORMAT_VERSION
    assert snap.manifest.token_layer == TOKEN_LAYER
    assert len(snap) == n_chunks(built, *DOCS)
    assert_tokens_of_what_was_embedded(snap, embedder)
    tokens = snap.tokens
    assert tokens is not None
    # The stored states are (close to) what the model gives for that chunk's passage text now.
    texts = [passage_text(snap.document_of(c).title, c.text) for c in snap.chunks]
    _, fresh = embedder.embed_passages_with_tokens(texts)
    for row, states in enumerate(fresh):
        assert cosines(tokens.states(row), states).mean() >= 0.97, snap.chunks[row].chunk_id


@pytest.mark.slow
def test_each_token_s_place_in_its_chunk_is_stored(built: IndexSettings, embedder: Any) -> None:
    """The middles the answer step cuts sentences by are the tokenizer's, chunk by chunk, and
    they survive an update that reuses the chunks."""
    report, _ = run(built, embedder, [*DOCS, URL_DOC], prune_prefix=PREFIX)
    assert report.added == 1
    snap = IndexSnapshot.load(built.index_dir)
    tokens = snap.tokens
    assert tokens is not None and tokens.middles is not None
    for row, chunk in enumerate(snap.chunks):
        spans = embedder.passage_token_spans(
            passage_text(snap.document_of(chunk).title, chunk.text)
        )
        middles = tokens.middles_of(row)
        assert middles is not None and (middles >= 0).all(), chunk.chunk_id
        assert middles.tolist() == stored_middles(spans, len(spans)).tolist(), chunk.chunk_id


@pytest.mark.slow
def test_adding_a_document_keeps_the_codebook_and_old_codes(
    built: IndexSettings, embedder: Any
) -> None:
    old = IndexSnapshot.load(built.index_dir)
    report, encoded = run(built, embedder, [*DOCS, URL_DOC], prune_prefix=PREFIX)
    assert (report.added, report.unchanged) == (1, 4)
    assert report.chunks_embedded == n_chunks(built, URL_DOC)
    assert encoded == n_texts(built, URL_DOC)

    snap = IndexSnapshot.load(built.index_dir)
    assert codebook_of(snap) == codebook_of(old)
    before, after = codes_by_chunk(old), codes_by_chunk(snap)
    assert set(after) == set(before) | {c.chunk_id for c in snap.chunks_of(URL_DOC.doc_id)}
    for chunk_id, codes in before.items():
        assert after[chunk_id] == codes, chunk_id
    assert_tokens_of_what_was_embedded(snap, embedder)


@pytest.mark.slow
def test_new_title_re_embeds_the_chunks_not_the_sentences(
    built: IndexSettings, embedder: Any
) -> None:
    old = IndexSnapshot.load(built.index_dir)
    retitled = replace(DOCS[0], title="Ставка осталась прежней, несмотря на инфляцию")
    report, encoded = run(built, embedder, [retitled, *DOCS[1:]])
    assert (report.changed, report.unchanged) == (1, 3)
    assert report.chunks_embedded == encoded == n_chunks(built, retitled)
    assert report.sentences_embedded == 0

    snap = IndexSnapshot.load(built.index_dir)
    assert snap.documents[retitled.doc_id].title == retitled.title
    assert codebook_of(snap) == codebook_of(old)
    before, after = codes_by_chunk(old), codes_by_chunk(snap)
    for chunk_id, codes in after.items():
        if chunk_id.startswith(retitled.doc_id + "#"):
            assert codes != before[chunk_id]  # longer title, more tokens
        else:
            assert codes == before[chunk_id], chunk_id
    assert_tokens_of_what_was_embedded(snap, embedder)
    for i, row in enumerate(snap.sentence_rows_of(retitled.doc_id)):
        old_row = old.sentence_rows_of(retitled.doc_id)[i]
        np.testing.assert_array_equal(snap.sentence_vectors[row], old.sentence_vectors[old_row])


@pytest.mark.slow
def test_format_2_index_is_re_embedded_by_the_next_update(
    built: IndexSettings, embedder: Any
) -> None:
    gen = IndexSnapshot.load(built.index_dir).path
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["format_version"] = 2
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(OutdatedIndexError):
        IndexSnapshot.load(built.index_dir)

    # Only three of the four documents come in: the fourth, indexed before and not pruned, must
    # survive the upgrade (re-embedded from the old generation's text) rather than be dropped.
    report, encoded = run(built, embedder, DOCS[:3])
    assert (report.added, report.removed, report.total_documents) == (0, 0, 4)
    assert report.generation is not None
    assert encoded == n_texts(built, *DOCS)
    snap = IndexSnapshot.load(built.index_dir, expected=embedder.identity)
    assert snap.manifest.format_version == 3 and snap.path != gen
    assert set(snap.documents) == {d.doc_id for d in DOCS}
    assert not gen.exists()  # the outdated generation is cleaned up
    assert_tokens_of_what_was_embedded(snap, embedder)


class PlainEmbedder:
    """The real model without token states (a plain `Embedder`)."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner

    @property
    def texts_encoded(self) -> int:
        return self.inner.texts_encoded

    @property
    def identity(self) -> EmbedderIdentity:
        return self.inner.identity

    def embed_passages(self, texts: Any) -> Vectors:
        return self.inner.embed_passages(texts)


@pytest.mark.slow
def test_index_without_tokens_gets_them_with_the_next_change(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = make_settings(tmp_path)
    plain = PlainEmbedder(embedder)
    assert not isinstance(plain, TokenEmbedder)
    run(settings, plain, DOCS[:3], prune_prefix=PREFIX)
    assert IndexSnapshot.load(settings.index_dir).tokens is None

    report, encoded = run(settings, embedder, DOCS, prune_prefix=PREFIX)
    assert report.added == 1
    # Every chunk for its token states; only the new document's sentences.
    assert report.chunks_embedded == n_chunks(settings, *DOCS)
    assert report.sentences_embedded == n_sentences(DOCS[3])
    assert encoded == n_chunks(settings, *DOCS) + n_sentences(DOCS[3])
    assert_tokens_of_what_was_embedded(IndexSnapshot.load(settings.index_dir), embedder)


@pytest.mark.slow
def test_tokens_of_another_layer_are_re_embedded_with_the_next_change(
    built: IndexSettings, embedder: Any
) -> None:
    gen = IndexSnapshot.load(built.index_dir).path
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["tokens"] = {"layer": TOKEN_LAYER - 1}
    (gen / "manifest.json").write_text(json.dumps(manifest))

    report, encoded = run(built, embedder, [*DOCS, URL_DOC], prune_prefix=PREFIX)
    assert report.chunks_embedded == n_chunks(built, *DOCS, URL_DOC)
    assert report.sentences_embedded == n_sentences(URL_DOC)
    assert encoded == report.chunks_embedded + report.sentences_embedded
    snap = IndexSnapshot.load(built.index_dir)
    assert snap.tokens is not None and snap.tokens.layer == TOKEN_LAYER
    assert_tokens_of_what_was_embedded(snap, embedder)


@pytest.mark.slow
def test_tokens_of_another_layer_are_re_embedded_without_other_changes(
    built: IndexSettings, embedder: Any
) -> None:
    gen = IndexSnapshot.load(built.index_dir).path
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["tokens"] = {"layer": TOKEN_LAYER - 1}
    (gen / "manifest.json").write_text(json.dumps(manifest))

    report, _ = run(built, embedder, DOCS, prune_prefix=PREFIX)
    assert report.chunks_embedded == n_chunks(built, *DOCS)
    snap = IndexSnapshot.load(built.index_dir)
    assert snap.tokens is not None and snap.tokens.layer == TOKEN_LAYER


@pytest.mark.slow
def test_index_without_middles_gets_them_without_embedding(
    built: IndexSettings, embedder: Any
) -> None:
    """A generation written before token middles were stored: the next update (even with
    nothing changed) adds them from the tokenizer and embeds nothing; the codes stay."""
    gen = IndexSnapshot.load(built.index_dir).path
    manifest = json.loads((gen / "manifest.json").read_text())
    del manifest["files"][TOKEN_MIDDLES_FILE]
    (gen / "manifest.json").write_text(json.dumps(manifest))
    (gen / TOKEN_MIDDLES_FILE).unlink()
    old = IndexSnapshot.load(built.index_dir)
    assert old.tokens is not None and old.tokens.middles is None

    report, encoded = run(built, embedder, DOCS, prune_prefix=PREFIX)
    assert (report.chunks_embedded, report.sentences_embedded, encoded) == (0, 0, 0)
    snap = IndexSnapshot.load(built.index_dir)
    assert snap.path != old.path and snap.tokens is not None and snap.tokens.middles is not None
    assert codes_by_chunk(snap) == codes_by_chunk(old)
    assert (snap.tokens.middles >= 0).all()


# --------------------------------------------------------------------------------------------
# Re-ranking in the retriever.


@pytest.fixture(scope="module")
def zgc_snapshot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> IndexSnapshot:
    """The ZGC article (Russian) and the English one on the same agreement, indexed with e5
    alone (the bundled_index fixture would also load USE and index three more articles)."""
    settings = IndexSettings(
        data_dir=tmp_path_factory.mktemp("zgc"), embedding_model=DEFAULT_MODEL, embedding_threads=1
    )
    loaded = load_sources([str(CORPUS / "000_d237f05f24a2a3fe.txt")])
    loaded_en = load_sources([str(CORPUS / "002_60889c1be321c126.txt")])
    documents: list[Document] = [*loaded.documents, *loaded_en.documents]
    assert [d.language for d in documents] == ["ru", "en"]
    update_index(settings, embedder, documents, progress=False)
    return IndexSnapshot.load(settings.index_dir, expected=embedder.identity)


@pytest.mark.slow
def test_token_rerank_reorders_only_the_head(
    zgc_snapshot: IndexSnapshot, embedder: SentenceTransformerEmbedder
) -> None:
    retriever = HybridRetriever(zgc_snapshot)
    assert len(zgc_snapshot) > TOKEN_RERANK_DEPTH + 2
    question = analyse("Who signed the agreement with ZGC Group?")
    assert question.language == "en" and not question.wants_latest
    qvec, qtokens = embed_question(embedder, question.text)
    assert qtokens is not None and len(qtokens) > 0
    k = len(zgc_snapshot)
    plain = retriever.search(question, qvec, k=k)
    reranked = retriever.search(question, qvec, k=k, query_tokens=qtokens)

    rows = [zgc_snapshot.row_of(h.chunk.chunk_id) for h in reranked]
    plain_rows = [zgc_snapshot.row_of(h.chunk.chunk_id) for h in plain]
    assert len(rows) == len(plain_rows)
    head = TOKEN_RERANK_DEPTH
    assert set(rows[:head]) == set(plain_rows[:head])
    assert rows[head:] == plain_rows[head:]
    scores = [h.score for h in reranked]
    assert all(a >= b for a, b in itertools.pairwise(scores))
    assert scores == [h.score for h in plain]  # the head keeps its scores, in order
    assert "Валетов" in reranked[0].chunk.text
    # Each hit keeps its own dense cosine, whatever its new position.
    dense = {h.chunk.chunk_id: h.dense for h in plain}
    assert all(h.dense == dense[h.chunk.chunk_id] for h in reranked)


@pytest.mark.slow
def test_rerank_puts_the_matching_chunk_first(zgc_snapshot: IndexSnapshot) -> None:
    retriever = HybridRetriever(zgc_snapshot)
    tokens = zgc_snapshot.tokens
    assert tokens is not None
    target = 3
    query_tokens = tokens.states(target)
    # Tied fused scores: only maxsim decides; the target comes last in the input.
    head_rows = [r for r in range(TOKEN_RERANK_DEPTH) if r != target] + [target]
    ranked = [(r, 1.0) for r in head_rows]
    out = retriever._rerank_by_tokens(ranked, query_tokens)
    assert out[0] == (target, 1.0)
    assert sorted(out) == sorted(ranked)
    late = {r: maxsim(query_tokens, tokens.states(r)) for r in head_rows}
    assert late[target] == pytest.approx(1.0, abs=1e-5)
    assert [late[r] for r, _ in out] == sorted(late.values(), reverse=True)

    # Past the re-ranking depth nothing moves, however well it matches.
    others = [r for r in range(len(zgc_snapshot)) if r != target]
    depth = TOKEN_RERANK_DEPTH
    ranked = [(r, 2.0 - 0.1 * i) for i, r in enumerate(others[:depth])]
    ranked += [(target, 1.0), (others[depth], 0.9)]
    moved = retriever._rerank_by_tokens(ranked, query_tokens)
    assert moved[depth:] == ranked[depth:]
    assert {r for r, _ in moved[:depth]} == {r for r, _ in ranked[:depth]}
    # The head's scores stay where they were (descending); only the rows move.
    assert [s for _, s in moved] == [s for _, s in ranked]
    # Nothing to compare: the ranking is returned as it is.
    assert retriever._rerank_by_tokens(ranked, query_tokens[:0]) == ranked
    assert retriever._rerank_by_tokens(ranked[:1], query_tokens) == ranked[:1]
