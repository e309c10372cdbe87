"""One name swapped in an otherwise identical statement: the value at the very place of the
claim's.

Why: a press officer's false claim is usually a true sentence with one value changed ("завод
«Сокол» подписал договор" -> "завод «Восход» подписал договор"). When the changed name is one the
article never mentions, and the sentence's own is a country or a name NER tags differently,
nothing else ties the two together, and the claim was "not in the corpus". A sentence that
restates the claim word for word (`Comparison.restates`) can be aligned with it word by word:
a capitalised word of the claim that the sentence does not write, replaced there by a
capitalised word the claim does not write, is that value said differently.
"""

from __future__ import annotations

import difflib

from nlp.countries import find_countries
from nlp.names import name_form, same_name
from nlp.words import TOKEN
from rag.factcheck.facts import (
    Comparison,
    Facts,
    Mismatch,
    any_key,
    keys_of,
    surname_keys,
    word_keys,
)

MAX_SWAP_WORDS = 4  # a longer replaced stretch is another wording, not one value


def _words(text: str) -> list[tuple[str, int]]:
    return [(m.group(), m.start()) for m in TOKEN.finditer(text)]


def _named(word: str, index: int) -> bool:
    """Capitalised inside the sentence, and more than an initial ("В. Путин")."""
    return index > 0 and word[0].isupper() and len(word) >= 3


def _found_names(claim: Facts, keys: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of the claim's names that the sentence writes (a first name beside a surname the
    sentence has is the same person, however the sentence abbreviates it)."""
    return [(n.start, n.end) for n in claim.names if any_key(surname_keys(n), keys)]


def _unwritten(word: str, keys: frozenset[str]) -> bool:
    key = name_form(word)
    return not key or not any(same_name(key, k) for k in keys)


def _kind(claim: Facts, start: int, word: str) -> str:
    for name in claim.names:
        if name.start <= start < name.end:
            return "organisation" if name.kind == "name" else name.kind
    return "place" if find_countries(word) else "organisation"


def compare_restatement(claim: Facts, evidence: Facts, out: Comparison) -> None:
    """A name swap between the claim and a sentence restating it (same language only)."""
    if claim.language != evidence.language or out.mismatches or not out.restates:
        return
    mine, theirs = _words(claim.text), _words(evidence.text)
    lang = claim.language
    a = [next(iter(word_keys([w], lang)), w.lower()) for w, _ in mine]
    b = [next(iter(word_keys([w], lang)), w.lower()) for w, _ in theirs]
    their_keys = keys_of(evidence.text, every_word=True)
    my_keys = keys_of(claim.text, every_word=True)
    found = _found_names(claim, their_keys)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "replace" or i2 - i1 > MAX_SWAP_WORDS or j2 - j1 > MAX_SWAP_WORDS:
            continue
        said = [(w, s) for k, (w, s) in enumerate(mine[i1:i2], i1)
                if _named(w, k) and _unwritten(w, their_keys)
                and not any(a <= s < b for a, b in found)]  # fmt: skip
        other = [w for k, (w, _) in enumerate(theirs[j1:j2], j1)
                 if _named(w, k) and _unwritten(w, my_keys)]  # fmt: skip
        if said and other:
            claim_value = " ".join(w for w, _ in mine[i1:i2])
            source_value = " ".join(w for w, _ in theirs[j1:j2])
            kind = _kind(claim, said[0][1], said[0][0])
            out.mismatches.append(Mismatch(kind, claim_value, source_value))
            out.linked = True
