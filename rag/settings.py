"""Settings of the answering layer (environment / `.env`, prefix NEWSBOT_)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class RagSettings(BaseSettings):
    """How many passages to read and when to refuse; the LLM is optional."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", env_file=".env", extra="ignore")

    top_k: int = 5
    # Candidates each retriever contributes before fusion.
    candidates: int = 50
    # Chunks whose sentences the extractive answerer reads.
    answer_chunks: int = 4
    max_question_chars: int = 2000
    # Minimum similarity of question and best sentence (cross-language offset included) for an
    # answer. Calibrated by `newsbot eval` on public QA data; see README "Refusal threshold".
    refuse_below: float = 0.858

    llm_provider: str | None = None  # e.g. "openai" (any LangChain chat model provider)
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 20.0
