"""Whether a reporting sentence says who agreed.

"Все контракты заключены" or "A deal was signed" names nobody: read alone (a snippet, a lead
under an unrelated title) it is no news of an agreement, so the article must say who agreed
elsewhere, in its title. A participant is a capitalised word past the sentence's first, a
"с/между/with/between/by" phrase, or a subject: a Russian noun or pronoun in the nominative,
an English word before the predicate that is not a determiner or an auxiliary.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.alerts.agreements.lexicon import CYRILLIC
from rag.alerts.agreements.sentence import Finding, noun_kind
from rag.alerts.agreements.tokens import Token

JOINERS = frozenset({"с", "со", "между", "with", "between", "by", "among"})
CLAUSE_ENDS = frozenset({",", ";", ":", "—", "(", ")", "."})
# English words before a predicate that name nobody: "All contracts have been signed".
EN_NOBODY = frozenset({
    "a", "all", "already", "also", "an", "any", "are", "be", "been", "being", "both", "each",
    "every", "finally", "had", "has", "have", "is", "its", "new", "now", "other", "several",
    "some", "that", "the", "their", "these", "this", "those", "was", "were",
})  # fmt: skip


def _clause(tokens: Sequence[Token], first: int, last: int) -> range:
    start = first
    while start > 0 and tokens[start - 1].text not in CLAUSE_ENDS:
        start -= 1
    end = last + 1
    while end < len(tokens) and tokens[end].text not in CLAUSE_ENDS:
        end += 1
    return range(start, end)


def _participant(tokens: Sequence[Token], i: int, predicate: int) -> bool:
    t = tokens[i]
    if t.lower in JOINERS:
        return True
    if i > 0 and t.text[:1].isupper():
        return True
    if noun_kind(tokens, i) is not None:
        return False
    if t.pos:
        return t.subject
    english_word = t.lower.isalpha() and not CYRILLIC.search(t.lower)
    return english_word and i < predicate and t.lower not in EN_NOBODY


def names_participant(tokens: Sequence[Token], finding: Finding) -> bool:
    """Whether the clause of the finding names anyone who agreed (see the module docstring)."""
    marks = [finding.predicate_index]
    if finding.noun_index is not None:
        marks.append(finding.noun_index)
    return any(
        _participant(tokens, i, finding.predicate_index)
        for i in _clause(tokens, min(marks), max(marks))
        if i not in marks
    )
