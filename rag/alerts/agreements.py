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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from index.chunking import split_sentences
from index.documents import Document
from nlp.countries import find_countries
from nlp.dates import find_dates, parse_date
from nlp.entities import RussianNer, latin
from nlp.morph import analyser
from rag.retrieval.lexical import name_key

MAX_PARTIES = 4
STORY_MAX_DAYS = 4  # reports of one signing appear within a few days of each other
_NOUN_AFTER_VERB = 8  # tokens: "signed a ten-year research agreement"
_NOUN_BEFORE_VERB = 6  # "соглашение о сотрудничестве было подписано"
_CUE_WINDOW = 3  # tokens before a predicate that may negate it or make it planned
_OLD_DAYS = 60  # a date this much before the article's date marks an old agreement

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[^\w\s]")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)

# ---------------------------------------------------------------- lexicon (lemmas)

_RU_NOUNS = {
    "соглашение": "agreement", "договор": "agreement", "договоренность": "agreement",
    "меморандум": "memorandum", "партнерство": "partnership", "альянс": "partnership",
    "контракт": "contract",
}  # fmt: skip
_EN_NOUNS = {
    "agreement": "agreement", "accord": "agreement", "pact": "agreement", "deal": "agreement",
    "treaty": "agreement", "memorandum": "memorandum", "memoranda": "memorandum",
    "mou": "memorandum", "partnership": "partnership", "alliance": "partnership",
    "collaboration": "partnership", "contract": "contract", "roadmap": "roadmap",
}  # fmt: skip
_EN_PLURAL = {"agreements", "accords", "pacts", "deals", "treaties", "memorandums", "mous",
              "partnerships", "alliances", "collaborations", "contracts", "roadmaps"}  # fmt: skip

# Predicates that conclude any agreement noun.
_RU_SIGN = {"подписать", "подписывать", "заключить", "заключать", "парафировать",
            "скрепить", "подписание", "заключение", "достигнуть", "достичь", "утвердить",
            "продлить"}  # fmt: skip
_EN_SIGN = {
    "sign": "sign", "signs": "sign", "signed": "sign", "signing": "sign", "ink": "sign",
    "inks": "sign", "inked": "sign", "conclude": "sign", "concludes": "sign",
    "concluded": "sign", "seal": "sign", "seals": "sign", "sealed": "sign", "strike": "sign",
    "strikes": "sign", "struck": "sign", "forge": "sign", "forged": "sign", "forges": "sign",
    "reach": "sign", "reached": "sign", "reaches": "sign", "finalise": "sign",
    "finalised": "sign", "finalize": "sign", "finalized": "sign", "renew": "sign",
    "renewed": "sign", "renews": "sign", "approve": "sign", "approved": "sign",
    "adopt": "sign", "adopted": "sign", "enter": "enter", "enters": "enter", "entered": "enter",
    "form": "form", "forms": "form", "formed": "form", "launch": "form", "launches": "form",
    "launched": "form", "announce": "form", "announces": "form", "announced": "form",
    "establish": "form", "established": "form", "create": "form", "created": "form",
}  # fmt: skip
# "form", "launch", "announce": only a partnership or an alliance ("launched a contract" no).
_FORM_KINDS = {"partnership"}
_RU_FORM = {"объявить", "создать", "сформировать", "запустить", "начать", "учредить"}
_RU_NOMINAL = {"подписание", "заключение"}
_EN_NOMINAL = {"signing"}

# Noun modifiers that make it a private contract, not news of an agreement.
_EXCLUDED_MODIFIERS = {
    "трудовой", "пользовательский", "employment", "labour", "labor", "user", "end-user",
    "non-disclosure", "confidentiality", "nda", "service", "subscription", "rental",
}  # fmt: skip
_OPINION_AFTER_AGREED = {"need", "importance", "necessity", "fact", "urgency", "value", "view"}

_RU_CANCEL = {"отменить", "отказаться", "сорваться", "сорвать", "расторгнуть", "разорвать",
              "приостановить", "отложить", "аннулировать", "денонсировать", "прекратить",
              "выйти", "отозвать", "заморозить"}  # fmt: skip
_EN_CANCEL = re.compile(
    r"\b(cancel\w*|call(ed|s|ing)? off|scrap(ped|s)?|collaps\w*|terminat\w*|withdr[ae]w\w*"
    r"|pull(ed|s)? out|postpon\w*|suspend\w*|abandon\w*|walk(ed|s)? away|br(oke|eaks?) off"
    r"|tore up|rescind\w*|shelved|fell through|falls? through)\b",
    re.IGNORECASE,
)
_RU_NEGATION = {"не", "ни", "без", "нет"}
_EN_NEGATION = {"not", "n't", "never", "no", "failed", "fail", "fails", "refused", "refuses",
                "without", "declined", "rejected", "unable"}  # fmt: skip
# Words before a predicate that make it hypothetical, normative or a proposal.
_RU_MODAL = {"мочь", "смочь", "можно", "нужно", "надо", "необходимо", "следует", "стоить",
             "хотеть", "предложить", "предлагать", "призвать", "призывать", "стремиться",
             "обсудить", "обсуждать", "рассмотреть", "рассматривать", "если", "бы"}  # fmt: skip
_EN_MODAL = {"can", "could", "may", "might", "should", "must", "need", "needs", "hope",
             "hopes", "want", "wants", "urge", "urged", "urges", "proposed", "proposes",
             "propose", "if", "whether", "consider", "considering", "discuss", "discussed",
             "discussing", "like", "seek", "seeks", "sought", "ought"}  # fmt: skip
_RU_PLAN = {"планировать", "намереваться", "намеренный", "намерить", "собираться",
            "готовиться", "решить", "договориться",
            "должный", "планироваться", "предполагаться", "намеченный", "запланировать",
            "ожидаться", "состояться", "быть", "пройти"}  # fmt: skip
_EN_PLAN = {"will", "shall", "'ll", "would", "to", "plan", "plans", "planned", "planning",
            "intend", "intends", "intended", "expected", "expect", "set", "scheduled", "going",
            "aim", "aims", "prepare", "prepares", "preparing", "upcoming", "next"}  # fmt: skip
# Words that date an agreement before the article ("напомним", "ранее", "years ago").
_RU_PAST_WORDS = {"ранее", "напомнить", "назад", "прежде"}
_EN_PAST_WORDS = {"previously", "earlier", "ago", "formerly"}
_RU_PAST_PHRASES = re.compile(r"\b(?:в\s+прошлом\s+году|ещё\s+в|еще\s+в|с\s+тех\s+пор)\b", re.I)
_EN_PAST_PHRASES = re.compile(r"\b(?:last\s+year|back\s+in|in\s+the\s+past|since\s+then)\b", re.I)
# Just before the predicate: a relative clause ("which signed", "который подписал").
_BACKGROUND = {"which", "who", "который"}
_NOW = re.compile(r"\b(?:сегодня|вчера|накануне|today|yesterday|earlier\s+this\s+\w+)\b", re.I)
_YEAR_AFTER_PREP = re.compile(r"\b(?:в|во|с|since|in|back in)\s+(?:\w+\s+)?((?:19|20)\d\d)\b",
                              re.IGNORECASE)  # fmt: skip
_ATTRIBUTION = re.compile(
    r"(?:,\s*(?:—\s*)?(?:сообща\w+|переда\w+|пишет|говорится|заявил\w*|отметил\w*|according"
    r"|reports?|reported|said|says|announced\s+on)\b.*$|\s+[—–]\s+[A-ZА-ЯЁ][\w.-]*(?:\s+[A-ZА-ЯЁ][\w-]*)?$)",
    re.IGNORECASE,
)

# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Token:
    text: str
    lower: str
    lemma: str
    pos: str | None
    tense: str | None  # "futr" | "past" | "pres" | None
    start: int
    end: int


@lru_cache(maxsize=50_000)
def _ru_parse(word: str) -> tuple[str, str | None, str | None]:
    parse = analyser().parse(word)[0]
    tag = parse.tag
    tense = next((t for t in ("futr", "past", "pres") if t in tag), None)
    return str(parse.normal_form).replace("ё", "е"), tag.POS, tense


def _tokens(sentence: str) -> list[_Token]:
    out: list[_Token] = []
    for m in _TOKEN.finditer(sentence):
        word = m.group()
        lower = word.lower().replace("’", "'")
        if _CYRILLIC.search(word):
            lemma, pos, tense = _ru_parse(lower)
        else:
            lemma, pos, tense = lower, None, None
        out.append(_Token(word, lower, lemma, pos, tense, m.start(), m.end()))
    return out


# ---------------------------------------------------------------- one sentence


@dataclass(frozen=True)
class _Finding:
    """What one sentence says: kind, status, and the span of the agreement noun."""

    kind: str
    status: str  # "signed" | "planned"
    noun_index: int | None


def _noun_kind(tokens: Sequence[_Token], i: int) -> str | None:
    t = tokens[i]
    kind: str | None = _RU_NOUNS.get(t.lemma) if t.pos else _EN_NOUNS.get(t.lower)
    if kind is None and not t.pos and t.lower in _EN_PLURAL:
        kind = _EN_NOUNS.get(t.lower[:-1]) or _EN_NOUNS.get(t.lower.replace("ies", "y"))
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
    if before & _EXCLUDED_MODIFIERS:
        return None
    if t.lower == "deal" and i and tokens[i - 1].lower in ("great", "good", "big"):
        return None
    if i + 1 < len(tokens) and tokens[i + 1].lower in ("that", "among", "with"):
        return None if t.lower in ("agreement", "deal") and tokens[i + 1].lower != "with" else kind
    return kind


def _is_sign(t: _Token) -> str | None:
    """ "sign" | "enter" | "form" | "nominal" for a concluding predicate, else None."""
    if t.pos:
        if t.lemma in _RU_NOMINAL:
            return "nominal"
        if t.lemma in _RU_FORM:
            return "form"
        return "sign" if t.lemma in _RU_SIGN else None
    if t.lower in _EN_NOMINAL:
        return "nominal"
    return _EN_SIGN.get(t.lower)


def _self_sufficient(tokens: Sequence[_Token], i: int) -> str | None:
    """Kind for a predicate that reports an agreement without a noun, else None."""
    t, nxt = tokens[i], tokens[i + 1].lower if i + 1 < len(tokens) else ""
    after = [x.lower for x in tokens[i + 1 : i + 4]]
    if t.pos:
        if t.lemma in ("договориться", "договариваться"):
            return "agreement"
        if t.lemma == "стать" and any(x.lemma == "партнер" for x in tokens[i + 1 : i + 4]):
            return "partnership"
        if t.lemma == "объединить" and nxt == "усилия":
            return "partnership"
        return None
    if t.lower in ("agree", "agrees", "agreed"):
        if nxt == "to" or (nxt in ("on", "upon") and not set(after[1:]) & _OPINION_AFTER_AGREED):
            return "agreement"
        return None
    if t.lower in ("partner", "partners", "partnered", "partnering") and nxt == "with":
        return "partnership"
    if t.lower in ("team", "teams", "teamed") and nxt == "up":
        return "partnership"
    if t.lower in ("join", "joins", "joined") and nxt == "forces":
        return "partnership"
    return None


def _window_before(tokens: Sequence[_Token], i: int) -> list[_Token]:
    """The few tokens before a predicate, stopping at a comma or a clause boundary."""
    out: list[_Token] = []
    for t in reversed(tokens[max(0, i - _CUE_WINDOW) : i]):
        if t.text in (",", ";", ":", "—", "(", ")"):
            break
        out.append(t)
    return out


def _status(tokens: Sequence[_Token], i: int, kind_of_predicate: str) -> str | None:
    """ "signed" | "planned" for the predicate at i, or None when it is negated/hypothetical."""
    t = tokens[i]
    before = _window_before(tokens, i)
    words = {x.lower for x in before} | {x.lemma for x in before}
    if words & (_RU_NEGATION | _EN_NEGATION) or words & (_RU_MODAL | _EN_MODAL):
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
        if t.tense == "futr" or futr_aux or words & (_RU_PLAN - {"быть"}):
            return "planned"
        if t.pos == "INFN":
            return None  # an infinitive nobody plans: "предложили подписать"
        return "signed"
    if kind_of_predicate == "nominal":
        lowers = {x.lower for x in tokens}
        return "planned" if lowers & {"will", "scheduled", "upcoming", "next"} else "signed"
    if words & _EN_PLAN:
        return "planned"
    return "signed"


def _past_reference(
    tokens: Sequence[_Token], i: int, sentence: str, reference: date | None
) -> bool:
    """A passing mention of an agreement made before the article's time (predicate at i)."""
    lowers = {t.lower for t in tokens}
    lemmas = {t.lemma for t in tokens}
    now = bool(_NOW.search(sentence))
    if (lemmas & _RU_PAST_WORDS or lowers & _EN_PAST_WORDS) and not now:
        return True
    if _RU_PAST_PHRASES.search(sentence) or _EN_PAST_PHRASES.search(sentence):
        return True
    if any(t.lower in _BACKGROUND or t.lemma in _BACKGROUND for t in tokens[max(0, i - 2) : i]):
        return True
    if reference is not None:
        for m in _YEAR_AFTER_PREP.finditer(sentence):
            if int(m.group(1)) < reference.year:
                return True
        for found, _ in find_dates(sentence):
            if (reference - found).days > _OLD_DAYS:
                return True
    return False


def _analyse(sentence: str, reference: date | None = None) -> _Finding | None:
    """The agreement a sentence reports, or None."""
    if sentence.rstrip().endswith("?"):
        return None
    tokens = _tokens(sentence)
    nouns = [(i, k) for i in range(len(tokens)) if (k := _noun_kind(tokens, i))]
    for i in range(len(tokens)):
        finding = _predicate_finding(tokens, i, nouns)
        if finding is not None:
            return None if _past_reference(tokens, i, sentence, reference) else finding
    return None


def _predicate_finding(
    tokens: Sequence[_Token], i: int, nouns: Sequence[tuple[int, str]]
) -> _Finding | None:
    own_kind = _self_sufficient(tokens, i)
    predicate = _is_sign(tokens[i])
    if own_kind is None and predicate is None:
        return None
    noun: tuple[int, str] | None = None
    for j, kind in nouns:
        if i < j <= i + _NOUN_AFTER_VERB or i - _NOUN_BEFORE_VERB <= j < i:
            if predicate == "form" and kind not in _FORM_KINDS:
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
        return _Finding(noun[1], status, noun[0])
    return _Finding(own_kind or "agreement", status, None)


def reports_agreement(sentence: str) -> bool:
    """Whether one sentence, read on its own, reports an agreement."""
    return _analyse(sentence) is not None


# ---------------------------------------------------------------- one document


def _sentences(document: Document) -> list[tuple[str, str]]:
    """("title" | "text", sentence) in reading order; each is a verbatim substring."""
    out = [("title", document.title)] if document.title.strip() else []
    out.extend(("text", document.text[a:b]) for a, b in split_sentences(document.text))
    return out


def _cancelled(sentences: Iterable[str]) -> bool:
    """Whether the article says an agreement was cancelled, postponed or left."""
    for sentence in sentences:
        tokens = _tokens(sentence)
        talks_of_it = any(
            _noun_kind(tokens, i) or _is_sign(t) or _self_sufficient(tokens, i)
            for i, t in enumerate(tokens)
        ) or any(t.lemma in ("сделка", "переговоры") or t.lower == "talks" for t in tokens)
        if not talks_of_it:
            continue
        if _EN_CANCEL.search(sentence) or any(t.lemma in _RU_CANCEL for t in tokens):
            return True
    return False


def _reference_date(document: Document) -> date | None:
    if document.date:
        return parse_date(document.date)
    return None


def _findings(document: Document) -> list[tuple[str, _Finding]]:
    reference = _reference_date(document)
    sentences = [s for _, s in _sentences(document)]
    found = [(s, f) for s in sentences if (f := _analyse(s, reference)) is not None]
    if not found or _cancelled(sentences):
        return []
    return found


def agreement_sentence(document: Document) -> str | None:
    """The first sentence (title included) that reports an agreement, if any."""
    found = _findings(document)
    return found[0][0] if found else None


def newest_agreements(documents: Iterable[Document], n: int) -> list[Document]:
    """Agreement news, newest first; undated articles after dated ones."""
    found = [d for d in documents if agreement_sentence(d) is not None]
    found.sort(key=lambda d: d.date or "", reverse=True)
    return found[:n]


# ---------------------------------------------------------------- the record


@dataclass(frozen=True)
class Agreement:
    """An agreement an article reports, with what a reader wants at a glance."""

    doc_id: str
    kind: str  # "agreement" | "memorandum" | "partnership" | "contract" | "roadmap"
    status: str  # "signed" | "planned"
    parties: tuple[str, ...]  # as written (Russian nominative), most important first
    date: str | None  # ISO; the text's date of the agreement, else the article's, else None
    place: str | None  # where it was signed, if said
    sentence: str  # verbatim substring of the title or the text
    language: str
    topic: str | None = None  # "о сотрудничестве в сфере инноваций", "on AI research"

    def summary(self, language: str) -> str:
        """One line: what was agreed, between whom, when, where (names in Latin for "en")."""
        if language == "ru":
            return _summary_ru(self)
        return _summary_en(self)


# ---------------------------------------------------------------- parties and place

_EN_RUN = re.compile(
    r"(?<![\w-])(?:[A-Z][\w'’&.-]*|[A-Z0-9]{2,}[\w-]*)"
    r"(?:\s+(?:of\s+|for\s+|de\s+|and\s+(?=[A-Z][\w-]*\s+(?:Institute|University|Technology"
    r"|Science|Research|Development))|&\s+)?(?:[A-Z][\w'’&.-]*|[A-Z0-9]{2,}[\w-]*))*"
)
_EN_SKIP = {
    "the", "a", "an", "this", "that", "these", "those", "it", "in", "on", "at", "as", "by",
    "for", "with", "and", "but", "or", "if", "when", "after", "before", "during", "under",
    "according", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "its",
    "both", "two", "three", "officials", "today", "yesterday", "local",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "mr", "ms", "dr", "mayor", "president", "minister", "governor",
    "ceo", "chairman", "head", "director", "deputy", "professor", "sign", "signs", "signed",
    "agree", "agrees", "agreed", "partner", "partners", "join", "joins", "team", "teams", "to",
    "will", "plan", "plans", "memorandum", "understanding", "agreement", "deal", "mou",
    "partnership", "contract", "roadmap", "accord", "pact", "alliance", "intent", "letter",
}  # fmt: skip
_EN_PERSON_BEFORE = re.compile(
    r"(?:Mayor|President|Minister|Governor|Chairman|Chairwoman|CEO|Director|Deputy|Head"
    r"|Professor|Dr|Mr|Ms|Mrs|chief|executive|founder|rector|said|says|told)\.?\s*$"
)
_EN_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:an|ese|ish|ic|i)$")
_EN_GENERIC = {"AI", "IT", "EV", "EVs", "IoT", "5G", "6G", "R&D", "GDP", "CEO", "USD", "Series"}
# A capitalised run that names an event ("the Hannover Messe trade fair", "... forum").
_EVENT_AFTER = re.compile(
    r"^(?:\s*[—–-]\s*[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)?(?:\s+[a-z][\w-]*){0,2}\s+"
    r"(?:forum|summit|fair|conference|exhibition|expo|show|week|congress)\b"
)
_EN_OTHER_PREPOSITION = re.compile(
    r"\b(?:near|for|to|from|on|about|into|over|across|via|than|outside|around|like)\s+$"
)
_RU_OTHER_PREPOSITION = re.compile(
    r"(?:^|\s)(?:на|о|об|по|для|из|от|к|около|под|над|до|через|без|у|при|вблизи)\s+$",
    re.IGNORECASE,
)
_QUOTES = "«»\"“”„'()[]"


def _en_entities(sentence: str) -> list[tuple[str, int, int, bool]]:
    """(name, start, end, is_place) from capitalised runs; persons and descriptors skipped."""
    out: list[tuple[str, int, int, bool]] = []
    for m in _EN_RUN.finditer(sentence):
        words = m.group().split()
        start = m.start()
        while words and words[0].lower().strip(".") in _EN_SKIP:
            start = sentence.index(words[1], start + len(words[0])) if len(words) > 1 else -1
            words = words[1:]
        while words and words[-1].lower().strip(".,") in _EN_SKIP:
            words = words[:-1]
        if not words or start < 0:
            continue
        name = " ".join(words).rstrip(".,")
        if "'s " in name or "’s " in name:  # "South Korea's Innobiz": the owner is a descriptor
            name = re.split(r"['’]s\s+", name)[-1]
            start = sentence.index(name, start)
        name = re.sub(r"['’]s$", "", name)
        if len(name) < 2 or any(w.lower() in _EN_SKIP for w in name.split()[:1]):
            continue
        if " " not in name and _EN_DEMONYM.match(name) and find_countries(name):
            continue  # "Chinese", "Korean": a descriptor, not a party
        if (
            name in _EN_GENERIC
            or find_dates(name)
            or _EVENT_AFTER.match(sentence[start + len(name) :])
        ):
            continue
        if _EN_PERSON_BEFORE.search(sentence[:start]):
            continue
        if re.search(r"\bat\s+(?:the\s+)?$", sentence[:start]):
            continue  # a venue
        if _EN_OTHER_PREPOSITION.search(sentence[:start]):
            continue  # "a plant near Bukhara", "fund for Nvidia": not a side of the deal
        is_place = bool(re.search(r"\bin\s+$", sentence[:start]))
        out.append((name, start, start + len(name), is_place))
    return out


@lru_cache(maxsize=1)
def _default_ner() -> RussianNer:
    return RussianNer()


def _nominative(text: str, normal: str, kind: str) -> str:
    """A party in the nominative: natasha's form for one word or a place, else only the head.

    natasha normalises every word of "Агентством экономического развития" ("Агентство
    экономическое развитие") and leaves some adjectives ("Гуандунской ассоциация"), so for
    organisations the adjectives and the head noun are put in the nominative here, the rest kept.
    """
    words = text.split()
    if len(words) == 1 or kind == "LOC":
        return normal
    parsed = [analyser().parse(w.lower())[0] for w in words]
    head = next((k for k, p in enumerate(parsed) if p.tag.POS == "NOUN"), None)
    if head is None or not _CYRILLIC.search(words[head]):
        return text
    out: list[str] = []
    head_form = parsed[head].inflect({"nomn"})
    gender = parsed[head].tag.gender
    for k in range(head + 1):
        p = parsed[k]
        grams = {"nomn"} if k == head else {"nomn", "sing", gender} if gender else {"nomn"}
        form = head_form if k == head else p.inflect(grams) if p.tag.POS == "ADJF" else None
        word = form.word if form is not None else words[k].lower()
        out.append(word.capitalize() if words[k][0].isupper() else word)
    return " ".join(out + words[head + 1 :])


def _clean_party(name: str) -> str:
    name = name.split(" (")[0].split("» (")[0]
    if name.count("«") != name.count("»"):
        name = name.replace("«", "").replace("»", "")
    return name.strip(" ,.;:" + ("" if "«" in name else _QUOTES)).strip()


def _ru_entities(sentence: str, ner: RussianNer) -> list[tuple[str, int, int, bool]]:
    spans: list[tuple[str, str, str, int, int]] = []
    for e in ner.entities(sentence):
        if e.kind == "PER":
            continue
        last = spans[-1] if spans else None
        if last and not sentence[last[4] : e.start].strip():
            # natasha cut one name in two ("Университет" + "Иннополис")
            text = sentence[last[3] : e.end]
            spans[-1] = (text, text, e.kind, last[3], e.end)
            continue
        spans.append((e.text, e.normal, e.kind, e.start, e.end))
    out: list[tuple[str, int, int, bool]] = []
    for text, normal, kind, start, end in spans:
        before = sentence[:start]
        if _RU_OTHER_PREPOSITION.search(before):
            continue
        is_place = kind == "LOC" and bool(re.search(r"(?:^|\s)(?:в|во)\s+$", before))
        name = _clean_party(_nominative(text, normal, kind))
        if name:
            out.append((name, start, end, is_place))
    return out


def _entities(sentence: str, language: str, ner: RussianNer) -> list[tuple[str, int, int, bool]]:
    body = _ATTRIBUTION.sub("", sentence)
    if language == "ru" or _CYRILLIC.search(body):
        return _ru_entities(body, ner)
    return _en_entities(body)


def _party_keys(party: str) -> frozenset[str]:
    """Script-independent keys of a party: its countries (by name, adjective or capital), the
    keys of its name-like words ("Innobiz" = "Иннобиз") and its acronyms ("MIT")."""
    keys = {f"country:{c}" for c, _ in find_countries(party)}
    for word in re.findall(r"[^\W\d_][^\W_]*", party):
        if len(word) >= 2 and word.isupper():
            keys.add(f"acronym:{latin(word).lower()}")
        if word[0].isupper() and not _generic_word(word) and not find_countries(word):
            key = name_key(word)
            keys.add(f"name:{key}" if key else f"word:{latin(word).lower()}")
    return frozenset(keys)


_EN_GENERIC_WORDS = {
    "university", "institute", "foundation", "group", "company", "corporation", "agency",
    "ministry", "government", "fund", "centre", "center", "council", "association",
    "department", "office", "bank", "college", "school", "academy", "laboratory", "city",
    "state", "national", "international", "science", "technology", "research", "park",
    "development", "innovation", "cluster", "technopark", "committee", "authority", "the",
}  # fmt: skip
_PROPER_GRAMMEMES = {"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr"}


def _generic_word(word: str) -> bool:
    """A common noun capitalised as the first word of a name ("Университет", "Foundation")."""
    if not _CYRILLIC.search(word):
        return word.lower() in _EN_GENERIC_WORDS
    if not analyser().word_is_known(word.lower()):
        return False
    return not any(
        _PROPER_GRAMMEMES & set(str(p.tag).replace(" ", ",").split(","))
        for p in analyser().parse(word.lower())[:2]
    )


def _names_meet(p: frozenset[str], q: frozenset[str]) -> bool:
    """Shared name or acronym keys; a name key may be a prefix of the other ("Innopolis" loses
    its final s to the plural rule of `name_key`, "Иннополис" keeps it)."""
    if {k for k in p & q if not k.startswith("country:")}:
        return True
    names_p = [k for k in p if k.startswith("name:") and len(k) >= 9]
    names_q = [k for k in q if k.startswith("name:") and len(k) >= 9]
    return any(a.startswith(b) or b.startswith(a) for a in names_p for b in names_q)


def _is_place_name(party: str) -> bool:
    """A party that is only a country or a capital ("Пекин", "South Korea")."""
    found = find_countries(party)
    rest = party
    for _, written in found:
        rest = rest.replace(written, "")
    return bool(found) and not re.search(r"[^\W\d_]{3,}", rest)


def _add_party(parties: list[str], name: str) -> None:
    if len(parties) >= MAX_PARTIES:
        return
    keys = _party_keys(name)
    for existing in parties:
        if name.lower() in existing.lower() or existing.lower() in name.lower():
            return
        other = _party_keys(existing)
        names = {k for k in keys if k.startswith("name:")}
        if names and names <= other:
            return
    parties.append(name)


def _is_title_case(title: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", title) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _signing_sentences(document: Document) -> list[str]:
    """Sentences about the signing itself ("Подписание состоялось в Казани"): they say where."""
    out: list[str] = []
    for _, sentence in _sentences(document):
        tokens = _tokens(sentence)
        if any(_is_sign(t) in ("sign", "nominal") for t in tokens) and not any(
            t.lemma in _RU_CANCEL for t in tokens
        ):
            out.append(sentence)
    return out


def _parties_and_place(
    document: Document, reporting: Sequence[str], ner: RussianNer
) -> tuple[tuple[str, ...], str | None]:
    parties: list[str] = []
    place: str | None = None
    sources = list(reporting)
    if document.title and document.title not in sources:
        sources.append(document.title)
    for sentence in _signing_sentences(document):
        if sentence not in sources:
            for name, _, _, is_place in _entities(sentence, document.language, ner):
                if is_place:
                    place = place or name
    for sentence in sources:
        if sentence == document.title and _is_title_case(sentence) and len(sources) > 1:
            continue
        for name, _, _, is_place in _entities(sentence, document.language, ner):
            if is_place and sentence in reporting:
                place = place or name
            elif not is_place:
                _add_party(parties, name)
    return tuple(parties), place


# ---------------------------------------------------------------- the details


def _topic(sentence: str, finding: _Finding) -> str | None:
    """The "о/on ..." phrase after the agreement noun, a few words long."""
    if finding.noun_index is None:
        return None
    tokens = _tokens(sentence)
    i = finding.noun_index + 1
    if i >= len(tokens) or tokens[i].lower not in ("о", "об", "on", "to", "for"):
        return None
    stop = {",", ".", ";", ":", "—", "(", "между", "с", "со", "with", "between", "at", "и",
            "and", "в", "in", "signed", "подписали", "подписано"}  # fmt: skip
    words = [tokens[i]]
    for t in tokens[i + 1 : i + 9]:
        if t.lower in stop and not (t.lower in ("в", "in") and len(words) > 1):
            break
        if (
            t.lower in ("в", "in")
            and t.end < len(sentence)
            and sentence[t.end + 1 : t.end + 2].isupper()
        ):
            break
        words.append(t)
    if len(words) < 2:
        return None
    return sentence[words[0].start : words[-1].end]


def _agreement_date(document: Document, reporting: Sequence[str]) -> str | None:
    """A full date in the reporting sentence, else the article's date; never guessed."""
    for sentence in reporting:
        found = find_dates(sentence)
        if found:
            return found[0][0].isoformat()
    return document.date


def detect_agreement(document: Document, ner: RussianNer | None = None) -> Agreement | None:
    """The agreement the article reports, or None (see the module docstring for the rules)."""
    found = _findings(document)
    if not found:
        return None
    sentence, finding = found[0]
    reporting = [s for s, _ in found]
    parties, place = _parties_and_place(document, reporting, ner or _default_ner())
    return Agreement(
        doc_id=document.doc_id,
        kind=finding.kind,
        status=finding.status,
        parties=parties,
        date=_agreement_date(document, reporting),
        place=place,
        sentence=sentence,
        language=document.language,
        topic=_topic(sentence, finding),
    )


# ---------------------------------------------------------------- summaries

_KIND_RU = {
    "agreement": ("Соглашение", "подписано", "планируется"),
    "memorandum": ("Меморандум", "подписан", "планируется"),
    "partnership": ("Партнёрство", "заключено", "планируется"),
    "contract": ("Контракт", "заключён", "планируется"),
    "roadmap": ("Дорожная карта", "утверждена", "планируется"),
}
_EXONYMS = {
    "москва": "Moscow", "пекин": "Beijing", "сеул": "Seoul", "токио": "Tokyo",
    "санкт-петербург": "Saint Petersburg", "шанхай": "Shanghai", "вашингтон": "Washington",
    "лондон": "London", "париж": "Paris", "берлин": "Berlin", "рим": "Rome", "вена": "Vienna",
    "прага": "Prague", "варшава": "Warsaw", "хельсинки": "Helsinki", "дубай": "Dubai",
    "абу-даби": "Abu Dhabi", "нью-дели": "New Delhi", "ташкент": "Tashkent",
    "астана": "Astana", "минск": "Minsk", "ереван": "Yerevan", "баку": "Baku",
    "тегеран": "Tehran", "анкара": "Ankara", "каир": "Cairo", "гонконг": "Hong Kong",
}  # fmt: skip
_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")  # fmt: skip


def _latin_name(name: str) -> str:
    """An English rendering: exonyms for capitals and countries, else transliteration."""
    if not _CYRILLIC.search(name):
        return name
    exonym = _EXONYMS.get(name.lower())
    if exonym:
        return exonym
    if _is_place_name(name) and len(find_countries(name)) == 1:
        return find_countries(name)[0][0]
    return latin(name)


def _join(names: Sequence[str], conj: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conj} {names[-1]}"


def _summary_en(a: Agreement) -> str:
    kind = a.kind.capitalize()
    status = "planned" if a.status == "planned" else "signed"
    line = kind + (f" {a.topic}" if a.topic and a.language == "en" else "")
    parties = [_latin_name(p) for p in a.parties]
    line += f" {status}"
    if len(parties) >= 2:
        line += f" between {_join(parties, 'and')}"
    elif parties:
        line += f" by {parties[0]}"
    if a.date:
        d = date.fromisoformat(a.date)
        line += f" on {d.day} {d.strftime('%B')} {d.year}"
    if a.place:
        line += f" in {_latin_name(a.place)}"
    return line


def _summary_ru(a: Agreement) -> str:
    noun, signed, planned = _KIND_RU.get(a.kind, _KIND_RU["agreement"])
    line = noun + (f" {a.topic}" if a.topic and a.language == "ru" else "")
    line += f" {planned if a.status == 'planned' else signed}"
    if a.parties:
        line += f": {_join(list(a.parties), 'и')}"
    if a.date:
        d = date.fromisoformat(a.date)
        line += f"; {d.day} {_MONTHS_RU[d.month - 1]} {d.year} г."
    if a.place:
        line += f"; место: {a.place}"
    return line


# ---------------------------------------------------------------- one story


def _family(kind: str) -> str:
    """Outlets call one signing a memorandum, an agreement or a partnership; a contract (a sale,
    a supply order) is another sort of news."""
    return "contract" if kind == "contract" else "cooperation"


def _parties_match(p: str, q: str) -> int:
    """2: one party for sure (a shared name, or a shared country where one side is only a
    place: "Пекин" ~ "Beijing" ~ "China", "Московский кластер" ~ "Moscow"); 1: two bodies of
    one country ("Дубайский центр" ~ "Dubai Future Foundation"), which counts only beside a
    sure match; 0: unrelated."""
    kp, kq = _party_keys(p), _party_keys(q)
    if _names_meet(kp, kq):
        return 2
    if not {k for k in kp & kq if k.startswith("country:")}:
        return 0
    return 2 if _is_place_name(p) or _is_place_name(q) else 1


def same_agreement_story(a: Agreement, b: Agreement) -> bool:
    """Whether two articles (any outlets, any languages) report the same agreement."""
    if _family(a.kind) != _family(b.kind):
        return False
    if a.date and b.date:
        gap = abs((date.fromisoformat(a.date) - date.fromisoformat(b.date)).days)
        if gap > STORY_MAX_DAYS:
            return False
    if not a.parties or not b.parties:
        return False
    best_a = [max(_parties_match(p, q) for q in b.parties) for p in a.parties]
    best_b = [max(_parties_match(p, q) for p in a.parties) for q in b.parties]
    if max(best_a) < 2:
        return False  # "two bodies of one country" alone is too weak
    need = min(2, len(a.parties), len(b.parties))
    return min(sum(1 for m in best_a if m), sum(1 for m in best_b if m)) >= need
