"""From newly indexed articles to agreement alerts: one per story, however many outlets tell it.

A story is named after its earliest report in the index (by date, then id), so the name is the
same whichever report arrives first, in whichever poll, before or after a restart: the bot's
"one alert per user and story" rule then holds by construction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from cachetools import LRUCache

from index.documents import Document
from nlp.entities import RussianNer
from rag.alerts.agreements import (
    Agreement,
    agreement_sentence,
    detect_agreement,
    same_agreement_story,
)

# Reports of one signing appear within days of each other; older agreements are other stories.
STORY_WINDOW_DAYS = 7
# Document versions whose agreement (or its absence) is remembered. Every poll looks again at the
# indexed reports near each new one, so the cache should hold a window's worth of news: at a few
# thousand articles a day, 100k (~25 MB) is weeks. Past it the oldest are detected again.
MEMORY_SIZE = 100_000


@dataclass(frozen=True)
class StoryAlert:
    story_id: str
    agreement: Agreement  # as the first new report tells it
    document: Document  # that report
    also: tuple[Document, ...]  # other new reports of the same story in this batch


def _day(iso: str | None) -> date | None:
    try:
        return date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


def _near(a: Document, b: Document) -> bool:
    day_a, day_b = _day(a.date), _day(b.date)
    return day_a is None or day_b is None or abs((day_a - day_b).days) <= STORY_WINDOW_DAYS


def _order(doc: Document) -> tuple[str, str]:
    return (doc.date or "9999", doc.doc_id)  # undated reports sort after dated ones


class AgreementMemory:
    """Agreements already found in the index, computed once per document version (while it is
    among the `MEMORY_SIZE` most recently asked about)."""

    def __init__(self, ner: RussianNer | None = None) -> None:
        self._ner = ner
        self._seen: LRUCache[tuple[str, str], Agreement | None] = LRUCache(MEMORY_SIZE)
        # Alert batches run in worker threads, possibly two at once; cachetools is not safe.
        self._lock = threading.Lock()

    def of(self, document: Document) -> Agreement | None:
        key = (document.doc_id, document.content_hash)
        with self._lock:
            if key in self._seen:
                return self._seen[key]
        found = None
        if agreement_sentence(document) is not None:  # the cheap test first
            found = detect_agreement(document, self._ner)
        with self._lock:
            self._seen[key] = found
        return found

    def story_alerts(
        self, new: Sequence[Document], indexed: Iterable[Document]
    ) -> list[StoryAlert]:
        """Group the agreement news among `new` into stories named after their first report.

        `indexed` is every document of the index (the new ones included or not); earlier
        reports of the same signing there give the story its name, so a re-telling by a second
        outlet maps onto the story already alerted.
        """
        found = [(doc, self.of(doc)) for doc in sorted(new, key=_order)]
        fresh = [(doc, a) for doc, a in found if a is not None]
        new_ids = {doc.doc_id for doc in new}
        earlier = [d for d in indexed if d.doc_id not in new_ids]
        groups: list[list[tuple[Document, Agreement]]] = []
        for doc, agreement in fresh:
            for group in groups:
                if same_agreement_story(group[0][1], agreement):
                    group.append((doc, agreement))
                    break
            else:
                groups.append([(doc, agreement)])
        alerts = []
        for group in groups:
            first_doc, first = group[0]
            members = [first_doc]
            for old in earlier:
                if not _near(old, first_doc):
                    continue
                old_agreement = self.of(old)
                if old_agreement is not None and same_agreement_story(old_agreement, first):
                    members.append(old)
            story = min(members, key=_order).doc_id
            alerts.append(
                StoryAlert(
                    story_id=story,
                    agreement=first,
                    document=first_doc,
                    also=tuple(doc for doc, _ in group[1:]),
                )
            )
        return alerts
