"""The data files of `nlp/data/`, read once: gazetteers and lexicons are data, not code."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_json(name: str) -> Any:
    """`nlp/data/<name>.json`, parsed; callers cast it to their own TypedDict."""
    path = resources.files("nlp").joinpath(f"data/{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))
