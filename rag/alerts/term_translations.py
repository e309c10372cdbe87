"""A topic's words translated in the article: "robotics" in "робототехники", "беспилотники" in
"drone delivery".

Across scripts lemmas and stems cannot meet, and a glossary of concepts is a list sized to the
topics its author thought of. e5 places a term and its translation close together, so the
article's short phrases (one to three content words of the title and lead, in the other
script) are embedded as queries, like the topic, and the closest one counts as the topic's
words when their cosine reaches TERM_COSINE (chosen on the dev half of the topic pairs,
`evaluation.topics`). The phrase found is shown as the reason, as for any mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embedder import Embedder
from index.query_cache import QueryVectorCache

TERM_COSINE = 0.88
MAX_WORDS = 3
MAX_PHRASES = 200  # of one article's title and lead: ~60 words give ~150
CACHE_SIZE = 50_000  # phrase vectors, 1.5 KB each


@dataclass(frozen=True)
class Phrase:
    text: str
    start: int
    end: int


def phrases(words: Sequence[tuple[str, int, int]], text: str) -> list[Phrase]:
    """Runs of one to MAX_WORDS consecutive content words, as written."""
    out: list[Phrase] = []
    for i in range(len(words)):
        for n in range(1, MAX_WORDS + 1):
            if i + n > len(words):
                break
            start, end = words[i][1], words[i + n - 1][2]
            if "\n" in text[start:end] or any(p in text[start:end] for p in ".!?;"):
                break
            out.append(Phrase(text[start:end], start, end))
    return out[:MAX_PHRASES]


class TermTranslations:
    """Finds the article phrase that translates a topic's words; phrase vectors are cached."""

    def __init__(self, embedder: Embedder, cosine: float = TERM_COSINE) -> None:
        self.cosine = cosine
        self._cache = QueryVectorCache(embedder, CACHE_SIZE)

    def closest(self, term: str, candidates: Sequence[Phrase]) -> tuple[float, Phrase | None]:
        """The candidate closest to `term` and its cosine (0.0 and None without candidates)."""
        if not candidates:
            return 0.0, None
        vectors = self._cache.vectors([term, *(c.text for c in candidates)])
        sims = [float(vectors[term] @ vectors[c.text]) for c in candidates]
        best = int(np.argmax(sims))
        return sims[best], candidates[best]

    def find(self, term: str, candidates: Sequence[Phrase]) -> Phrase | None:
        cosine, phrase = self.closest(term, candidates)
        return phrase if cosine >= self.cosine else None
