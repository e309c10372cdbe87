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
    # Minimum cosine between question and best sentence, per (same | cross)-language pair.
    # Calibrated by `newsbot eval --calibrate` on public QA data; see README "Refusal threshold".
    refuse_below_same_language: float = 0.80
    refuse_below_cross_language: float = 0.78

    llm_provider: str | None = None  # e.g. "openai" (any LangChain chat model provider)
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 20.0
