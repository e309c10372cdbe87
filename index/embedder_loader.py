"""The configured embedder (`NEWSBOT_EMBEDDING_BACKEND`), from the provisioned model cache."""

from __future__ import annotations

from index.embedder import Embedder
from index.errors import ModelNotProvisionedError
from index.int8_provision import GRAPH_NAME, INT8_FOLDER, int8_is_up_to_date
from index.onnx_embedder import OnnxEmbedder
from index.provision import MARKER_NAME, MODEL_FOLDER
from index.runtime import model_threads
from index.settings import DEFAULT_MODEL, IndexSettings
from index.torch_embedder import SentenceTransformerEmbedder


def load_embedder(settings: IndexSettings) -> Embedder:
    """The configured embedder; the default model must have been provisioned (no hub access)."""
    if settings.embedding_backend == "onnx-int8":
        return _load_int8(settings)
    source = settings.embedding_model
    if settings.embedding_model == DEFAULT_MODEL:
        path = settings.model_dir / MODEL_FOLDER
        if not (path / MARKER_NAME).is_file():
            raise ModelNotProvisionedError(str(path))
        source = str(path)
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        source,
        batch_size=settings.embedding_batch_size,
    )


def _load_int8(settings: IndexSettings) -> OnnxEmbedder:
    """The int8 graph of the default model (IndexSettings allows no other with this backend)."""
    source = settings.model_dir / MODEL_FOLDER
    target = settings.model_dir / INT8_FOLDER
    if not int8_is_up_to_date(target, source):
        raise ModelNotProvisionedError(str(target))
    return OnnxEmbedder(
        settings.embedding_model,
        source,
        target / GRAPH_NAME,
        threads=model_threads(settings),
    )
