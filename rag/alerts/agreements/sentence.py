"""One sentence: does it report an agreement, of which kind, signed or planned?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from nlp.dates import find_dates
from nlp.negation import has_negator
from rag.alerts.agreements.lexicon import (
    ABSENCE,
    ACQUIRE,
    ACQUIRED_OBJECTS,
    ARRANGED_EVENTS,
    BACKGROUND,
    CLOSE_KINDS,
    CUE_WINDOW,
    EN_MODAL,
    EN_NOMINAL,
    EN_NOUNS,
    EN_PAST_PHRASES,
    EN_PAST_WORDS,
    EN_PLAN,
    EN_PLURAL,
    EN_SIGN,
    EXCLUDED_MODIFIERS,
    FORM_KINDS,
    NOUN_AFTER_VERB,
    NOUN_BEFORE_VERB,
    NOW,
    OLD_DAYS,
    OPINION_AFTER_AGREED,
    RU_CLOSE,
    RU_FORM,
    RU_MODAL,
    RU_NOMINAL,
    RU_NOUNS,
    RU_OPINION_AFTER_AGREED,
    RU_PAST_PHRASES,
    RU_PAST_WORDS,
    RU_PLAN,
    RU_SIGN,
    YEAR,
)
from rag.alerts.agreements.tokens import Token, tokenise

COORDINATORS = frozenset({"и", "а", "но", "затем", "and", "but", "then"})
TIME_PREPOSITIONS = frozenset({"на", "в", "во", "после", "ход", "время", "by", "at", "after"})


@dataclass(frozen=True)
class Finding:
    """What one sentence says: kind, status, and where its agreement noun and predicate are."""

    kind: str
    status: str  # "signed" | "planned"
    noun_index: int | None
    predicate_index: int


def noun_kind(tokens: Sequence[Token], i: int) -> str | None:
    t = tokens[i]
    kind: str | None = RU_NOUNS.get(t.lemma) if t.pos else EN_NOUNS.get(t.lower)
    if kind is None and not t.pos and t.lower in EN_PLURAL:
        kind = EN_NOUNS.get(t.lower[:-1]) or EN_NOUNS.get(t.lower.replace("ies", "y"))
    if t.lemma == "карта" and i and tokens[i - 1].lemma == "дорожный":
        kind = "roadmap"
    if t.lower == "map" and i and tokens[i - 1].lower == "road":
        kind = "roadmap"
    if t.lemma == "протокол" and i + 2 < len(tokens) and tokens[i + 2].lemma == "намерение":
        kind = "memorandum"
    if t.lower in ("letter", "letters") and " ".join(x.lower for x in tokens[i + 1 : i + 3]) == (
        "of intent"
    ):
        kind = "memorandum"
    if t.lower == "venture" and i and tokens[i - 1].lower == "joint":
        kind = "partnership"
    if t.lemma == "предприятие" and i and tokens[i - 1].lemma == "совместный":
        kind = "partnership"
    if kind is None:
        return None
    before = {x.lemma for x in tokens[max(0, i - 2) : i]} | {
        x.lower for x in tokens[i + 1 : i + 2]
    }
    if before & EXCLUDED_MODIFIERS:
        return None
    about = i + 1 < len(tokens) and tokens[i + 1].lower in ("о", "об", "on", "to")
    if about and {x.lemma for x in tokens[i + 2 : i + 4]} & ARRANGED_EVENTS:
        return None  # "договоренность о визите": a meeting arranged
    if t.lower == "deal" and i and tokens[i - 1].lower in ("great", "good", "big"):
        return None
    if i + 1 < len(tokens) and tokens[i + 1].lower in ("that", "among", "with"):
        return None if t.lower in ("agreement", "deal") and tokens[i + 1].lower != "with" else kind
    return kind


def sign_kind(t: Token) -> str | None:
    """ "sign" | "enter" | "form" | "close" | "nominal" for a concluding predicate, else None."""
    if t.pos:
        if t.lemma in RU_NOMINAL:
            return "nominal"
        if t.lemma in RU_FORM:
            return "form"
        if t.lemma in RU_CLOSE:
            return "close"
        return "sign" if t.lemma in RU_SIGN else None
    if t.lower in EN_NOMINAL:
        return "nominal"
    return EN_SIGN.get(t.lower)


def self_sufficient(tokens: Sequence[Token], i: int) -> str | None:
    """Kind for a predicate that reports an agreement without a noun, else None."""
    t, nxt = tokens[i], tokens[i + 1].lower if i + 1 < len(tokens) else ""
    after = [x.lower for x in tokens[i + 1 : i + 4]]
    if t.pos:
        if t.lemma in ("договориться", "договариваться"):
            return None if _opinion_or_meeting(tokens, i) else "agreement"
        partner = ("партнером", "партнерами", "партнёром", "партнёрами")  # "стали партнёрами"
        if t.lemma == "стать" and any(x.lower in partner for x in tokens[i + 1 : i + 4]):
            return "partnership"
        if t.lemma == "объединить" and nxt == "усилия":
            return "partnership"
        return "deal" if _acquires(tokens, i) else None
    if t.lower in ("agree", "agrees", "agreed"):
        if after[1:2] and after[1] in ARRANGED_EVENTS:
            return None  # "agreed to meet"
        if nxt in ("a", "an", "the", "new") and any(
            noun_kind(tokens, j) for j in range(i + 2, min(i + 4, len(tokens)))
        ):
            return "agreement"  # "agreed a ceasefire"
        if nxt == "to" or (nxt in ("on", "upon") and not set(after[1:]) & OPINION_AFTER_AGREED):
            return "agreement"
        return None
    if t.lower in ("partner", "partners", "partnered", "partnering") and nxt == "with":
        return "partnership"
    if t.lower in ("team", "teams", "teamed") and nxt == "up":
        return "partnership"
    if t.lower in ("join", "joins", "joined") and nxt == "forces":
        return "partnership"
    return "deal" if _acquires(tokens, i) else None


def _opinion_or_meeting(tokens: Sequence[Token], i: int) -> bool:
    """ "договорились, что необходимо …", "о необходимости …": an opinion; "договорились о
    встрече", "о проведении переговоров": a meeting arranged, not an agreement."""
    after = tokens[i + 1 : i + 7]
    lemmas = [x.lemma for x in after]
    if "что" in lemmas and set(lemmas[lemmas.index("что") + 1 :]) & RU_OPINION_AFTER_AGREED:
        return True
    if lemmas[:1] in (["о"], ["об"]) and set(lemmas[1:4]) & RU_OPINION_AFTER_AGREED:
        return True
    # "договорились о встрече", "провести переговоры", "встретиться"; not "на встрече".
    return any(
        lemma in ARRANGED_EVENTS and (k == 0 or lemmas[k - 1] not in TIME_PREPOSITIONS)
        for k, lemma in enumerate(lemmas[:3])
    )


def _acquires(tokens: Sequence[Token], i: int) -> bool:
    """ "купила стартап", "acquired a 40% stake", "acquired Activision": a company bought."""
    t = tokens[i]
    if (t.lemma if t.pos else t.lower) not in ACQUIRE:
        return False
    after = tokens[i + 1 : i + 5]
    if any((x.lemma if x.pos else x.lower) in ACQUIRED_OBJECTS for x in after):
        return True
    # A company named right after the verb ("acquired Activision", "покупает Skype").
    named = bool(after) and after[0].text[0].isupper()
    return named and (bool(t.pos) or t.lower.startswith("acquir"))


def _window_before(tokens: Sequence[Token], i: int) -> list[Token]:
    """The few tokens before a predicate, stopping at a comma or a clause boundary."""
    out: list[Token] = []
    for t in reversed(tokens[max(0, i - CUE_WINDOW) : i]):
        if t.text in (",", ";", ":", "—", "(", ")") or t.lower in COORDINATORS:
            break  # "обсудили сотрудничество и подписали": the cue is another predicate's
        out.append(t)
    return out


def _status(tokens: Sequence[Token], i: int, kind_of_predicate: str) -> str | None:
    """ "signed" | "planned" for the predicate at i, or None when it is negated/hypothetical."""
    t = tokens[i]
    before = _window_before(tokens, i)
    words = {x.lower for x in before} | {x.lemma for x in before}
    if has_negator(words) or words & ABSENCE or words & (RU_MODAL | EN_MODAL):
        return None
    if t.pos:
        if t.pos == "PRTF":  # attributive "подписанного соглашения": a reference, not a report
            return None
        if kind_of_predicate == "nominal":
            lemmas = {x.lemma for x in tokens}
            planned = lemmas & {"запланировать", "планироваться", "ожидаться", "намеченный"}
            futr = any(x.tense == "futr" and x.lemma in ("состояться", "пройти") for x in tokens)
            return (
                "planned" if planned or futr or "будет" in {x.lower for x in tokens} else "signed"
            )
        futr_aux = any(x.lemma == "быть" and x.tense == "futr" for x in before)
        if t.tense == "futr" or futr_aux or words & (RU_PLAN - {"быть"}):
            return "planned"
        if t.pos == "INFN":
            return None  # an infinitive nobody plans: "предложили подписать"
        return "signed"
    if kind_of_predicate == "nominal":
        lowers = {x.lower for x in tokens}
        return "planned" if lowers & {"will", "scheduled", "upcoming", "next"} else "signed"
    if words & EN_PLAN:
        return "planned"
    return "signed"


def _past_reference(
    tokens: Sequence[Token], i: int, sentence: str, reference: date | None
) -> bool:
    """A passing mention of an agreement made before the article's time (predicate at i)."""
    lowers = {t.lower for t in tokens}
    lemmas = {t.lemma for t in tokens}
    now = bool(NOW.search(sentence))
    if (lemmas & RU_PAST_WORDS or lowers & EN_PAST_WORDS) and not now:
        return True
    if RU_PAST_PHRASES.search(sentence) or EN_PAST_PHRASES.search(sentence):
        return True
    if any(t.lower in BACKGROUND or t.lemma in BACKGROUND for t in tokens[max(0, i - 2) : i]):
        return True
    if reference is not None:
        years = (
            int(m.group("a") or m.group("b") or m.group("c")) for m in YEAR.finditer(sentence)
        )
        if not now and any(year < reference.year for year in years):
            return True
        for found, _ in find_dates(sentence):
            if (reference - found).days > OLD_DAYS:
                return True
    return False


def analyse(sentence: str, reference: date | None = None) -> Finding | None:
    """The agreement a sentence reports, or None."""
    if sentence.rstrip().endswith("?"):
        return None
    tokens = tokenise(sentence)
    nouns = [(i, k) for i in range(len(tokens)) if (k := noun_kind(tokens, i))]
    for i in range(len(tokens)):
        finding = _predicate_finding(tokens, i, nouns)
        if finding is not None:
            return None if _past_reference(tokens, i, sentence, reference) else finding
    return None


def _predicate_finding(
    tokens: Sequence[Token], i: int, nouns: Sequence[tuple[int, str]]
) -> Finding | None:
    own_kind = self_sufficient(tokens, i)
    predicate = sign_kind(tokens[i])
    if own_kind is None and predicate is None:
        return None
    noun: tuple[int, str] | None = None
    for j, kind in nouns:
        if i < j <= i + NOUN_AFTER_VERB or i - NOUN_BEFORE_VERB <= j < i:
            if predicate == "form" and kind not in FORM_KINDS:
                continue
            if predicate == "close" and kind not in CLOSE_KINDS:
                continue
            if predicate == "enter" and tokens[i + 1].lower != "into":
                continue
            noun = (j, kind)
            break
    if noun is None and own_kind is None:
        return None
    status = _status(tokens, i, predicate or "sign")
    if status is None:
        return None
    if noun is not None:
        return Finding(noun[1], status, noun[0], i)
    return Finding(own_kind or "agreement", status, None, i)


def reports_agreement(sentence: str) -> bool:
    """Whether one sentence, read on its own, reports an agreement."""
    return analyse(sentence) is not None
