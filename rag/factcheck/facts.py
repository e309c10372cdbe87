"""The values a news fact can be false through, extracted from a sentence language-independently.

A number, a date, a name, who did what, a country, a "not": each sentence is reduced to such
values in a form that does not depend on the language (numbers as intervals, years, name keys
across scripts, canonical countries, action classes); `rag.factcheck.compare` then sets a
claim's values against an evidence sentence's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from nlp.countries import find_countries
from nlp.dates import EN_MONTH_WORD, RU_MONTH_WORD, find_dates
from nlp.entities import Entity
from nlp.morph import lemma
from nlp.names import name_form, same_name
from nlp.negation import is_negated, negated_words
from nlp.quantities import Quantity, find_quantities
from nlp.stopwords import EN_FUNCTION_WORDS
from nlp.titles import title_classes
from nlp.words import WORD
from rag.factcheck.claims import is_english_predicate
from rag.retrieval.lexical import tokens

MISMATCH_KINDS = (
    "number", "date", "person", "organisation", "place", "role", "nationality", "negation",
    "subject",
)  # fmt: skip


# (claim name, sentence name) pairs of two languages that translate each other.
NamePairs = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Mismatch:
    kind: str  # one of MISMATCH_KINDS
    claim_value: str
    source_value: str


@dataclass(frozen=True)
class Name:
    """A named entity reduced to script-independent spellings ("Петрова" ~ "Petrov")."""

    kind: str  # "person" | "organisation" | "place" | "name" (an English name of unknown kind)
    text: str
    keys: frozenset[str]
    start: int
    end: int


@dataclass(frozen=True)
class Action:
    kind: str  # "sign" | "chair" | "say" | "meet"
    text: str
    start: int
    verbal: bool  # "подписали" names an actor nearby; "подписание" (a noun) does not


@dataclass(frozen=True)
class Facts:
    """The checkable values of one sentence."""

    text: str
    language: str
    quantities: tuple[Quantity, ...]
    years: frozenset[int]
    dates: tuple[date, ...]
    names: tuple[Name, ...]
    countries: tuple[tuple[str, str], ...]  # (canonical country, as written)
    negated: bool
    actions: tuple[Action, ...]
    titles: tuple[tuple[Name, frozenset[str], str], ...]  # (person, title classes, as written)
    # Stems of the content words (`content_words`): what the sentence is about besides values.
    content: frozenset[str] = frozenset()
    # Every word's key (`word_keys`: Russian lemmas, English stems) and those of the words a
    # negation negates: "not" contradicts only the same word said without it.
    words: frozenset[str] = frozenset()
    negated_words: frozenset[str] = frozenset()
    # Capitalised words inside the sentence that NER did not take as a name.
    loose_names: frozenset[str] = frozenset()

    @property
    def country_set(self) -> frozenset[str]:
        return frozenset(c for c, _ in self.countries)

    def facet_count(self) -> int:
        """How many values a claim asserts (what a supporting sentence must confirm)."""
        countable = [q for q in self.quantities if q.scale != "%" or q.value]
        return len(countable) + len(self.years) + len(self.names) + len(self.country_set)


@dataclass(frozen=True)
class Context:
    """What the evidence's whole article mentions: a claim name it never mentions is absent."""

    name_keys: frozenset[str]
    countries: frozenset[str]
    published: date | None
    content: frozenset[str] = frozenset()  # stems of the article's content words


@dataclass
class Comparison:
    mismatches: list[Mismatch] = field(default_factory=list)
    matched: int = 0  # claim values the evidence states too
    unverified: int = 0  # claim values the evidence says nothing about
    # A claim name the evidence's whole article never mentions: the sentence is about something
    # else, so its other values cannot contradict the claim.
    off_topic: bool = False
    anchors: int = 0  # matched names: what ties the sentence to the claim's subject
    # Claim names this sentence does not mention: its other values may be about something else.
    unverified_names: int = 0
    # A name mismatch tied by the same action or title ("signed": X vs Y; "vice-governor": X
    # vs Y): it holds even when the article never mentions the claim's name.
    linked: bool = False
    # Claim names in another language the sentence may translate rather than spell.
    untranslated: int = 0
    # Same language only (stems do not cross languages): the claim's content words, and how
    # many of them the sentence and its whole article leave out.
    content_words: int = 0
    content_missing: int = 0  # by word family (`compare.ROOT_LETTERS`)
    content_absent: int = 0
    content_unsaid: int = 0  # by exact stem: what a contradiction is judged on

    @property
    def supports(self) -> bool:
        return not self.mismatches and not self.unverified and self.about_the_same

    @property
    def uses_most_words(self) -> bool:
        """The sentence says most of the claim's content words (always true across languages)."""
        if not self.content_words:
            return True
        return self.content_unsaid / self.content_words <= MAX_MISSING_SHARE

    @property
    def restates(self) -> bool:
        """The sentence says nearly all of the claim's content words (same language only): the
        same statement, so a value it puts where the claim has another one contradicts it."""
        return bool(self.content_words) and (
            self.content_unsaid / self.content_words <= MAX_RESTATED_MISSING_SHARE
        )

    @property
    def about_the_same(self) -> bool:
        """Whether the sentence speaks of what the claim speaks of, not only of its values: an
        invented fact ("... agreed to build a metro line") around true values is not confirmed
        by a sentence on the same topic that never mentions it. A word the article never uses
        is something it does not say; one paraphrased in the sentence is tolerated."""
        if not self.content_words:
            return True
        absent = self.content_absent / self.content_words
        missing = self.content_missing / self.content_words
        return absent <= MAX_ABSENT_SHARE and missing <= MAX_MISSING_SHARE


# ------------------------------------------------------------------ extraction

_I = re.IGNORECASE
_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?:\s*[-–]\s*((?:19|20)?\d\d))?(?![\d])")
_ACTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chair", re.compile(
        r"под\s+(?:председательством|руководством)|председательствова\w*|провел\w*\s+заседани\w*"
        r"|провёл\s+заседани\w*|chair(?:ed|s|ing)?\b|presid\w*\s+over|held\s+(?:a|the)\s+meeting"
        r"|led\s+the\s+meeting",
        _I,
    )),
    ("sign", re.compile(r"подпис\w*|sign(?:ed|s|ing)?\b|signator\w*", _I)),
    ("meet", re.compile(r"встрет\w*|встреча\w*|\bmet\b|meets?\b|meeting\s+with", _I)),
    ("say", re.compile(
        r"сказал\w*|заявил\w*|отметил\w*|рассказал\w*|подчеркнул\w*|сообщил\w*|said|says"
        r"|stated|noted|told|announced|stressed",
        _I,
    )),
)  # fmt: skip
# Action nouns ("подписание", "встреча", "signing"): no actor of their own; "под
# руководством X" names X as the one who chaired, so it counts as a verb.
_NOMINAL = re.compile(r"(?:ани[еяюи]\w*|ство\w*|ств\w*|встреча\w*|ing)$", _I)
_AGENT_PHRASE = re.compile(r"^под\s", _I)
# Acts whose actors a sentence lists (the signatories, the chair): a person it shows doing
# something else while others do that act is not one of them.
LISTED_ACTOR_ACTS = frozenset({"sign", "chair"})
# Words before a name that may hold its titles ("Вице-губернатор области, председатель
# комитета ... Пётр Смирнов"); the window stops at the previous name.
_TITLE_WINDOW = 12
_ORG_WORDS = re.compile(
    r"\b(?:group|cluster|association|foundation|fund|company|corporation|corp|inc|ltd|llc"
    r"|university|park|agency|council|board|ministry|department|accelerator|institute|centre"
    r"|center|bank|committee|union|forum|platform|programme|program|party|service|office"
    r"|administration|government|technopark|exchange|authority|organi[sz]ation|club|school"
    r"|academy|hospital|museum|theatre|theater|news|times|post|media)\b",
    _I,
)
_KIND = {"PER": "person", "ORG": "organisation", "LOC": "place"}
# How much of a claim's content (same language) a supporting sentence may leave out, and how
# much of it its whole article may never mention (synonyms and paraphrase need some room).
MAX_MISSING_SHARE = 0.5
MAX_ABSENT_SHARE = 0.25
MAX_RESTATED_MISSING_SHARE = 0.25


def content_words(text: str) -> frozenset[str]:
    """Stems of the words that carry content: stop words, numbers and one- or two-letter
    words dropped (numbers and names are compared as values)."""
    return frozenset(t for t in tokens(text) if len(t) > 2 and not t.isdigit())


_CALENDAR = re.compile(
    rf"{EN_MONTH_WORD}|{RU_MONTH_WORD}|(?:mon|tues|wednes|thurs|fri|satur|sun)day", re.I
)


_OPENERS = frozenset("\"«“„'(:—–-.!?")


def loose_names(text: str, entities: Sequence[Entity]) -> frozenset[str]:
    """Capitalised words NER missed ("Higgs", "MLS"), where the case says "a name": not a
    sentence's or a quote's first word, not a country, month or weekday."""
    taken = [(e.start, e.end) for e in entities]
    out: set[str] = set()
    for m in WORD.finditer(text):
        word = m.group()
        before = text[: m.start()].rstrip()
        if (
            len(word) < 2
            or not word[0].isupper()
            or not before
            or before[-1] in _OPENERS
            or any(a <= m.start() < b for a, b in taken)
            or _CALENDAR.fullmatch(word)
            or find_countries(word)
        ):
            continue
        out.add(word)
    return frozenset(out)


def word_keys(words: Iterable[str], language: str) -> frozenset[str]:
    """Russian lemmas (a stem would part "продают" from "продавать"), English stems."""
    if language == "ru":
        return frozenset(lemma(w) for w in words)
    return frozenset(t for w in words for t in tokens(w))


def keys_of(text: str, *, every_word: bool = False) -> frozenset[str]:
    """Name keys of the capitalised words ("CIFIT-2014" -> CIFIT): generic words such as
    "области" would tie "Псковской области" to "Тверской области", and a number inside a
    name would tie it to any sentence of that year."""
    words = re.findall(r"[^\W_]+", text)
    if not every_word:
        words = [w for w in words if w[0].isupper() and not w.isdigit()] or words
    return frozenset(k for w in words if (k := name_form(w)))


def keys_match(a: str, b: str) -> bool:
    """One name under two spellings or declensions (`nlp.names.same_name`)."""
    return same_name(a, b)


def any_key(keys: Iterable[str], pool: Iterable[str]) -> bool:
    pool = list(pool)
    return any(keys_match(k, p) for k in keys for p in pool)


def _name_kind(entity: Entity, text: str) -> str:
    if entity.kind in _KIND:
        return _KIND[entity.kind]
    if find_countries(entity.text):
        return "place"
    if _ORG_WORDS.search(entity.text) or entity.text.isupper():
        return "organisation"
    return "name"


def surname_keys(name: Name) -> frozenset[str]:
    """A person is found by the key of the last word (first names and patronymics vary)."""
    if name.kind != "person":
        return name.keys
    last = re.findall(r"[^\W_][\w-]*", name.text)
    key = name_form(last[-1]) if last else ""
    return frozenset({key}) if key else name.keys


def titles_before(text: str, start: int, floor: int = 0) -> tuple[frozenset[str], str] | None:
    """The title classes of the words right before a name (back to `floor`, the end of the
    previous name), and those words from the first title on."""
    words = list(re.finditer(r"\S+", text[floor:start]))[-_TITLE_WINDOW:]
    if not words:
        return None
    window = text[floor + words[0].start() : start]
    found: list[tuple[int, int, str]] = []
    for cls, pattern in title_classes():  # specific titles first: "заместитель мэра" is no "мэр"
        for m in pattern.finditer(window):
            if not any(m.start() < end and start < m.end() for start, end, _ in found):
                found.append((m.start(), m.end(), cls))
    if not found:
        return None
    first = min(start for start, _, _ in found)
    return frozenset(c for _, _, c in found), window[first:].strip(" ,")


_LEADING = re.compile(r"^\W*([A-Z][\w'’-]+)\s+([\w'’-]+)")


def leading_name(text: str) -> Entity | None:
    """An English sentence's first word when it is a one-word name before a verb ("Johnson
    chaired ..."): the capitalised-run heuristic skips every sentence-initial word."""
    m = _LEADING.match(text)
    if m is None or m.group(1).lower() in EN_FUNCTION_WORDS:
        return None
    if not is_english_predicate(m.group(2)):
        return None
    word = m.group(1)
    return Entity("NAME", word, word, m.start(1), m.end(1))


def _years(text: str) -> frozenset[int]:
    years: set[int] = set()
    for m in _YEAR.finditer(text):
        first = int(m.group(1))
        years.add(first)
        if m.group(2):  # "2020-21", "2020–2021"
            second = m.group(2)
            last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
            if first < last <= first + 10:
                years.update(range(first + 1, last + 1))
    return frozenset(years)


def extract_facts(text: str, language: str, entities: Sequence[Entity]) -> Facts:
    """The values of `text`; `entities` come from `nlp.entities.find_entities` (NER is slow)."""
    quantities = tuple(find_quantities(text))
    years = _years(text)
    dates = tuple(d for d, _ in find_dates(text))
    names: list[Name] = []
    titles: list[tuple[Name, frozenset[str], str]] = []
    lead = leading_name(text) if language == "en" else None
    if lead is not None and not any(e.start <= lead.start < e.end for e in entities):
        entities = [lead, *entities]
    for e in entities:
        kind = _name_kind(e, text)
        if kind == "place" and find_countries(e.text):
            continue  # countries are compared as countries
        keys = keys_of(e.normal) | keys_of(e.text)
        if not keys:
            continue
        name = Name(kind, e.normal, keys, e.start, e.end)
        floor = max(
            (o.end for o in entities if o.end <= e.start and o.kind in ("PER", "NAME")),
            default=0,
        )
        names.append(name)
        if kind in ("person", "name"):
            title = titles_before(text, e.start, floor)
            if title:
                titles.append((name, *title))
    actions = tuple(
        Action(
            kind,
            m.group(0),
            m.start(),
            bool(_AGENT_PHRASE.match(m.group(0))) or not _NOMINAL.search(m.group(0).split()[-1]),
        )
        for kind, pattern in _ACTIONS
        for m in pattern.finditer(text)
    )
    return Facts(
        text=text,
        language=language,
        quantities=quantities,
        years=years,
        dates=dates,
        names=tuple(names),
        countries=tuple(find_countries(text)),
        negated=is_negated(text, language),
        actions=actions,
        titles=tuple(titles),
        content=content_words(text),
        words=word_keys(WORD.findall(text), language),
        negated_words=word_keys(negated_words(text, language), language),
        loose_names=loose_names(text, entities),
    )


def context_of(text: str, published: date | None, title: str = "") -> Context:
    """The article-wide values a sentence comparison needs."""
    return Context(
        name_keys=keys_of(text),
        countries=frozenset(c for c, _ in find_countries(text)),
        published=published,
        content=content_words(title + "\n" + text),
    )
