"""Where the evaluation data lives (environment / `.env`, prefix NEWSBOT_).

Nothing outside the repository is assumed: the converted public sets are wherever the operator
keeps them (`shared/eval/convert.py` writes them), named by NEWSBOT_EVAL_DIR or `--eval-dir`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class EvalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", env_file=".env", extra="ignore")

    # The folder of converted sets: xquad/, tydiqa-goldp/ with corpus.jsonl and questions.*.
    eval_dir: Path | None = None
