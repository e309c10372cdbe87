"""One shared pymorphy3 analyser: loading it costs ~0.3 s and ~15 MB, so every module reuses it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from nlp.words import fold


@lru_cache(maxsize=1)
def analyser() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=50_000)
def is_russian_predicate(word: str) -> bool:
    """Whether a Russian word is most likely a finite verb or a short participle ("подписано").

    Only the best parse counts: "стали" or "мира" have unlikely verb readings that would turn
    every noun phrase into a clause.
    """
    parses = analyser().parse(word.lower())
    return bool(parses) and parses[0].tag.POS in {"VERB", "PRTS"}


@lru_cache(maxsize=100_000)
def lemma(word: str) -> str:
    """The dictionary form of a Russian word (pymorphy3's best parse); other words lower-cased,
    an English plural "-s" dropped. Cheaper stems confuse "участвует" with "участников"."""
    low = fold(word)
    if any("а" <= ch <= "я" for ch in low):
        parses = analyser().parse(low)
        return fold(str(parses[0].normal_form)) if parses else low
    return low[:-1] if len(low) > 3 and low.endswith("s") and not low.endswith("ss") else low
