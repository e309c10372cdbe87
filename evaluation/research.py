"""Research-only retrieval tools: measured in bench/retrieval_research.py, not used in answering.

`hub_scores` is the CSLS hubness correction the fusion weights were once tuned with
(`FusionParams.hub_beta`); production passes no hub scores. `text_language` is the character
count the research bench labels rows with (the product reads a document's language from the
index).
"""

from __future__ import annotations

import copy
import re

import numpy as np
import numpy.typing as npt

from rag.retrieval.fusion import DEFAULT
from rag.retrieval.retriever import HybridRetriever

_CYR = re.compile(r"[а-яё]", re.IGNORECASE)
_LAT = re.compile(r"[a-z]", re.IGNORECASE)


def text_language(text: str) -> str:
    """'ru' when at least 30 % of the letters are Cyrillic, else 'en' (news here is RU or EN)."""
    cyr = len(_CYR.findall(text))
    lat = len(_LAT.findall(text))
    return "ru" if cyr and cyr >= 0.3 * (cyr + lat) else "en"


def hub_scores(
    passages: npt.NDArray[np.float32],
    references: npt.NDArray[np.float32],
    k: int = 10,
    block: int = 8192,
) -> npt.NDArray[np.float32]:
    """Mean cosine of every passage to its `k` nearest reference queries (CSLS's r_p).

    Some passages sit close to every query of a language (e.g. a Russian paragraph quoting English
    titles attracts English questions): subtracting this per-passage "hubness" from the cosine is
    the cross-lingual retrieval fix of Conneau et al. 2018. Compute once per language at index
    time from a fixed set of generic questions in that language (L2-normalised rows).
    """
    k = max(1, min(k, len(references)))
    out = np.empty(len(passages), dtype=np.float32)
    for i in range(0, len(passages), block):
        sims = passages[i : i + block] @ references.T
        out[i : i + block] = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
    return out


def without_second_channel(retriever: HybridRetriever) -> HybridRetriever:
    """The same retriever (same indexes, nothing rebuilt) minus the USE channel, to measure what
    that channel adds."""
    twin = copy.copy(retriever)
    twin.second_embedder = None
    twin.params = DEFAULT
    return twin
