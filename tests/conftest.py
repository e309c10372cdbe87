"""Shared fixtures: the real embedding model, provisioned once per machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.builder import update_index
from index.embedder_loader import load_embedder
from index.int8_provision import provision_int8
from index.onnx_embedder import OnnxEmbedder
from index.provision import provision_e5
from index.second_embedder import UseEmbedder
from index.settings import DEFAULT_MODEL, REPO_ROOT, IndexSettings
from index.sources import load_sources
from index.torch_embedder import SentenceTransformerEmbedder
from rag.answering.engine import AnswerEngine
from rag.settings import RagSettings
from tests.telegram_fixtures import fake_telegram, telegram_bot

__all__ = ["fake_telegram", "telegram_bot"]  # fixtures of the local Bot API server


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The default model from the real model cache (built on first use, then reused).

    The model is pinned to the default so that a developer's `.env` cannot change what tests
    measure; `model_dir` still follows the settings so that the cache is shared.
    """
    settings = IndexSettings(embedding_model=DEFAULT_MODEL)
    provision_e5(settings.model_dir)
    loaded = load_embedder(settings)
    assert isinstance(loaded, SentenceTransformerEmbedder)
    return loaded


@pytest.fixture(scope="session")
def int8_embedder() -> OnnxEmbedder:
    """The default model's int8 graph from the real model cache (exported on first use)."""
    settings = IndexSettings(embedding_model=DEFAULT_MODEL, embedding_backend="onnx-int8")
    provision_int8(settings.model_dir)
    loaded = load_embedder(settings)
    assert isinstance(loaded, OnnxEmbedder)
    return loaded


@pytest.fixture(scope="session")
def use_embedder() -> UseEmbedder:
    """The second embedder (USE-multilingual-v3); its weights load on the first embedding."""
    return UseEmbedder(threads=1)


@pytest.fixture(scope="session")
def bundled_index(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    use_embedder: UseEmbedder,
) -> tuple[IndexSettings, AnswerEngine]:
    """The bundled corpus indexed as in production (e5 + USE); tests that change an index
    work on a copy (tests/bot_harness.private_index)."""
    settings = IndexSettings(
        data_dir=tmp_path_factory.mktemp("bundled"), embedding_model=DEFAULT_MODEL
    )
    loaded = load_sources([str(REPO_ROOT / "data" / "corpus")])
    update_index(
        settings, embedder, loaded.documents, second_embedder=use_embedder, progress=False
    )
    engine = AnswerEngine.from_settings(
        settings, RagSettings(), embedder=embedder, second_embedder=use_embedder
    )
    return settings, engine
