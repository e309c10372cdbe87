"""Does an article report an agreement (signed or planned: agreement, memorandum, partnership,
contract, roadmap)? RU and EN; and if so, between whom, when and where.

A false alert costs trust, so a sentence reports an agreement only when an agreeing predicate
governs an agreement noun nearby ("подписали соглашение", "signed a memorandum", "соглашение ...
подписано") or says so on its own ("договорились о совместных проектах", "agreed to form",
"partnered with"). Lemmas (pymorphy3 for Russian, word forms for English) decide, never phrases
of particular articles. A sentence is *not* a report when it is:

* a passing mention of an old agreement ("ранее", "напомним", "which signed ... in 2018", a year
  or full date well before the article's own date, a past perfect, a relative clause);
* negated, hypothetical or normative ("не смогли договориться", "could sign", "нужно заключать",
  proposals and calls to sign), or a question;
* consent or opinion ("согласие", "agree with", "agreed that", "agreed on the need");
* an employment, user or non-disclosure contract;
* about a deal that was cancelled, postponed, terminated or left: such a word anywhere in the
  article next to the agreement vocabulary rejects the whole article (decision: a planned deal
  that fell through is not an alert).

The title is read first, then the body in order; the first reporting sentence is the one shown.
Parties come from that sentence (natasha NER for Russian, capitalised runs for English), topped
up from the other reporting sentences, then the title.

One module per step: `lexicon`, `tokens`, `sentence`, `document`, `parties`, `details`,
`record` and `story`; the alert's words are made in `bot.agreement_line`.
"""

from __future__ import annotations

from rag.alerts.agreements.details import detect_agreement
from rag.alerts.agreements.document import agreement_sentence, newest_agreements
from rag.alerts.agreements.lexicon import MAX_PARTIES, STORY_MAX_DAYS
from rag.alerts.agreements.record import Agreement
from rag.alerts.agreements.sentence import reports_agreement
from rag.alerts.agreements.story import same_agreement_story

__all__ = [
    "MAX_PARTIES",
    "STORY_MAX_DAYS",
    "Agreement",
    "agreement_sentence",
    "detect_agreement",
    "newest_agreements",
    "reports_agreement",
    "same_agreement_story",
]
