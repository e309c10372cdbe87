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
    # Similarity of question and sentence (cross-language offset included) below which a
    # sentence is not on the question at all: it gives no "how many" number and backs no second
    # source. Whether the corpus answers is the answerability model's call
    # (rag/answering/answerability.py); see README "Refusal".
    refuse_below: float = 0.858

    # Fact-checking (`newsbot check`): a long text is cut to this many claims (the report says so).
    check_max_claims: int = 20
    # Evidence sentences compared with each claim (the most similar ones).
    check_sentences: int = 8
    # Similarity of claim and evidence sentence (cross-language offset included) below which
    # the corpus is taken to say nothing about the claim; calibrated on the dev half of
    # tests/data/claims.jsonl by `newsbot eval --claims` (README "Fact-checking").
    check_relevant_above: float = 0.83
    # A sentence that confirms every value of the claim supports it from this similarity up.
    check_support_above: float = 0.89
    # A sentence that contradicts a value refutes the claim from this similarity up.
    check_refute_above: float = 0.83
    # A sentence from an article that never names the claim's subject refutes it (by naming
    # someone else) only from this similarity up.
    check_absent_name_above: float = 0.90

    llm_provider: str | None = None  # "openai" (any LangChain provider) or "llamacpp" (local)
    llm_model: str | None = None  # for llamacpp: a .gguf path or a packaged model ("smollm2")
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 20.0
