"""The rest of the record (date, topic), and `detect_agreement`, which assembles it."""

from __future__ import annotations

from collections.abc import Sequence

from index.documents import Document
from nlp.dates import find_dates
from nlp.entities import RussianNer
from rag.alerts.agreements.document import document_findings
from rag.alerts.agreements.parties import default_ner, parties_and_place
from rag.alerts.agreements.record import Agreement
from rag.alerts.agreements.sentence import Finding
from rag.alerts.agreements.tokens import tokenise


def _topic(sentence: str, finding: Finding) -> str | None:
    """The "о/on ..." phrase after the agreement noun, a few words long."""
    if finding.noun_index is None:
        return None
    tokens = tokenise(sentence)
    i = finding.noun_index + 1
    if i >= len(tokens) or tokens[i].lower not in ("о", "об", "on", "to", "for"):
        return None
    stop = {",", ".", ";", ":", "—", "(", "между", "с", "со", "with", "between", "at", "и",
            "and", "в", "in", "signed", "подписали", "подписано"}  # fmt: skip
    words = [tokens[i]]
    for t in tokens[i + 1 : i + 9]:
        if t.lower in stop and not (t.lower in ("в", "in") and len(words) > 1):
            break
        if (
            t.lower in ("в", "in")
            and t.end < len(sentence)
            and sentence[t.end + 1 : t.end + 2].isupper()
        ):
            break
        words.append(t)
    if len(words) < 2:
        return None
    return sentence[words[0].start : words[-1].end]


def _agreement_date(document: Document, reporting: Sequence[str]) -> str | None:
    """A full date in the reporting sentence, else the article's date; never guessed."""
    for sentence in reporting:
        found = find_dates(sentence)
        if found:
            return found[0][0].isoformat()
    return document.date


def detect_agreement(document: Document, ner: RussianNer | None = None) -> Agreement | None:
    """The agreement the article reports, or None (see the module docstring for the rules)."""
    found = document_findings(document)
    if not found:
        return None
    sentence, finding = found[0]
    reporting = [s for s, _ in found]
    parties, place = parties_and_place(document, reporting, ner or default_ner())
    return Agreement(
        doc_id=document.doc_id,
        kind=finding.kind,
        status=finding.status,
        parties=parties,
        date=_agreement_date(document, reporting),
        place=place,
        sentence=sentence,
        language=document.language,
        topic=_topic(sentence, finding),
    )
