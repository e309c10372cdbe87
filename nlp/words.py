"""The word patterns and case folding the language tools share, so each module reads words alike.

`WORD` starts with a letter (a name, a negated verb, a content word); `TOKEN` may start with a
digit too ("2020-м", "5G"), for splitting a sentence into all its words. Both keep inner
hyphens and apostrophes ("Нью-Йорк", "O'Neill").
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W\d_][\w'’-]*")
TOKEN = re.compile(r"[^\W_][\w'’-]*")


def fold(text: str) -> str:
    """Lower case with "ё" read as "е": Russian news writes either letter for the same word."""
    return text.lower().replace("ё", "е")
