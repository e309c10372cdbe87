"""Settings of the index layer (environment / `.env`, prefix NEWSBOT_)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "intfloat/multilingual-e5-small"
# The largest file, web page or feed a loader reads (decompressed).
DEFAULT_MAX_SOURCE_BYTES = 20_000_000


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
    # "torch": sentence-transformers in fp32. "onnx-int8": the default model exported to ONNX and
    # quantised to int8 at `newsbot provision` (index/onnx_embedder.py); its vectors differ from
    # fp32's, so switching needs `newsbot index --rebuild`.
    embedding_backend: Literal["torch", "onnx-int8"] = "torch"
    # Threads per model call and FAISS search, set once per process by index.runtime
    # (`thread_count`): `newsbot index`/`eval` use embedding_threads; a process that answers
    # questions (the bot, its own index updates included) uses query_threads.
    embedding_threads: int = 2
    query_threads: int = 1
    embedding_batch_size: int = 32
    # A second chunk embedding stored in the index and fused for rows in the other language than
    # the question's (index/second_embedder.py); "none" indexes and answers with e5 alone.
    second_embedder: Literal["use", "none"] = "use"
    chunk_max_chars: int = 700
    chunk_overlap_sentences: int = 1
    # Past this many chunks exact search gets slow (see bench/): switch to an approximate index.
    exact_search_max_chunks: int = 20_000

    # Reading sources. Every URL goes through index/fetch.py: these bound one fetch.
    max_source_bytes: int = DEFAULT_MAX_SOURCE_BYTES
    fetch_connect_timeout_s: float = 10.0
    fetch_read_timeout_s: float = 20.0
    # The whole fetch, redirects included: a server trickling bytes cannot hold it longer.
    fetch_deadline_s: float = 30.0
    fetch_max_redirects: int = 5
    # Non-public networks a URL from the chat (/ingest) may reach anyway, e.g. an intranet news
    # server (comma-separated CIDRs); by default a chat's URLs reach public addresses only.
    fetch_allowed_networks: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()

    @field_validator("fetch_allowed_networks", mode="before")
    @classmethod
    def _network_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _int8_needs_the_default_model(self) -> IndexSettings:
        if self.embedding_backend == "onnx-int8" and self.embedding_model != DEFAULT_MODEL:
            raise ValueError(
                "NEWSBOT_EMBEDDING_BACKEND=onnx-int8 is built from the provisioned default "
                f"model only; use the torch backend for {self.embedding_model}"
            )
        return self

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"
