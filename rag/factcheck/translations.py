"""Names across languages that translate rather than transliterate each other.

Why: name keys compare spellings across scripts ("Ivanov" ~ "Иванов"), so a translated name
("Labour Party" ~ "Лейбористская партия", "Supreme Court" ~ "Верховный суд") looks like
another name, and a true English claim against a Russian article was refuted by its own
subject. e5 places a name and its translation close together: a pair
whose query vectors reach TRANSLATION_COSINE counts as one name. On a probe of 12 translated
and 12 different English-Russian name pairs, translations scored 0.82-0.96 and different names
0.78-0.86; the cut was then checked on the dev half of `bench/public_claims.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.embedder import Embedder
from index.query_cache import QueryVectorCache
from rag.factcheck.facts import Facts, NamePairs

TRANSLATION_COSINE = 0.87
# One 384-float vector per distinct name string: 1.5 KB each, 30 MB at most.
CACHE_SIZE = 20_000


class NameTranslations:
    """Pairs (claim name, sentence name) of two languages that name the same thing."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._cache = QueryVectorCache(embedder, CACHE_SIZE)

    def pairs(self, claim: Facts, sentences: Sequence[Facts]) -> NamePairs:
        left = {n.text for n in claim.names}
        right = {n.text for f in sentences if f.language != claim.language for n in f.names}
        if not left or not right:
            return frozenset()
        vectors = self._cache.vectors(left | right)
        return frozenset(
            (a, b)
            for a in left
            for b in right
            if float(vectors[a] @ vectors[b]) >= TRANSLATION_COSINE
        )
