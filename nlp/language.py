"""Language of an article: Russian or English, by script.

Counting letters per script is enough for a RU/EN corpus and needs no model; the threshold
sits well below one half because Russian news is full of Latin names (company names, brands,
domains) while English news rarely carries Cyrillic.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["ru", "en"]

RU_MIN_SHARE = 0.35  # share of Cyrillic among all letters that makes a text Russian


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_latin(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("\u00c0" <= ch <= "\u024f")


def detect_language(text: str) -> Language:
    """ "ru" when Cyrillic letters make up a good share of the letters, else "en"."""
    cyrillic = latin = 0
    for ch in text:
        if _is_cyrillic(ch):
            cyrillic += 1
        elif _is_latin(ch):
            latin += 1
    total = cyrillic + latin
    if total == 0:
        return "en"
    return "ru" if cyrillic / total >= RU_MIN_SHARE else "en"


_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def script(word: str) -> str:
    """'ru' for a word with Cyrillic letters, 'en' for Latin, '' for digits/other scripts."""
    if _CYRILLIC.search(word):
        return "ru"
    if _LATIN.search(word):
        return "en"
    return ""


def strip_stress(text: str) -> str:
    """Drop combining stress accents ("Ару́ба" -> "Аруба"), which Wikipedia-style text carries.

    They are not word characters, so they split a word in two for the tokenizer (and fragment it
    for the embedder's SentencePiece too). Only U+0301/U+0300: "й" keeps its breve.
    """
    return text.replace("\u0301", "").replace("\u0300", "")  # str.translate is 10x slower
