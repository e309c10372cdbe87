"""Check-worthy claims of a text: sentences, split where one sentence states several facts.

Press releases pack facts together ("the accelerator drew 4,500 applications, and 1,500
companies tested their products"); a verdict per fact lets one false number stand out instead
of sinking the whole sentence. Opinions, questions and greetings are not facts and are skipped.
All functions are pure (pymorphy3 is only read).
"""

from __future__ import annotations

import re

from razdel import sentenize

from nlp.language import detect_language
from nlp.morph import is_russian_predicate
from nlp.words import TOKEN

MIN_WORDS = 3

_DIGIT = re.compile(r"\d")
_I = re.IGNORECASE

_OPINION = re.compile(
    r"^(?:\W*)(?:я\s+(?:считаю|думаю|полагаю|уверен\w*|надеюсь)|мне\s+кажется|по-моему"
    r"|на\s+мой\s+взгляд|по\s+моему\s+мнению|как\s+мне\s+кажется|мы\s+надеемся|надеюсь"
    r"|i\s+(?:think|believe|feel|guess|hope|suppose)|in\s+my\s+(?:opinion|view)|we\s+hope"
    r"|it\s+seems|personally|imho)\b",
    _I,
)
_GREETING = re.compile(
    r"^(?:\W*)(?:здравствуй\w*|добр\w+\s+(?:день|утро|вечер|ночи)|привет\w*|спасибо|благодар\w*"
    r"|уважаем\w+\s+\w+|дорог\w+\s+(?:друзья|коллеги)|с\s+уважением|всего\s+доброго"
    r"|hello|hi|hey|good\s+(?:morning|afternoon|evening)|dear\s+\w+|thanks?\b|thank\s+you"
    r"|best\s+regards|kind\s+regards|regards|cheers)\b",
    _I,
)
# Where one sentence may join two facts. The left part must be a whole clause for a cut.
_JOINERS = re.compile(
    r",?\s+а\s+также\s+|,\s+а\s+|,\s+но\s+|,?\s+и\s+|;\s+"
    r"|,?\s+as\s+well\s+as\s+|,?\s+and\s+|,\s+but\s+|,\s+while\s+|,\s+whereas\s+",
    _I,
)
_QUOTE_OPEN = "«“„"
_QUOTE_CLOSE = "»”"
# English finite verbs: auxiliaries, common irregular pasts, and regular -ed forms.
_EN_AUX = frozenset(
    "is are was were be been has have had will would shall should can could may might must "  # noqa: SIM905
    "does did do won't isn't wasn't weren't hasn't haven't didn't doesn't".split()
)
_EN_IRREGULAR = frozenset(
    "held signed won took met led became began made said told gave got set put ran went came "  # noqa: SIM905
    "saw built sold bought brought paid spent left lost found kept sent drew grew rose fell "
    "chose spoke wrote meant felt stood understood heard let cut thought taught caught".split()
)
_EN_NOT_VERB = frozenset(
    "red bed need seed speed feed hundred united limited".split()  # noqa: SIM905
)


def is_english_predicate(word: str) -> bool:
    """A conservative guess that an English word is a finite verb (no tagger for English)."""
    w = word.lower()
    if w in _EN_AUX or w in _EN_IRREGULAR:
        return True
    return len(w) > 4 and w.endswith("ed") and w not in _EN_NOT_VERB and word[0].islower()


def _is_predicate(word: str, language: str) -> bool:
    if language == "ru":
        return bool(re.fullmatch(r"[а-яё-]+", word, _I)) and is_russian_predicate(word)
    return is_english_predicate(word)


def predicate_positions(text: str, language: str) -> list[int]:
    """Start offsets of the words in `text` that look like finite verbs."""
    return [m.start() for m in TOKEN.finditer(text) if _is_predicate(m.group(), language)]


def sentences(text: str) -> list[str]:
    """razdel sentences (it knows "17 тыс." and initials), whitespace collapsed."""
    out = []
    for s in sentenize(text):
        clean = " ".join(s.text.split())
        if clean:
            out.append(clean)
    return out


def is_check_worthy(sentence: str) -> bool:
    """A statement of fact: not a question, opinion or greeting; a verb, a number or a name."""
    s = sentence.strip()
    words = TOKEN.findall(s)
    if len(words) < MIN_WORDS or s.endswith("?"):
        return False
    if _OPINION.match(s) or _GREETING.match(s):
        return False
    language = detect_language(s)
    if _DIGIT.search(s) or predicate_positions(s, language):
        return True
    return any(w[0].isupper() for w in words[1:])


def _quote_depth(text: str, end: int) -> int:
    depth = 0
    straight = 0
    for ch in text[:end]:
        if ch in _QUOTE_OPEN:
            depth += 1
        elif ch in _QUOTE_CLOSE:
            depth = max(0, depth - 1)
        elif ch == '"':
            straight ^= 1
    return depth + straight


def _clause(text: str) -> str:
    """A clause as a claim: trimmed, without the final stop, capitalised like a sentence."""
    clause = text.strip(" ,;—–-").rstrip(".!…").strip()
    return clause[:1].upper() + clause[1:]


def split_facts(sentence: str) -> list[str]:
    """One claim per clause where a sentence joins clauses that each have their own verb.

    "Иванов провёл заседание и подписал соглашение" gives two claims, the second with the
    subject of the first ("Иванов подписал соглашение"); "Москва и Пекин подписали соглашение"
    stays whole, since "Москва" is no clause. Joiners inside quotes are never cut.
    """
    language = detect_language(sentence)
    parts: list[str] = []
    rest = sentence
    subject = ""
    while True:
        cut = None
        joiners = [m for m in _JOINERS.finditer(rest) if not _quote_depth(rest, m.start())]
        for i, m in enumerate(joiners):
            left, right = rest[: m.start()], rest[m.end() :]
            # The right clause ends where the next joiner starts: its verb must lie before it.
            own = rest[m.end() : joiners[i + 1].start()] if i + 1 < len(joiners) else right
            left_verbs = predicate_positions(left, language)
            right_verbs = predicate_positions(own, language)
            # A comma before "and" closes a clause: a number after it starts a fact of its own.
            numbered = "," in m.group() and bool(_DIGIT.search(own) and _DIGIT.search(left))
            if left_verbs and (right_verbs or numbered):
                cut = (left, right, left_verbs[0], right_verbs[0] if right_verbs else -1)
                break
        if cut is None:
            break
        left, right, left_verb, right_verb = cut
        if not subject:
            subject = left[:left_verb].strip()
        parts.append(_clause(left))
        # A right clause that opens with its verb shares the left clause's subject.
        rest = f"{subject} {right}" if right_verb == 0 and subject else right
    parts.append(_clause(rest))
    return [p for p in parts if len(TOKEN.findall(p)) >= MIN_WORDS] or [_clause(sentence)]


def split_claims(text: str) -> list[str]:
    """The check-worthy claims of `text`, in order, each a short declarative clause."""
    claims: list[str] = []
    for sentence in sentences(text):
        if is_check_worthy(sentence):
            claims.extend(c for c in split_facts(sentence) if is_check_worthy(c))
    return claims
