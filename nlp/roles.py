"""The role written before a person's name ("директор завода Пётр Ильин").

Russian news names people with their position in front, in the nominative: the phrase is read
backwards from the name while words are nouns, adjectives, abbreviations or Latin names, and is
kept only if its first word is a nominative noun (which rejects "под руководством", "мэра").
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlp.morph import analyser
from nlp.titles import title_classes

_TOKEN = re.compile(r"[\w-]+|[^\w\s]", re.UNICODE)
_MAX_WORDS = 7
_ROLE_POS = {"NOUN", "ADJF", "ADJS", "PRTF"}


@lru_cache(maxsize=20_000)
def _parse(word: str) -> tuple[str | None, bool, bool]:
    """(part of speech, can be a nominative noun, can be a nominative adjective)."""
    parses = analyser().parse(word)
    likely = [p for p in parses if p.score >= 0.1]
    return (
        parses[0].tag.POS,
        any(p.tag.POS == "NOUN" and "nomn" in p.tag for p in likely),
        any(p.tag.POS == "ADJF" and "nomn" in p.tag for p in likely),
    )


def _opens_role(words: list[str]) -> bool:
    """Whether the words start with nominative adjectives, then a nominative noun."""
    for word in words:
        if not re.fullmatch(r"[а-яё-]+", word):
            return False
        _, noun, adjective = _parse(word)
        if noun:
            return True
        if not adjective:
            return False
    return False


def _role_word(word: str) -> bool:
    if re.fullmatch(r"[A-Za-z][\w-]*", word) or re.fullmatch(r"[А-ЯЁ]{2,}", word):
        return True  # Latin names (Acme Group) and abbreviations (МГУ) inside a role
    pos, _, _ = _parse(word.lower())
    return pos in _ROLE_POS


def role_before(sentence: str, start: int) -> str | None:
    """The role phrase that ends right before `sentence[start:]`, or None."""
    words = list(_TOKEN.finditer(sentence[:start]))
    taken: list[re.Match[str]] = []
    for m in reversed(words):
        if len(taken) == _MAX_WORDS or not _role_word(m.group()):
            break
        taken.append(m)
    # The phrase must open with a nominative noun (adjectives may precede it).
    while taken and not _opens_role([m.group() for m in reversed(taken)]):
        taken.pop()
    if not taken:
        return None
    return sentence[taken[-1].start() : taken[0].end()]


# A title phrase before a name may run this many words past the title ("председатель комитета
# экономического развития Иван Петров"); an apposition after it this many.
_GAP_WORDS = 8
_APPOSITION_WORDS = 12
_BREAK = re.compile(r"[,.;:!?()«»\"“”]")


def _nominative(phrase: str) -> str:
    """A Russian role read in an oblique case ("мэра Москвы") in the nominative ("мэр
    Москвы"): the words up to the first noun are inflected, the complement after it kept."""
    out: list[str] = []
    words = phrase.split(" ")
    for i, word in enumerate(words):
        parse = analyser().parse(word.lower())[0]
        if parse.tag.POS not in ("NOUN", "ADJF") or "nomn" in parse.tag:
            return " ".join(out + words[i:])
        inflected = parse.inflect({"nomn"})
        form = str(inflected.word) if inflected is not None else word.lower()
        out.append(form.capitalize() if word[:1].isupper() else form)
        if parse.tag.POS == "NOUN":
            return " ".join(out + words[i + 1 :])
    return " ".join(out)


def _title_before(sentence: str, start: int) -> str | None:
    """The phrase from a person title to the name ("Moscow Mayor", "head of the fund")."""
    window_start = max(0, start - 120)
    window = sentence[window_start:start]
    best: re.Match[str] | None = None
    for _, pattern in title_classes():
        for m in pattern.finditer(window):
            gap = window[m.end() :]
            if _BREAK.search(gap) or len(gap.split()) > _GAP_WORDS:
                continue
            if best is None or m.start() > best.start():
                best = m
    if best is None:
        return None
    head = window[: best.start()]
    lead = re.search(r"(?:[A-ZА-ЯЁ][\w-]*\s+){1,3}$", head)  # "Moscow Mayor", "Vice President"
    begin = lead.start() if lead and not _BREAK.search(lead.group()) else best.start()
    phrase = window[begin:].strip()
    if re.search(r"[а-яё]", phrase, re.IGNORECASE):
        return _nominative(phrase)
    return phrase


def _apposition_after(sentence: str, end: int) -> str | None:
    """ ", the mayor of Moscow," / ", мэр Москвы,": a title phrase set off after the name."""
    m = re.match(r"\s*,\s*([^,.;:!?()«»\"]+)", sentence[end:])
    if m is None or len(m.group(1).split()) > _APPOSITION_WORDS:
        return None
    phrase = m.group(1).strip()
    bare = re.sub(r"^(?:the|a|an)\s+", "", phrase, flags=re.IGNORECASE)
    return phrase if any(p.match(bare) for _, p in title_classes()) else None


def role_of(sentence: str, start: int, end: int) -> str | None:
    """What a sentence says a person is: the role before the name `sentence[start:end]` or
    an apposition after it, a Russian one in the nominative. None when it gives no role."""
    return (
        role_before(sentence, start)
        or _title_before(sentence, start)
        or _apposition_after(sentence, end)
    )
