"""Whether two reports (any outlets, any languages) are of the same agreement."""

from __future__ import annotations

from datetime import date

from rag.alerts.agreements.lexicon import STORY_MAX_DAYS
from rag.alerts.agreements.parties import is_place_name, names_meet, party_keys
from rag.alerts.agreements.record import Agreement


def _family(kind: str) -> str:
    """Outlets call one signing a memorandum, an agreement or a partnership; a contract (a sale,
    a supply order) is another sort of news."""
    return "contract" if kind == "contract" else "cooperation"


def _parties_match(p: str, q: str) -> int:
    """2: one party for sure (a shared name, or a shared country where one side is only a
    place: "Пекин" ~ "Beijing" ~ "China", "Московский кластер" ~ "Moscow"); 1: two bodies of
    one country ("Дубайский центр" ~ "Dubai Future Foundation"), which counts only beside a
    sure match; 0: unrelated."""
    kp, kq = party_keys(p), party_keys(q)
    if names_meet(kp, kq):
        return 2
    if not {k for k in kp & kq if k.startswith("country:")}:
        return 0
    return 2 if is_place_name(p) or is_place_name(q) else 1


def same_agreement_story(a: Agreement, b: Agreement) -> bool:
    """Whether two articles (any outlets, any languages) report the same agreement."""
    if _family(a.kind) != _family(b.kind):
        return False
    if a.date and b.date:
        gap = abs((date.fromisoformat(a.date) - date.fromisoformat(b.date)).days)
        if gap > STORY_MAX_DAYS:
            return False
    if not a.parties or not b.parties:
        return False
    best_a = [max(_parties_match(p, q) for q in b.parties) for p in a.parties]
    best_b = [max(_parties_match(p, q) for p in a.parties) for q in b.parties]
    if max(best_a) < 2:
        return False  # "two bodies of one country" alone is too weak
    need = min(2, len(a.parties), len(b.parties))
    return min(sum(1 for m in best_a if m), sum(1 for m in best_b if m)) >= need
