"""How closely one sentence's tokens match the question's: maxsim over the sentence's slice of
its chunk's stored token states.

Why: a sentence vector is one pooled number per sentence, and across languages it cannot tell
the sentence that states the asked fact from the lead on the same topic. The chunk's layer-10
token states (index/tokens.py), which the retriever already re-ranks chunks with, align words
across languages; cut to one sentence they say which sentence holds the question's words. The
index stores states per chunk of `passage_text(title, chunk)`, so the tokenizer's character
offsets of that text map each sentence to its rows. Pure: the answerer passes states and spans.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.tokens import TokenStates, maxsim


def chunk_offset(title: str) -> int:
    """Where the chunk's text starts inside `passage_text(title, chunk)`."""
    title = title.strip()
    return len(title) + 1 if title else 0


def sentence_rows(spans: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    """The token rows whose middle lies in [start, end) of the passage text."""
    return [i for i, (s, e) in enumerate(spans) if start <= (s + e) / 2 < end]


def sentence_match(
    query: TokenStates,
    states: TokenStates,
    spans: Sequence[tuple[int, int]],
    start: int,
    end: int,
) -> float:
    """maxsim of the question against the sentence at [start, end) of the passage text.

    States that do not line up with the spans (another tokenizer built them), or a sentence
    past the encoder's truncation, fall back to the whole chunk's maxsim: never a made-up low.
    """
    if len(spans) != len(states):
        return maxsim(query, states)
    rows = sentence_rows(spans, start, end)
    if not rows:
        return maxsim(query, states)
    return maxsim(query, states[np.asarray(rows)])
