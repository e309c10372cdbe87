"""Negation and refusal words of both languages, in one place.

The fact-checker asks whether a sentence is negated ("did not sign", "не подписал"), the
agreement detector whether a predicate is ("refused to sign"). Comparatives built on a negation
word read as bounds, not as negation: "не более 20" is "at most 20", "no later than" a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from nlp.morph import lemma
from nlp.quantities import MODAL_RU
from nlp.words import WORD

_NEGATORS = {
    "ru": ("не", "ни", "нет", "никогда", "никто", "ничего", r"отказа\w*"),
    "en": ("not", "n't", "never", "no", "none", "nobody", "nothing", "neither", "nor",
           "refused", "refuses", "declined", "rejected", "unable", "failed", "fail", "fails"),
}  # fmt: skip
# Words after which a negator makes a bound or a comparison ("не менее", "no more than").
_BOUND_AFTER = {
    "ru": ("менее", "более", "меньше", "больше", "выше", "ниже", "только", "раз", "позднее",
           "ранее", "считая", rf"{MODAL_RU}(?:превыш\w*|превыс\w*"
           r"|быть\s+(?:более|менее|больше|меньше|выше|ниже))"),
    "en": ("less", "more", "fewer", "later", "earlier", "only", "below", r"exceed\w*"),
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    return "|".join(w.replace("'", "['’]") if "\\" not in w else w for w in words)


@lru_cache(maxsize=2)
def _sentence_pattern(language: str) -> re.Pattern[str]:
    words = _alternation(_NEGATORS[language])
    bounds = _alternation(_BOUND_AFTER[language])
    # "n't" is glued to its verb ("didn't"), every other negator is a word of its own.
    return re.compile(
        rf"(?:(?<![\w-])|(?=n['’]t))(?:{words})(?![\w-])(?!\s+(?:{bounds})\b)", re.IGNORECASE
    )


def is_negated(sentence: str, language: str) -> bool:
    """Whether a negation or refusal word negates something in the sentence."""
    return bool(_sentence_pattern(language if language in _NEGATORS else "en").search(sentence))


# Words a negation passes through on its way to what it negates: auxiliaries, modals, "to",
# other negators ("не смогли спасти", "has not been signed", "refused to sign", "никто не
# подписал"). Russian ones as lemmas.
_TRANSPARENT = {
    "ru": frozenset({"быть", "мочь", "смочь", "стать", "хотеть", "захотеть", "удаться", "уметь",
                     "успеть", "собираться", "должный", "не", "ни", "никто", "ничто", "никогда",
                     "еще", "уже", "так", "и"}),
    "en": frozenset({"be", "been", "being", "is", "are", "was", "were", "do", "does", "did",
                     "have", "has", "had", "will", "would", "can", "could", "should", "may",
                     "might", "must", "to", "yet", "even", "ever", "also", "not", "n't", "so"}),
}  # fmt: skip
_REACH = 4  # words looked at after a negator


def negated_words(sentence: str, language: str) -> list[str]:
    """The word each negation of the sentence negates, as written: the first one after the
    negator that is not an auxiliary or a modal ("не смогли спасти" -> "спасти"), else the
    last auxiliary ("пострадавших не было" -> "было"). A "not" contradicts only a sentence
    that says that word without it, so the fact-checker needs which word is negated."""
    lang = language if language in _TRANSPARENT else "en"
    transparent = _TRANSPARENT[lang]
    out: list[str] = []
    for m in _sentence_pattern(lang).finditer(sentence):
        words = WORD.findall(sentence[m.end() :])[:_REACH]
        key = lemma if lang == "ru" else str.lower
        content = [w for w in words if key(w) not in transparent]
        if content or words:
            out.append(content[0] if content else words[-1])
    return out


@lru_cache(maxsize=1)
def _word_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?:{_alternation([*_NEGATORS['ru'], *_NEGATORS['en']])})", re.IGNORECASE)


def has_negator(words: Iterable[str]) -> bool:
    """Whether one of the words (forms or lemmas, either language) is a negation or refusal."""
    pattern = _word_pattern()
    return any(pattern.fullmatch(w) for w in words)
