"""The int8 backend: vectors and token states that stand in for fp32's, from a graph built once
and atomically, and an index that never mixes the two backends' vectors."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from index import int8_provision, provision
from index.builder import update_index
from index.documents import Document
from index.embedder_loader import load_embedder
from index.errors import IncompatibleIndexError, ModelNotProvisionedError
from index.int8_provision import GRAPH_NAME, INT8_FOLDER, provision_int8
from index.onnx_embedder import INT8_BACKEND, OnnxEmbedder
from index.provision import MARKER_NAME
from index.settings import IndexSettings
from index.store import IndexSnapshot
from index.torch_embedder import SentenceTransformerEmbedder

TEXTS = [
    "Банк России сохранил ключевую ставку на уровне 16 процентов.",
    "The club signed a two-year contract with its new head coach on Monday.",
    "Правительство одобрило соглашение о строительстве моста через реку Лена, "
    "стоимость проекта оценивается в 80 млрд рублей, работы начнутся весной.",
    "Короткий текст.",
    "Apple agreed to buy the start-up for about $200 million, the companies said in a joint "
    "statement; the deal still needs the approval of regulators in the European Union.",
]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


@pytest.mark.slow
def test_int8_vectors_stand_in_for_fp32(
    embedder: SentenceTransformerEmbedder, int8_embedder: OnnxEmbedder
) -> None:
    fp32, int8 = embedder.embed_passages(TEXTS), int8_embedder.embed_passages(TEXTS)
    assert int8.shape == fp32.shape and int8.dtype == np.float32
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    assert _cosines(fp32, int8).min() > 0.98
    # Each text stays nearest its own fp32 vector: int8 keeps who is closest to whom.
    assert list((int8 @ fp32.T).argmax(axis=1)) == list(range(len(TEXTS)))
    query = int8_embedder.embed_queries([TEXTS[0]])[0]
    assert float(query @ int8[0]) < 0.999  # the query prefix is applied, as for fp32


@pytest.mark.slow
def test_int8_token_states_align_with_fp32(
    embedder: SentenceTransformerEmbedder, int8_embedder: OnnxEmbedder
) -> None:
    fp32_vectors, fp32_states = embedder.embed_passages_with_tokens(TEXTS)
    int8_vectors, int8_states = int8_embedder.embed_passages_with_tokens(TEXTS)
    assert _cosines(fp32_vectors, int8_vectors).min() > 0.98
    for ours, theirs in zip(int8_states, fp32_states, strict=True):
        assert ours.shape == theirs.shape  # same tokens: no special or prefix token kept
        assert float(_cosines(ours, theirs).mean()) > 0.9
    vector, states = int8_embedder.embed_query_with_tokens("Кто подписал соглашение?")
    fp32_vector, fp32_query = embedder.embed_query_with_tokens("Кто подписал соглашение?")
    assert vector.shape == (int8_embedder.identity.dim,) and states.shape == fp32_query.shape
    assert float(vector @ fp32_vector) > 0.98


@pytest.mark.slow
def test_int8_vectors_do_not_depend_on_batch_or_thread(int8_embedder: OnnxEmbedder) -> None:
    one_by_one = np.stack([int8_embedder.embed_passages([t])[0] for t in TEXTS])
    assert np.allclose(int8_embedder.embed_passages(TEXTS), one_by_one, atol=1e-6)
    assert int8_embedder.embed_passages([]).shape == (0, int8_embedder.identity.dim)
    assert int8_embedder.embed_passages_with_tokens([])[1] == []
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda t: int8_embedder.embed_queries([t])[0], TEXTS * 4))
    serial = int8_embedder.embed_queries(TEXTS)
    assert np.allclose(np.stack(together), np.concatenate([serial] * 4), atol=1e-6)


@pytest.mark.slow
def test_an_index_never_mixes_the_two_backends(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, int8_embedder: OnnxEmbedder
) -> None:
    assert int8_embedder.identity.backend == INT8_BACKEND != embedder.identity.backend
    settings = IndexSettings(data_dir=tmp_path)
    docs = [
        Document(doc_id=f"d{i}", title=f"T{i}", text=t, source=f"d{i}.txt", language="ru")
        for i, t in enumerate(TEXTS[:3])
    ]
    update_index(settings, embedder, docs, progress=False)
    with pytest.raises(IncompatibleIndexError, match="newsbot index --rebuild"):
        update_index(settings, int8_embedder, docs, progress=False)
    update_index(settings, int8_embedder, docs, rebuild=True, progress=False)
    assert IndexSnapshot.load(settings.index_dir).identity == int8_embedder.identity
    with pytest.raises(IncompatibleIndexError):
        IndexSnapshot.load(settings.index_dir, expected=embedder.identity)


def test_int8_backend_needs_its_graph_and_the_default_model(tmp_path: Path) -> None:
    settings = IndexSettings(model_dir=tmp_path, embedding_backend="onnx-int8")
    with pytest.raises(ModelNotProvisionedError, match="newsbot provision") as info:
        load_embedder(settings)
    assert str(tmp_path / INT8_FOLDER) in str(info.value)
    with pytest.raises(ValidationError, match="default model only"):
        IndexSettings(embedding_backend="onnx-int8", embedding_model="sentence-transformers/x")


class FakeExport:
    """Stands in for the 20-second export; can fail half-way like a crash would."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, source: Path, graph: Path) -> None:
        self.calls += 1
        graph.write_text(json.dumps({"build": self.calls}))
        if self.fail:
            raise RuntimeError("simulated crash")


def _fake_fp32(out: Path, buf: bytes) -> None:
    for name in ("config.json", "modules.json", "tokenizer.json", "model.safetensors"):
        (out / name).write_text("{}")


def _graph_build(model_dir: Path) -> int:
    return int(json.loads((model_dir / INT8_FOLDER / GRAPH_NAME).read_text())["build"])


def test_int8_graph_is_rebuilt_only_when_its_source_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provision, "write_model_folder", _fake_fp32)
    export = FakeExport()
    monkeypatch.setattr(int8_provision, "export_int8", export)
    target = provision_int8(tmp_path)
    assert target == tmp_path / INT8_FOLDER and export.calls == 1
    provision_int8(tmp_path)
    assert export.calls == 1

    (target / GRAPH_NAME).unlink()  # marker intact, graph gone
    provision_int8(tmp_path)
    assert export.calls == 2 and _graph_build(tmp_path) == 2

    monkeypatch.setattr(provision, "FORMAT_VERSION", provision.FORMAT_VERSION + 1)
    provision_int8(tmp_path)  # a rebuilt fp32 folder makes the old graph stale
    assert export.calls == 3
    marker = json.loads((target / MARKER_NAME).read_text())
    assert marker["source"]["format_version"] == provision.FORMAT_VERSION

    monkeypatch.setattr(int8_provision, "export_int8", FakeExport(fail=True))
    with pytest.raises(RuntimeError, match="simulated crash"):
        provision_int8(tmp_path, force=True)
    assert _graph_build(tmp_path) == 3  # the failed rebuild kept the complete graph
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
