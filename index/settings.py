"""Settings of the index layer (environment / `.env`, prefix NEWSBOT_)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "intfloat/multilingual-e5-small"


def _default_model_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "newsbot" / "models"


class IndexSettings(BaseSettings):
    """Where the index lives, which embedder builds it and how articles are chunked."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", env_file=".env", extra="ignore")

    data_dir: Path = REPO_ROOT / "var"
    model_dir: Path = _default_model_dir()
    corpus_dir: Path = REPO_ROOT / "data" / "corpus"
    embedding_model: str = DEFAULT_MODEL
    embedding_threads: int = 2
    # Threads for embedding a question (see SentenceTransformerEmbedder.embed_queries).
    query_threads: int = 1
    embedding_batch_size: int = 32
    # A second chunk embedding stored in the index and fused for rows in the other language than
    # the question's (index/second_embedder.py); "none" indexes and answers with e5 alone.
    second_embedder: Literal["use", "none"] = "use"
    chunk_max_chars: int = 700
    chunk_overlap_sentences: int = 1
    # Past this many chunks exact search gets slow (see bench/): switch to an approximate index.
    exact_search_max_chunks: int = 20_000

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"
