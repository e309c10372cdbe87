"""Who agreed, and where: the parties and the place of the reporting sentences."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from index.documents import Document
from nlp.countries import find_countries, only_countries
from nlp.dates import find_dates
from nlp.entities import RussianNer, latin
from nlp.morph import analyser
from nlp.names import capitalised_runs, name_key
from nlp.titles import english_title_alternation, english_title_words
from rag.alerts.agreements.document import document_sentences
from rag.alerts.agreements.lexicon import ATTRIBUTION, CYRILLIC, MAX_PARTIES, RU_CANCEL
from rag.alerts.agreements.sentence import sign_kind
from rag.alerts.agreements.tokens import tokenise

_EN_WORDS_NOT_PARTIES = {
    "the", "a", "an", "this", "that", "these", "those", "it", "in", "on", "at", "as", "by",
    "for", "with", "and", "but", "or", "if", "when", "after", "before", "during", "under",
    "according", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "its",
    "both", "two", "three", "officials", "today", "yesterday", "local",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "sign", "signs", "signed",
    "agree", "agrees", "agreed", "partner", "partners", "join", "joins", "team", "teams", "to",
    "will", "plan", "plans", "memorandum", "understanding", "agreement", "deal", "mou",
    "partnership", "contract", "roadmap", "accord", "pact", "alliance", "intent", "letter",
}  # fmt: skip


@lru_cache(maxsize=1)
def _en_skip() -> frozenset[str]:
    """Words a capitalised run of a party never starts or ends with: the above and titles."""
    return frozenset(_EN_WORDS_NOT_PARTIES) | english_title_words()


@lru_cache(maxsize=1)
def _en_person_before() -> re.Pattern[str]:
    titles = english_title_alternation()
    return re.compile(rf"(?:{titles}|{titles.lower()}|said|says|told)\.?\s*$")


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
    for start, end in capitalised_runs(sentence):
        words = sentence[start:end].split()
        while words and words[0].lower().strip(".") in _en_skip():
            start = sentence.index(words[1], start + len(words[0])) if len(words) > 1 else -1
            words = words[1:]
        while words and words[-1].lower().strip(".,") in _en_skip():
            words = words[:-1]
        if not words or start < 0:
            continue
        name = " ".join(words).rstrip(".,")
        if "'s " in name or "’s " in name:  # "South Korea's Samsung": the owner is a descriptor
            name = re.split(r"['’]s\s+", name)[-1]
            start = sentence.index(name, start)
        name = re.sub(r"['’]s$", "", name)
        if len(name) < 2 or any(w.lower() in _en_skip() for w in name.split()[:1]):
            continue
        if " " not in name and _EN_DEMONYM.match(name) and find_countries(name):
            continue  # "Chinese", "Korean": a descriptor, not a party
        if (
            name in _EN_GENERIC
            or find_dates(name)
            or _EVENT_AFTER.match(sentence[start + len(name) :])
        ):
            continue
        if _en_person_before().search(sentence[:start]):
            continue
        if re.search(r"\bat\s+(?:the\s+)?$", sentence[:start]):
            continue  # a venue
        if _EN_OTHER_PREPOSITION.search(sentence[:start]):
            continue  # "a plant near Bukhara", "fund for Nvidia": not a side of the deal
        is_place = bool(re.search(r"\bin\s+$", sentence[:start]))
        out.append((name, start, start + len(name), is_place))
    return out


@lru_cache(maxsize=1)
def default_ner() -> RussianNer:
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
    if head is None or not CYRILLIC.search(words[head]):
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
    body = ATTRIBUTION.sub("", sentence)
    if language == "ru" or CYRILLIC.search(body):
        return _ru_entities(body, ner)
    return _en_entities(body)


def party_keys(party: str) -> frozenset[str]:
    """Script-independent keys of a party: its countries (by name, adjective or capital), the
    keys of its name-like words ("Samsung" = "Самсунг") and its acronyms ("MIT")."""
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
    if not CYRILLIC.search(word):
        return word.lower() in _EN_GENERIC_WORDS
    if not analyser().word_is_known(word.lower()):
        return False
    return not any(
        _PROPER_GRAMMEMES & set(str(p.tag).replace(" ", ",").split(","))
        for p in analyser().parse(word.lower())[:2]
    )


def names_meet(p: frozenset[str], q: frozenset[str]) -> bool:
    """Shared name or acronym keys; a name key may be a prefix of the other ("Innopolis" loses
    its final s to the plural rule of `name_key`, "Иннополис" keeps it)."""
    if {k for k in p & q if not k.startswith("country:")}:
        return True
    names_p = [k for k in p if k.startswith("name:") and len(k) >= 9]
    names_q = [k for k in q if k.startswith("name:") and len(k) >= 9]
    return any(a.startswith(b) or b.startswith(a) for a in names_p for b in names_q)


def is_place_name(party: str) -> bool:
    """A party that is only a country or a capital ("Пекин", "South Korea")."""
    return bool(only_countries(party))


def _add_party(parties: list[str], name: str) -> None:
    if len(parties) >= MAX_PARTIES:
        return
    keys = party_keys(name)
    for existing in parties:
        if name.lower() in existing.lower() or existing.lower() in name.lower():
            return
        other = party_keys(existing)
        names = {k for k in keys if k.startswith("name:")}
        if names and names <= other:
            return
    parties.append(name)


def _is_title_case(title: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", title) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _signing_sentences(document: Document) -> list[str]:
    """Sentences about the signing itself ("Подписание состоялось в Самаре"): they say where."""
    out: list[str] = []
    for _, sentence in document_sentences(document):
        tokens = tokenise(sentence)
        if any(sign_kind(t) in ("sign", "nominal") for t in tokens) and not any(
            t.lemma in RU_CANCEL for t in tokens
        ):
            out.append(sentence)
    return out


def parties_and_place(
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
