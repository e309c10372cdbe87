"""Chinese names in Russian text (Palladius spelling) back to Pinyin: "Чжао Чаншань" -> "Zhao
Changshan", "Си Цзиньпин" -> "Xi Jinping".

Letter-by-letter transliteration gives "Chzhao Chanshan", which no English reader recognises
and which never matches the English spelling of the same person. The Palladius system is a
fixed syllable table, so the table is built here from Pinyin by its rules and inverted; a name
is read as Chinese only when every word splits into Palladius syllables and the name also
looks Chinese (a common Chinese surname first, or spellings Russian words do not have, such as
"цз", "чж", "юй" or "э" after a consonant), so "Анна Ли" stays Russian.
"""

from __future__ import annotations

import re
from functools import cache

from nlp.words import fold

_INITIALS = {
    "b": "б", "p": "п", "m": "м", "f": "ф", "d": "д", "t": "т", "n": "н", "l": "л", "g": "г",
    "k": "к", "h": "х", "j": "цз", "q": "ц", "x": "с", "zh": "чж", "ch": "ч", "sh": "ш",
    "r": "ж", "z": "цз", "c": "ц", "s": "с",
}  # fmt: skip

# Finals after a consonant; "i" after z/c/s and "ü" finals are handled in _palladius.
_FINALS = {
    "a": "а", "o": "о", "e": "э", "ai": "ай", "ei": "эй", "ao": "ао", "ou": "оу", "an": "ань",
    "en": "энь", "ang": "ан", "eng": "эн", "ong": "ун", "i": "и", "ia": "я", "ie": "е",
    "iao": "яо", "iu": "ю", "ian": "янь", "in": "инь", "iang": "ян", "ing": "ин", "iong": "юн",
    "u": "у", "ua": "уа", "uo": "о", "uai": "уай", "ui": "уй", "uan": "уань", "un": "унь",
    "uang": "уан", "v": "юй", "ve": "юэ", "van": "юань", "vn": "юнь",
}  # fmt: skip

# Syllables without an initial, as Pinyin spells them.
_ZERO = {
    "a": "а", "ai": "ай", "an": "ань", "ang": "ан", "ao": "ао", "e": "э", "ei": "эй", "en": "энь",
    "eng": "эн", "er": "эр", "o": "о", "ou": "оу", "yi": "и", "ya": "я", "ye": "е", "yao": "яо",
    "you": "ю", "yan": "янь", "yin": "инь", "yang": "ян", "ying": "ин", "yong": "юн", "wu": "у",
    "wa": "ва", "wo": "во", "wai": "вай", "wei": "вэй", "wan": "вань", "wen": "вэнь",
    "wang": "ван", "weng": "вэн", "yu": "юй", "yue": "юэ", "yuan": "юань", "yun": "юнь",
}  # fmt: skip

# Which finals each initial takes (Pinyin's syllable inventory, common syllables only).
_TAKES = {
    "b": "a o ai ei ao an en ang eng i ie iao ian in ing u",
    "p": "a o ai ei ao ou an en ang eng i ie iao ian in ing u",
    "m": "a o e ai ei ao ou an en ang eng i ie iao iu ian in ing u",
    "f": "a o ei ou an en ang eng u",
    "d": "a e ai ei ao ou an en ang eng ong i ie iao iu ian ing u uo ui uan un",
    "t": "a e ai ao ou an ang eng ong i ie iao ian ing u uo ui uan un",
    "n": "a e ai ei ao ou an en ang eng ong i ie iao iu ian in iang ing u uo uan v ve",
    "l": "a e ai ei ao ou an ang eng ong i ia ie iao iu ian in iang ing u uo uan un v ve",
    "g": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "k": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "h": "a e ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "j": "i ia ie iao iu ian in iang ing iong v ve van vn",
    "q": "i ia ie iao iu ian in iang ing iong v ve van vn",
    "x": "i ia ie iao iu ian in iang ing iong v ve van vn",
    "zh": "a e i ai ei ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "ch": "a e i ai ao ou an en ang eng ong u ua uo uai ui uan un uang",
    "sh": "a e i ai ei ao ou an en ang eng u ua uo uai ui uan un uang",
    "r": "e i ao ou an en ang eng ong u ua uo ui uan un",
    "z": "a e i ai ei ao ou an en ang eng ong u uo ui uan un",
    "c": "a e i ai ao ou an en ang eng ong u uo ui uan un",
    "s": "a e i ai ao ou an en ang eng ong u uo ui uan un",
}

# One-syllable surnames that start most Chinese names in the news.
_SURNAMES = frozenset(
    (  # noqa: SIM905
        "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo "
        "zheng liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang "
        "yu du ye cheng wei su lv ding ren shen yao lu cui zhong tan fan jin shi liao jia xia fu "
        "fang bai zou meng xiong qin qiu yin kong xue lei ni tao dai mao hou long duan hao shao "
        "wan qian yan gu kang mo"
    ).split()
)
_CHINESE_LOOK = re.compile(r"цз|чж|юй|юэ|[бпмфдтнлгкхцчшжс]э|оу|уэ", re.IGNORECASE)
_CYRILLIC_WORD = re.compile(r"^[А-Яа-яЁё]+$")


def _palladius(initial: str, final: str) -> str:
    if initial in ("z", "c", "s") and final == "i":
        return _INITIALS[initial] + "ы"
    if initial == "h" and final == "ui":
        return "хуэй"
    return _INITIALS[initial] + _FINALS[final]


def _pinyin(initial: str, final: str) -> str:
    """The table writes ü as "v"; Pinyin writes it "u" after j/q/x and "ü" elsewhere."""
    return initial + final.replace("v", "u" if initial in ("j", "q", "x") else "ü")


@cache
def _table() -> dict[str, str]:
    """Palladius syllable -> Pinyin syllable; on a clash the first (commoner) reading wins."""
    table: dict[str, str] = {}
    for syllable, cyrillic in _ZERO.items():
        table.setdefault(cyrillic, syllable)
    for initial, finals in _TAKES.items():
        for final in finals.split():
            table.setdefault(_palladius(initial, final), _pinyin(initial, final))
    return table


def _split(word: str) -> list[str] | None:
    """The word as Palladius syllables (fewest syllables wins), or None."""
    table = _table()
    word = fold(word)
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 5), end):
            head = best[start]
            piece = word[start:end]
            if head is not None and piece in table:
                candidate = [*head, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(word)]


def _join(syllables: list[str]) -> str:
    """Pinyin syllables of one word; an apostrophe where a vowel would run on ("Xi'an")."""
    table = _table()
    out = ""
    for cyr in syllables:
        piece = table[cyr]
        if out and piece[0] in "aeo":
            out += "'"
        out += piece
    return out[:1].upper() + out[1:]


def pinyin_name(name: str) -> str | None:
    """`name` in Pinyin when it is a Chinese name in Palladius spelling, else None."""
    words = name.split()
    if not words or not all(_CYRILLIC_WORD.match(w) for w in words):
        return None
    split = [_split(w) for w in words]
    if any(s is None for s in split):
        return None
    syllables = [s for s in split if s is not None]
    first = syllables[0]
    surname_first = len(words) >= 2 and len(first) == 1 and _table()[first[0]] in _SURNAMES
    if not (surname_first or _CHINESE_LOOK.search(name)):
        return None
    return " ".join(_join(s) for s in syllables)
