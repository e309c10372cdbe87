"""Stop words of both languages, one set: the lexical channel drops them and a name is never one.

bm25s's lists, with "ё" folded to "е" as every tokenizer here folds it.
"""

from __future__ import annotations

from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_RUSSIAN

STOP_WORDS = frozenset(STOPWORDS_EN) | frozenset(w.replace("ё", "е") for w in STOPWORDS_RUSSIAN)

# English words that open a sentence capitalised and are never a name, nor start one ("The",
# "According", "Many"): a capitalised-run name finder drops them from a run's start.
EN_FUNCTION_WORDS = frozenset(
    "the a an this that these those it in on at as by for with and but or if when after before "  # noqa: SIM905
    "during under according he she they we i you his her their our its thank there here some "
    "many most all each every no none both more less over about nearly almost".split()
)
