"""Does an article report an agreement (signed, planned, memorandum, partnership)? RU and EN.

A sentence reports one when an agreement word and an agreeing verb occur together ("подписали
соглашение", "signed a memorandum", "договорились о совместных проектах"); the title is read
first, then the body in order, so the sentence shown is the one nearest the lead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.chunking import split_sentences
from index.documents import Document

_I = re.IGNORECASE
_AGREEMENT_NOUN = re.compile(
    r"\b(соглашени\w*|меморандум\w*|договор(а|у|ом|е|ы|ов|ам|ами|ах)?\b|договор[её]нност\w*"
    r"|партн[её]рств\w*|сотрудничеств\w*"
    r"|agreements?|memorand(um|a|ums)|mou|accords?|deals?|partnerships?|cooperation"
    r"|collaboration)",
    _I,
)
_AGREEING_VERB = re.compile(
    r"\b(подпис\w*|заключ\w*|договорил\w*|договорят\w*|догова?рива\w*|подпиш\w*"
    r"|sign\w*|conclud\w*|agreed|agree[sd]?|inked|enter(s|ed)?\s+into|struck|seal(s|ed)?)",
    _I,
)
# A verb that says so on its own ("договорились о совместных проектах", "agreed to").
_SELF_SUFFICIENT = re.compile(r"\b(договорил\w*|agreed\s+(to|on|upon))\b", _I)


def reports_agreement(sentence: str) -> bool:
    if _SELF_SUFFICIENT.search(sentence):
        return True
    return bool(_AGREEMENT_NOUN.search(sentence) and _AGREEING_VERB.search(sentence))


def agreement_sentence(document: Document) -> str | None:
    """The first sentence (title included) that reports an agreement, if any."""
    spans = split_sentences(document.text)
    for sentence in [document.title, *(document.text[a:b] for a, b in spans)]:
        if sentence and reports_agreement(sentence):
            return sentence
    return None


def newest_agreements(documents: Iterable[Document], n: int) -> list[Document]:
    """Agreement news, newest first; undated articles after dated ones."""
    found = [d for d in documents if agreement_sentence(d) is not None]
    found.sort(key=lambda d: d.date or "", reverse=True)
    return found[:n]
