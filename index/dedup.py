"""Grouping re-posted stories (same text, small edits, other boilerplate) under one story id.

Word 3-gram shingles compared by containment: a re-post that adds a lead or a footer still
contains almost all shingles of the original, which plain Jaccard would under-score. Candidate
pairs come from an inverted index, so the cost follows the number of shared shingles instead
of growing with every pair of documents.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence

from index.documents import Document

SHINGLE_WORDS = 3
# Shingles shared by more documents than this are boilerplate; they still count towards the
# similarity of a pair but do not propose pairs (keeps the candidate step near-linear).
MAX_POSTINGS = 50
# Containment of tiny shingle sets is noise (two one-line briefs share little but a phrase).
MIN_SHINGLES_FOR_CONTAINMENT = 15

_WORD_RE = re.compile(r"\w+")


def _shingles(text: str) -> frozenset[int]:
    words = [w.lower().replace("ё", "е") for w in _WORD_RE.findall(text)]
    if not words:
        return frozenset()
    size = min(SHINGLE_WORDS, len(words))
    grams = (" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    # Stable 8-byte hashes (str hash() is salted per process) keep results reproducible.
    return frozenset(
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big") for g in grams
    )


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Containment of the smaller set in the larger one (Jaccard when either is tiny)."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    if min(len(a), len(b)) < MIN_SHINGLES_FOR_CONTAINMENT:
        return shared / len(a | b)
    return shared / min(len(a), len(b))


class _UnionFind:
    def __init__(self, items: Sequence[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # the smaller id becomes the root, so the root is the story id
            small, large = sorted((ra, rb))
            self.parent[large] = small


def near_duplicate_groups(docs: Sequence[Document], threshold: float = 0.6) -> dict[str, str]:
    """doc_id -> story id (the smallest doc_id of its near-duplicate group)."""
    ids = [doc.doc_id for doc in docs]
    groups = _UnionFind(ids)
    shingles = [_shingles(f"{doc.title}\n{doc.text}") for doc in docs]
    postings: dict[int, list[int]] = defaultdict(list)
    for i, own in enumerate(shingles):
        candidates: set[int] = set()
        for shingle in own:
            posting = postings[shingle]
            if len(posting) <= MAX_POSTINGS:
                candidates.update(posting)
            posting.append(i)
        for j in sorted(candidates):
            if similarity(own, shingles[j]) >= threshold:
                groups.union(ids[i], ids[j])
    return {doc_id: groups.find(doc_id) for doc_id in ids}
