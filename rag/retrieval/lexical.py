"""BM25 over Snowball stems (Russian or English chosen per token by script), plus name keys.

Two pure tokenizers feed the same `LexicalIndex`:

* `tokens`: every word/number, lower-cased, `ё` folded to `е`, stop words dropped, stemmed with
  the Russian stemmer if the word is Cyrillic and the English one if it is Latin. This is the
  same-language lexical channel (mixed RU/EN news text needs a per-token choice, not per-text).
* `name_keys`: only name-like tokens (capitalised words, acronyms, numbers), transliterated to
  Latin and reduced to a consonant skeleton, so that "Jared Allen" in an English question meets
  "Джареда Аллена" in a Russian passage: the only lexical evidence that means anything across
  languages.

Built on bm25s (sparse matrix of precomputed BM25 weights): 100k chunks index in seconds and a
query costs a few milliseconds. Nothing is pickled; the index is rebuilt from the chunk texts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import bm25s
import iuliia
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_RUSSIAN

from nlp.chinese import pinyin_name

# bm25s sets its own logger to DEBUG when imported, so every index build printed a line into
# the chat and the CLI's output; its warnings still show.
logging.getLogger("bm25s").setLevel(logging.WARNING)

Tokenizer = Callable[[str], list[str]]
Scores = npt.NDArray[np.float32]

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_STOP = frozenset(STOPWORDS_EN) | frozenset(w.replace("ё", "е") for w in STOPWORDS_RUSSIAN)
# Shared by the answer threads: PyStemmer stems holding the GIL (4 threads x 50k words gave the
# single-threaded stems), and each keeps its own bounded cache (`maxCacheSize`, 10,000 words).
_RU = Stemmer.Stemmer("russian")
_EN = Stemmer.Stemmer("english")


def script(word: str) -> str:
    """'ru' for a word with Cyrillic letters, 'en' for Latin, '' for digits/other scripts."""
    if _CYRILLIC.search(word):
        return "ru"
    if _LATIN.search(word):
        return "en"
    return ""


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


def strip_stress(text: str) -> str:
    """Drop combining stress accents ("Ару́ба" -> "Аруба"), which Wikipedia-style text carries.

    They are not word characters, so they split a word in two for the tokenizer (and fragment it
    for the embedder's SentencePiece too). Only U+0301/U+0300: "й" keeps its breve.
    """
    return text.replace("\u0301", "").replace("\u0300", "")  # str.translate is 10x slower


def _words(text: str) -> list[str]:
    return _WORD.findall(strip_stress(text).lower().replace("ё", "е"))


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


# ---------------------------------------------------------------- cross-script name keys

# Russian case endings, longest first: names decline ("Аллена", "Обамой"), stems over-cut them.
_RU_ENDINGS = tuple(
    sorted(
        # No "ов"/"ев": on a name they are the surname itself ("Петров" = "Petrov").
        "ами ями ого его ому ему ой ей ом ем ым им ах ях а я у ю е ы и".split(),  # noqa: SIM905
        key=len,
        reverse=True,
    )
)
# Spellings that English and Russian romanisation write differently for one sound.
_DIGRAPHS = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("dzh", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("ng", "n"),  # Pinyin "Changshan", Palladius "Чаншань"
    ("ts", "c"),
    ("tz", "c"),
    ("x", "ks"),
    ("q", "k"),
    ("w", "v"),
    ("c", "k"),
    ("y", "i"),
)
_VOWELS = frozenset("aeiou")


def _skeleton(latin: str) -> str:
    """First letter plus the consonants, doubled letters collapsed: a spelling-tolerant key."""
    for a, b in _DIGRAPHS:
        latin = latin.replace(a, b)
    out: list[str] = []
    for i, ch in enumerate(latin):
        if i and ch in _VOWELS:
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=200_000)
def name_key(word: str) -> str:
    """Script-independent key of one name-like word ('' when it is too short to be useful)."""
    w = word.lower().replace("ё", "е")
    if w.isdigit():
        return w if len(w) >= 2 else ""
    chinese = pinyin_name(word) if script(w) == "ru" else None
    if chinese is not None:
        w = chinese.lower()
    elif script(w) == "ru":
        for end in _RU_ENDINGS:
            if w.endswith(end) and len(w) - len(end) >= 3:
                w = w[: -len(end)]
                break
        w = iuliia.WIKIPEDIA.translate(w).lower()
    if w.endswith("s") and len(w) > 4:
        w = w[:-1]  # plural / possessive: "Panthers" vs "Пэнтерс"
    key = _skeleton(w)
    return key if len(key) >= 3 else ""


# Name candidates: numbers, capitalised words, words with an inner capital (acronyms, CamelCase).
_NAME_CANDIDATE = re.compile(r"\b(?:\d+|[^\W\d_][^\W_]*)\b")
_OPENERS = " \t\r\n\"'«„“(—–-"


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(_OPENERS)
    return not before or before[-1] in ".!?:…"


def name_keys(text: str) -> list[str]:
    """Keys of the names, numbers and acronyms in `text` (sentence-initial words skipped)."""
    keys: list[str] = []
    text = strip_stress(text)
    for m in _NAME_CANDIDATE.finditer(text):
        w = m.group()
        if not w.isdigit():
            if not w[0].isupper():
                continue
            acronym = any(ch.isupper() for ch in w[1:])
            if not acronym and (w.lower() in _STOP or _sentence_initial(text, m.start())):
                continue
        k = name_key(w)
        if k:
            keys.append(k)
    return keys


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
