"""How closely one sentence's tokens match the question's: maxsim over the sentence's slice of
its chunk's stored token states.

Why: a sentence's vector pools all its words into one, which often cannot tell the sentence
that states the asked fact from the lead on the same topic, least across languages. The
chunk's layer-10 token states (index/tokens.py), which the retriever already re-ranks chunks
with, align words across languages; cut to one sentence they say which sentence holds the
question's words. The index stores states per chunk of `passage_text(title, chunk)`, so the
tokenizer's character offsets of that text map each sentence to its rows; the index stores each
token's middle character too (tokenising every read chunk per question cost ~0.3 ms a chunk).
As selector features it lifted held-out XQuAD's right sentence by 0.2-0.9 points
(`bench/train_reader.py`, README).
Pure: the answerer passes states and token positions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from index.tokens import Middles, TokenStates, maxsim, stored_middles


def chunk_offset(title: str) -> int:
    """Where the chunk's text starts inside `passage_text(title, chunk)`."""
    title = title.strip()
    return len(title) + 1 if title else 0


def token_middles(spans: Sequence[tuple[int, int]]) -> npt.NDArray[np.float64]:
    """Each token's middle character, in order (the spans come in text order), as the index
    stores them: for an index written before it stored them."""
    return known_middles(stored_middles(spans, len(spans)))


def known_middles(stored: Middles) -> npt.NDArray[np.float64]:
    """The middles the index stored for a chunk (index/tokens.py `stored_middles`); none where
    they were not known (-1), so its sentences match on the whole chunk."""
    if len(stored) and stored[0] < 0:
        return np.zeros(0, dtype=np.float64)
    return stored.astype(np.float64)


def sentence_rows(middles: npt.NDArray[np.float64], start: int, end: int) -> slice:
    """The token rows whose middle lies in [start, end) of the passage text (a binary search:
    a chunk's sentences are matched against the same rows)."""
    lo = int(np.searchsorted(middles, start, side="left"))
    hi = int(np.searchsorted(middles, end, side="left"))
    return slice(lo, max(lo, hi))


def sentence_match(
    query: TokenStates,
    states: TokenStates,
    middles: npt.NDArray[np.float64],
    start: int,
    end: int,
) -> float:
    """maxsim of the question against the sentence at [start, end) of the passage text.

    States that do not line up with the token middles (another tokenizer built them), or a
    sentence past the encoder's truncation, fall back to the whole chunk's maxsim: never a
    made-up low.
    """
    if len(middles) != len(states):
        return maxsim(query, states)
    rows = sentence_rows(middles, start, end)
    if rows.stop <= rows.start:
        return maxsim(query, states)
    return maxsim(query, states[rows])
