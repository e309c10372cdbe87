"""Cross-script name keys: "Jared Allen" in an English question meets "Джареда Аллена".

Only name-like tokens (capitalised words, acronyms, numbers) get a key: transliterated to Latin
(Pinyin for a Chinese name in Palladius spelling) and reduced to a consonant skeleton. It is the
only lexical evidence that means anything across languages, so retrieval, answering, the
fact-checker, agreement parties and topics all use this one key.
"""

from __future__ import annotations

import re
from functools import lru_cache

import iuliia
from rapidfuzz import fuzz

from nlp.chinese import pinyin_name
from nlp.language import script, strip_stress
from nlp.stopwords import STOP_WORDS
from nlp.words import WORD, fold

# Russian case endings, longest first: names decline ("Аллена", "Обамой"), stems over-cut them.
_RU_ENDINGS = tuple(
    sorted(
        # No "ов"/"ев": on a name they are the surname itself ("Петров" = "Petrov").
        "ами ями ого его ому ему ой ей ом ем ым им ах ях а я у ю е ы и".split(),  # noqa: SIM905
        key=len,
        reverse=True,
    )
)
# Spellings that English and Russian romanisation write differently for one sound.
_DIGRAPHS = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("dzh", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("ng", "n"),  # Pinyin "Changshan", Palladius "Чаншань"
    ("ts", "c"),
    ("tz", "c"),
    ("x", "ks"),
    ("q", "k"),
    ("w", "v"),
    ("c", "k"),
    ("y", "i"),
)
_VOWELS = frozenset("aeiou")


def _normalise(latin: str) -> str:
    for a, b in _DIGRAPHS:
        latin = latin.replace(a, b)
    return latin


def _consonants(spelling: str) -> str:
    """First letter plus the consonants, doubled letters collapsed: a spelling-tolerant key."""
    out: list[str] = []
    for i, ch in enumerate(spelling):
        if i and ch in _VOWELS:
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)


def _latin(word: str) -> str:
    """The word in one Latin spelling: Russian case ending cut, Pinyin for a Chinese name."""
    w = fold(word)
    if w.isdigit():
        return w
    chinese = pinyin_name(word) if script(w) == "ru" else None
    if chinese is not None:
        w = chinese.lower()
    elif script(w) == "ru":
        for end in _RU_ENDINGS:
            if w.endswith(end) and len(w) - len(end) >= 3:
                w = w[: -len(end)]
                break
        w = iuliia.WIKIPEDIA.translate(w).lower()
    if w.endswith("s") and len(w) > 4:
        w = w[:-1]  # plural / possessive: "Panthers" vs "Пэнтерс"
    return _normalise(w)


@lru_cache(maxsize=200_000)
def name_key(word: str) -> str:
    """Script-independent key of one name-like word ('' when it is too short to be useful).

    Vowels are dropped, so the key finds a name under any romanisation; it also joins names
    that differ only in vowels (Sobyanin, Sabina), so retrieval may use it, but a comparison
    that must tell two people apart uses `name_form` and `same_name`."""
    latin = _latin(word)
    if latin.isdigit():
        return latin if len(latin) >= 2 else ""
    key = _consonants(latin)
    return key if len(key) >= 3 else ""


@lru_cache(maxsize=200_000)
def name_form(word: str) -> str:
    """The word's normalised Latin spelling with its vowels ('' where `name_key` is '')."""
    if not name_key(word):
        return ""
    latin = _latin(word)
    return "".join(ch for i, ch in enumerate(latin) if not i or ch != latin[i - 1])


# Romanisations of one name differ in a vowel or two ("Sergei"/"Sergey", "Aleksandr"/"Alexander",
# a Russian case ending left on): at least this share of the two spellings must align.
_SAME_SPELLING_SHARE = 75.0


def same_name(a: str, b: str) -> bool:
    """Two `name_form`s of one name: the same consonants in the same order and spellings that
    mostly align, so "Petrov" is not "Petrovsky" and "Sobyanin" is not "Sabina"."""
    if not a or not b:
        return False
    if a == b:
        return True
    if a.isdigit() or b.isdigit() or _consonants(a) != _consonants(b):
        return False
    return fuzz.ratio(a, b) >= _SAME_SPELLING_SHARE


# Name candidates: numbers, capitalised words, words with an inner capital (acronyms, CamelCase).
_NAME_CANDIDATE = re.compile(r"\b(?:\d+|[^\W\d_][^\W_]*)\b")
_OPENERS = " \t\r\n\"'«„“(—–-"


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(_OPENERS)
    return not before or before[-1] in ".!?:…"


def name_keys(text: str) -> list[str]:
    """Keys of the names, numbers and acronyms in `text` (sentence-initial words skipped)."""
    keys: list[str] = []
    text = strip_stress(text)
    for m in _NAME_CANDIDATE.finditer(text):
        w = m.group()
        if not w.isdigit():
            if not w[0].isupper():
                continue
            acronym = any(ch.isupper() for ch in w[1:])
            if not acronym and (w.lower() in STOP_WORDS or _sentence_initial(text, m.start())):
                continue
        k = name_key(w)
        if k:
            keys.append(k)
    return keys


# ---------------------------------------------------------------- English capitalised runs

# A capitalised word ("Moscow", "AT&T", "U.S.", "McKinsey") or a number glued to capitals ("5G").
_EN_WORD = r"(?:[A-Z][\w'’&.-]*|\d+[A-Z][\w-]*)"
# Lower-case words inside one name: "Bank of America", "Center for Research", "R&D & Co".
_EN_JOINER = (
    r"(?:of\s+the\s+|of\s+|for\s+|de\s+|van\s+|&\s+"
    r"|and\s+(?=[A-Z][\w-]*\s+(?:Institute|University|Technology|Science|Research|Development)))"
)
_EN_RUN = re.compile(rf"(?<![\w-]){_EN_WORD}(?:\s+{_EN_JOINER}?{_EN_WORD})*")
_EN_PLAIN_RUN = re.compile(rf"(?<![\w.-]){_EN_WORD}(?:\s+{_EN_WORD})*")


def capitalised_runs(text: str, joined: bool = True) -> list[tuple[int, int]]:
    """Spans of runs of capitalised English words: the name finder of English text, where no
    NER model runs. `joined` lets "of", "for", "de" and "&" join a run ("Bank of America");
    without it a run is capitals only ("John Smith"). A full stop ending a run is dropped
    unless its last word carries another ("U.S.")."""
    spans: list[tuple[int, int]] = []
    for m in (_EN_RUN if joined else _EN_PLAIN_RUN).finditer(text):
        start, end = m.span()
        last = m.group().split()[-1]
        if last.endswith(".") and "." not in last[:-1]:
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def find_person(text: str, name: str) -> tuple[int, int] | None:
    """Where `text` names the person `name` ("Сергея Собянина" for "Sergey Sobyanin"), in any
    script or case. When `name` gives a first name, the text must give it too, right before
    the surname: "Петров" alone may be another Petrov, "Пётр Петров" is one."""
    parts = [name_form(w) for w in WORD.findall(name)]
    parts = [p for p in parts if p]
    if not parts:
        return None
    surname, first = parts[-1], parts[:-1]
    words = list(WORD.finditer(text))
    for i, w in enumerate(words):
        form = name_form(w.group())
        if not form or not w.group()[0].isupper() or not same_name(form, surname):
            continue
        if not first:
            return w.start(), w.end()
        prev = words[i - 1] if i else None
        if (
            prev is not None
            and not text[prev.end() : w.start()].strip()
            and same_name(name_form(prev.group()), first[-1])
        ):
            return prev.start(), w.end()
    return None
