"""Follow-up questions ("а когда?", "and who chaired it?") completed from the previous turn.

A follow-up leans on the previous question for its topic; retrieval needs that topic spelled
out, while the question type must come from the follow-up itself. So the previous question
loses its question words and is appended to the follow-up.
"""

from __future__ import annotations

import re

from rag.answering.question import QType, question_type, strip_question_words

_LEAD = re.compile(
    r"^\s*(and|but|also|what\s+about|how\s+about|а|и|но|ну|а\s+ещё|а\s+еще|ещё|еще)\b[\s,]*", re.I
)
_ANAPHORA = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|him|his|she|her|there|then"
    r"|он|она|оно|они|его|её|ее|их|ему|ей|им|него|неё|нее|них|это|этот|эта|эти|этого|этой"
    r"|этом|там|тогда|туда)\b",
    re.I,
)
_WORD = re.compile(r"\w+")
# A question this short names no topic of its own ("when?", "а где?", "who else?").
SHORT_WORDS = 3


def is_follow_up(text: str) -> bool:
    """True for questions that cannot stand alone: a leading "and/а", a pronoun, or too short."""
    words = _WORD.findall(text)
    if not words:
        return False
    if _LEAD.match(text) or len(words) <= SHORT_WORDS:
        return True
    return bool(_ANAPHORA.search(text)) and len(words) <= 2 * SHORT_WORDS


def complete(previous: str, current: str) -> str:
    """The follow-up with the previous question's topic appended.

    When the follow-up has no question word of its own ("а в Пекине?"), the previous one's
    type still applies, so the previous question is kept whole.
    """
    core = _LEAD.sub("", current).strip().rstrip("?!. ")
    if question_type(core) is QType.OTHER:
        topic = previous.strip().rstrip("?!. ")
    else:
        topic = strip_question_words(previous).strip().rstrip("?!. ")
    return f"{core} {topic}?".strip() if core else f"{topic}?"
