"""BM25 over Snowball stems (Russian or English chosen per token by script), plus name keys.

Two pure tokenizers feed the same `LexicalIndex`:

* `tokens`: every word/number, lower-cased, `ё` folded to `е`, stop words dropped, stemmed with
  the Russian stemmer if the word is Cyrillic and the English one if it is Latin. This is the
  same-language lexical channel (mixed RU/EN news text needs a per-token choice, not per-text).
* `nlp.names.name_keys`: the cross-script keys of names, numbers and acronyms, the only lexical
  evidence that means anything across languages.

Built on bm25s (sparse matrix of precomputed BM25 weights): 100k chunks index in seconds and a
query costs a few milliseconds. Nothing is pickled; the index is rebuilt from the chunk texts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer

from nlp.language import script, strip_stress
from nlp.stopwords import STOP_WORDS as _STOP
from nlp.words import fold

# bm25s sets its own logger to DEBUG when imported, so every index build printed a line into
# the chat and the CLI's output; its warnings still show.
logging.getLogger("bm25s").setLevel(logging.WARNING)

Tokenizer = Callable[[str], list[str]]
Scores = npt.NDArray[np.float32]

_WORD = re.compile(r"[^\W_]+")
# Shared by the answer threads: PyStemmer stems holding the GIL (4 threads x 50k words gave the
# single-threaded stems), and each keeps its own bounded cache (`maxCacheSize`, 10,000 words).
_RU = Stemmer.Stemmer("russian")
_EN = Stemmer.Stemmer("english")


def _stem(words: Iterable[str]) -> dict[str, str]:
    """Stem of each distinct word ('' for a stop word), one bulk Snowball call per script.

    No cache of ours: the one there was grew with every word of every question and saved 7 us a
    question (`tokens` of a 12-word question: 6 us with it, 13 us without); PyStemmer's own
    bounded one remains.
    """
    new = list(dict.fromkeys(words))
    stems = {w: "" if w in _STOP else w for w in new}
    for lang, stemmer in (("ru", _RU), ("en", _EN)):
        ws = [w for w in new if stems[w] and script(w) == lang]
        for w, st in zip(ws, stemmer.stemWords(ws), strict=True):
            stems[w] = str(st)
    return stems


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(strip_stress(text)))


def tokens(text: str) -> list[str]:
    """Lower-cased stems of the words and numbers of `text`, stop words removed."""
    words = _words(text)
    stems = _stem(words)
    return [st for w in words if (st := stems[w])]


def tokens_batch(texts: Sequence[str]) -> list[list[str]]:
    """`tokens` of many texts, stemming each distinct word once (index build)."""
    split = [_words(t) for t in texts]
    stems = _stem(w for ws in split for w in ws)
    return [[st for w in ws if (st := stems[w])] for ws in split]


# ---------------------------------------------------------------- the index


@dataclass
class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over whatever `tokenizer` makes of each chunk text."""

    bm25: Any
    vocab: dict[str, int]
    tokenizer: Tokenizer
    n_docs: int

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        tokenizer: Tokenizer = tokens,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> LexicalIndex:
        vocab: dict[str, int] = {}
        docs = tokens_batch(texts) if tokenizer is tokens else [tokenizer(t) for t in texts]
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in docs]
        bm25 = bm25s.BM25(k1=k1, b=b)
        if texts:
            bm25.index((ids, vocab), show_progress=False)
        return cls(bm25=bm25, vocab=vocab, tokenizer=tokenizer, n_docs=len(texts))

    def query_ids(self, query: str) -> list[int]:
        """Distinct vocabulary ids of the query's tokens (unknown tokens cannot score)."""
        seen: dict[int, None] = {}
        for t in self.tokenizer(query):
            i = self.vocab.get(t)
            if i is not None:
                seen[i] = None
        return list(seen)

    def scores(self, query: str) -> Scores:
        """BM25 score of every row (zeros where no query token occurs)."""
        ids = self.query_ids(query)
        if not ids or not self.n_docs:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Top `k` rows with a positive BM25 score, best first."""
        s = self.scores(query)
        k = min(k, int(np.count_nonzero(s > 0)))
        if k <= 0:
            return []
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        return [(int(i), float(s[i])) for i in top]
