"""Follow-up questions ("а когда?", "and who chaired it?") completed from the previous turn.

Only a question that cannot stand alone is a follow-up: rewriting one that has a topic of its own
answers a question nobody asked. A follow-up leans on the previous question for its topic;
retrieval needs that topic spelled out, while the question type must come from the follow-up
itself. So the previous question loses its question words and is appended to the follow-up.
"""

from __future__ import annotations

import re

from nlp.language import script
from nlp.morph import analyser
from nlp.stopwords import STOP_WORDS
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
# "Who else?", "кто ещё?": the question asks for more of what the previous turn was about.
_MORE = frozenset({"else", "also", "ещё", "еще", "тоже", "также"})
# A question with a pronoun leans on the turn before it only while it is this short.
ANAPHORA_MAX_WORDS = 6
# English words that open a noun phrase: the word after one names a thing ("the mayor").
_EN_DETERMINERS = frozenset({"the", "a", "an", "of", "in", "on", "at", "for", "with", "about"})
# Russian parts of speech that name a thing (pymorphy3 tags); a verb or an adverb names none.
_RU_TOPIC_POS = frozenset({"NOUN", "ADJF", "NUMR", None})


def _names_a_thing(word: str, after: str) -> bool:
    """Whether a word can be a question's own topic: a noun, a name or a number, not a verb.

    Russian reads pymorphy3's best parse; English has no tagger here, so a capitalised word, a
    word after a determiner or preposition, or a longer word that is no "-ed"/"-ing" form count.
    """
    low = word.lower()
    if low in STOP_WORDS or low in _MORE or _ANAPHORA.fullmatch(low):
        return False
    if any(ch.isdigit() for ch in word):
        return True
    if script(word) == "ru":
        tag = analyser().parse(low)[0].tag
        return tag.POS in _RU_TOPIC_POS and "Apro" not in tag
    if word[0].isupper() or after.lower() in _EN_DETERMINERS:
        return True
    return len(low) >= 5 and not low.endswith(("ed", "ing"))


def is_follow_up(text: str) -> bool:
    """True only for a question that cannot stand alone.

    It leans on the previous turn when it names no topic of its own ("when?", "кто подписал?",
    "who else?"), when it is short and points back with a pronoun ("when was it signed?"), or
    when it opens with "and/а"/"what about" and asks nothing of its own ("а в Пекине?"). A short
    question with a topic of its own ("What is Kubernetes?", "Кто такой Иванов?") stands alone.
    """
    words = _WORD.findall(text)
    if not words:
        return False
    core = _LEAD.sub("", text)
    lead = core != text
    if lead and question_type(core) is QType.OTHER:
        return True
    if (_ANAPHORA.search(text) or _MORE & {w.lower() for w in words}) and len(
        words
    ) <= ANAPHORA_MAX_WORDS:
        return True
    topic = _WORD.findall(strip_question_words(core))
    return not any(_names_a_thing(w, topic[i - 1] if i else "") for i, w in enumerate(topic))


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
