"""Claim vs evidence sentence: which facts agree and which contradict, language-independently.

A news fact is false through one of its values: a number, a date, a name, who did what, a
country, a "not". Each sentence is reduced to such values in a form that does not depend on the
language (numbers as intervals, years, name keys across scripts, canonical countries, action
classes), and a claim value is contradicted only where the evidence states a different value of
the same kind. A value the evidence is silent about is "unverified", never a contradiction:
"not in the corpus" must not turn into "false".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from nlp.countries import find_countries
from nlp.dates import find_dates
from nlp.entities import Entity
from nlp.quantities import Quantity, find_quantities
from rag.factcheck.claims import is_english_predicate
from rag.retrieval.lexical import name_key

MISMATCH_KINDS = (
    "number", "date", "person", "organisation", "place", "role", "nationality", "negation",
    "subject",
)  # fmt: skip

# How far a value may be from the one it is compared with and still agree.
EXACT_TOLERANCE = 0.005  # rounding of "4.5 thousand" vs "4 512"
APPROX_TOLERANCE = 0.10  # "about", "около"
# A source's "more than 4.5 thousand" is read as at most this much more (news round down).
MORE_THAN_SPAN = 0.15
# A person's action counts as theirs within this many characters of the name.
ACTION_REACH = 40
# A claim date this many days before the article's own date can be the event it reports.
REPORTING_LAG_DAYS = 7


@dataclass(frozen=True)
class Mismatch:
    kind: str  # one of MISMATCH_KINDS
    claim_value: str
    source_value: str


@dataclass(frozen=True)
class Name:
    """A named entity reduced to script-independent keys ("Валетова" ~ "Valetov")."""

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

    @property
    def supports(self) -> bool:
        return not self.mismatches and not self.unverified


# ------------------------------------------------------------------ extraction

_I = re.IGNORECASE
_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?:\s*[-–]\s*((?:19|20)?\d\d))?(?![\d])")
_NEGATION = {
    "ru": re.compile(
        r"(?<![\w-])(?:не(?!\s+(?:менее|более|только|раз|позднее|ранее|считая)\b)|ни|нет"
        r"|никогда|никто|ничего|отказал\w*|отказа\w*)(?![\w-])",
        _I,
    ),
    "en": re.compile(
        r"\b(?:not|never|no|none|nobody|nothing|neither|nor|refused|declined|failed\s+to)\b"
        r"(?!\s+(?:less|more|later|earlier|only)\b)|n['’]t\b",
        _I,
    ),
}
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
# Acts that exclude each other for one person in one event: signing is not chairing.
_EXCLUSIVE_ACTIONS = frozenset({"sign", "chair"})
# Titles written before a name, by class: "мэр Москвы", "Mayor", "руководитель МИК".
_TITLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("deputy mayor", re.compile(
        r"(?<![\w-])(?:заммэра|заместител\w*\s+мэра|вице-мэр\w*|deputy\s+mayor)", _I
    )),
    ("vice-governor", re.compile(
        r"(?<![\w-])(?:вице-губернатор\w*|заместител\w*\s+губернатора|vice-governor"
        r"|deputy\s+governor)",
        _I,
    )),
    ("mayor", re.compile(r"(?<![\w-])(?:мэр\w*|градоначальник\w*|mayor)", _I)),
    ("governor", re.compile(r"(?<![\w-])(?:губернатор\w*|governor)", _I)),
    ("president", re.compile(r"(?<![\w-])(?:президент\w*|president)", _I)),
    ("chairman", re.compile(
        r"(?<![\w-])(?:председател(?!ьств)\w*|chairman|chairwoman|chairperson|chair)", _I
    )),
    ("minister", re.compile(r"(?<![\w-])(?:министр\w*|minister)", _I)),
    ("head", re.compile(
        r"(?<![\w-])(?:руководител\w*|глав[аеуы]\b|директор\w*|гендиректор\w*|head|director"
        r"|chief|ceo)",
        _I,
    )),
)  # fmt: skip
# Words before a name that may hold its titles ("Вице-губернатор области, председатель
# комитета ... Дмитрий Ялов"); the window stops at the previous name.
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


def keys_of(text: str, *, every_word: bool = False) -> frozenset[str]:
    """Name keys of the capitalised words ("CIFIT-2014" -> CIFIT): generic words such as
    "области" would tie "Псковской области" to "Ленинградской области", and a number inside a
    name would tie it to any sentence of that year."""
    words = re.findall(r"[^\W_]+", text)
    if not every_word:
        words = [w for w in words if w[0].isupper() and not w.isdigit()] or words
    return frozenset(k for w in words if (k := name_key(w)))


def keys_match(a: str, b: str) -> bool:
    """Equal keys, or one a prefix/suffix of the other (declension, "Chzh-" vs "Zh-")."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and (long_.startswith(short) or long_.endswith(short))


def _any_key(keys: Iterable[str], pool: Iterable[str]) -> bool:
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


def _surname_keys(name: Name) -> frozenset[str]:
    """A person is found by the key of the last word (first names and patronymics vary)."""
    if name.kind != "person":
        return name.keys
    last = re.findall(r"[^\W_][\w-]*", name.text)
    key = name_key(last[-1]) if last else ""
    return frozenset({key}) if key else name.keys


def titles_before(text: str, start: int, floor: int = 0) -> tuple[frozenset[str], str] | None:
    """The title classes of the words right before a name (back to `floor`, the end of the
    previous name), and those words from the first title on."""
    words = list(re.finditer(r"\S+", text[floor:start]))[-_TITLE_WINDOW:]
    if not words:
        return None
    window = text[floor + words[0].start() : start]
    found: list[tuple[int, int, str]] = []
    for cls, pattern in _TITLES:  # specific titles first: "заместитель мэра" is no "мэр"
        for m in pattern.finditer(window):
            if not any(m.start() < end and start < m.end() for start, end, _ in found):
                found.append((m.start(), m.end(), cls))
    if not found:
        return None
    first = min(start for start, _, _ in found)
    return frozenset(c for _, _, c in found), window[first:].strip(" ,")


_LEADING = re.compile(r"^\W*([A-Z][\w'’-]+)\s+([\w'’-]+)")
_NOT_NAMES = frozenset(
    "The A An This That These Those It He She They We I You There Here Its His Her Their Our "  # noqa: SIM905
    "Some Many Most All Each Every No None Both More Less Over About Nearly Almost".split()
)


def leading_name(text: str) -> Entity | None:
    """An English sentence's first word when it is a one-word name before a verb ("Sobyanin
    chaired ..."): the capitalised-run heuristic skips every sentence-initial word."""
    m = _LEADING.match(text)
    if m is None or m.group(1) in _NOT_NAMES or not is_english_predicate(m.group(2)):
        return None
    word = m.group(1)
    return Entity("NAME", word, word, m.start(1), m.end(1))


def extract_facts(text: str, language: str, entities: Sequence[Entity]) -> Facts:
    """The values of `text`; `entities` come from `nlp.entities.find_entities` (NER is slow)."""
    quantities = tuple(find_quantities(text))
    years: set[int] = set()
    for m in _YEAR.finditer(text):
        first = int(m.group(1))
        years.add(first)
        if m.group(2):  # "2020-21", "2020–2021"
            second = m.group(2)
            last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
            if first < last <= first + 10:
                years.update(range(first + 1, last + 1))
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
    negation = _NEGATION.get(language, _NEGATION["en"])
    return Facts(
        text=text,
        language=language,
        quantities=quantities,
        years=frozenset(years),
        dates=dates,
        names=tuple(names),
        countries=tuple(find_countries(text)),
        negated=bool(negation.search(text)),
        actions=actions,
        titles=tuple(titles),
    )


def context_of(text: str, published: date | None) -> Context:
    """The article-wide values a sentence comparison needs."""
    return Context(
        name_keys=keys_of(text),
        countries=frozenset(c for c, _ in find_countries(text)),
        published=published,
    )


# ------------------------------------------------------------------ numbers

_APPROX = {"about", "around", "approximately"}
_ALMOST = {"almost", "nearly"}
_AT_LEAST = {"more than", "over", "at least"}
_AT_MOST = {"less than", "fewer than", "at most", "up to"}
_CURRENCY = re.compile(r"руб|доллар|евро|юан|иен|\$|€|₽|dollar|euro|rouble|ruble|yuan|yen", _I)


def _unit(q: Quantity, text: str) -> str:
    """Values compare only within a unit: a share, a sum of money, or a count."""
    if q.scale == "%":
        return "%"
    around = text[max(0, q.start - 2) : q.end + 3] + " " + (q.noun or "")
    return "money" if _CURRENCY.search(around) else "count"


def interval(q: Quantity) -> tuple[float, float]:
    """The values a quantity allows. "More than X" is read as "X or a little more", as news
    round down: "более 4,5 тыс." is not 10,000, and "more than 60%" is no way to say 90%."""
    x = q.value
    qual = q.qualifier
    if qual in _APPROX:
        return x * (1 - APPROX_TOLERANCE), x * (1 + APPROX_TOLERANCE)
    if qual in _ALMOST:
        return x * (1 - MORE_THAN_SPAN), x
    if qual in _AT_LEAST:
        return x, x * (1 + MORE_THAN_SPAN)
    if qual in _AT_MOST:
        return x * (1 - MORE_THAN_SPAN), x
    return x * (1 - EXACT_TOLERANCE), x * (1 + EXACT_TOLERANCE)


def quantities_agree(claim: Quantity, source: Quantity) -> bool:
    """Whether two quantities can describe the same value ("4,5 тыс." = "4 500" = "4.5k")."""
    lo1, hi1 = interval(claim)
    lo2, hi2 = interval(source)
    return lo1 <= hi2 and lo2 <= hi1


def _stem(word: str | None) -> str:
    return (word or "").lower()[:5]


def compare_numbers(claim: Facts, evidence: Facts, out: Comparison) -> None:
    for q in claim.quantities:
        unit = _unit(q, claim.text)
        pool = [e for e in evidence.quantities if _unit(e, evidence.text) == unit]
        if claim.language == evidence.language and q.noun:
            # Same language: "17 тыс. предприятий" is compared with other counts of firms.
            same_noun = [e for e in pool if e.noun and _stem(e.noun) == _stem(q.noun)]
            pool = same_noun or pool
        if any(quantities_agree(q, e) for e in pool):
            out.matched += 1
        elif pool:
            nearest = min(pool, key=lambda e: abs(e.value - q.value))
            out.mismatches.append(Mismatch("number", q.text.strip(), nearest.text.strip()))
        else:
            out.unverified += 1


# ------------------------------------------------------------------ dates


def compare_dates(claim: Facts, evidence: Facts, context: Context, out: Comparison) -> None:
    """Years and full dates; a sentence without any falls back on the article's own date."""
    for d in claim.dates:
        if d in evidence.dates:
            out.matched += 1
        elif evidence.dates:
            shown = ", ".join(x.isoformat() for x in evidence.dates)
            out.mismatches.append(Mismatch("date", d.isoformat(), shown))
        elif context.published is not None:
            lag = (context.published - d).days
            if 0 <= lag <= REPORTING_LAG_DAYS:
                out.matched += 1
            elif lag > REPORTING_LAG_DAYS:
                published = f"{context.published.isoformat()} (publication date)"
                out.mismatches.append(Mismatch("date", d.isoformat(), published))
            else:
                out.unverified += 1
        else:
            out.unverified += 1
    claim_date_years = {d.year for d in claim.dates}
    for y in sorted(claim.years - claim_date_years):
        if y in evidence.years:
            out.matched += 1
        elif evidence.years:
            shown = ", ".join(str(x) for x in sorted(evidence.years))
            out.mismatches.append(Mismatch("date", str(y), shown))
        elif context.published is not None and y == context.published.year:
            out.matched += 1
        elif context.published is not None and y < context.published.year:
            published = f"{context.published.isoformat()} (publication date)"
            out.mismatches.append(Mismatch("date", str(y), published))
        else:
            out.unverified += 1


# ------------------------------------------------------------------ names, roles, countries


def _nearest_action(facts: Facts, position: int) -> Action | None:
    """The verb nearest to a name: what the sentence says that name did."""
    verbs = [a for a in facts.actions if a.verbal]
    if not verbs:
        return None
    return min(verbs, key=lambda a: abs(a.start - position))


def _found_in(name: Name, evidence: Facts) -> Name | None:
    keys = _surname_keys(name)
    for other in evidence.names:
        if _any_key(keys, other.keys):
            return other
    if _any_key(keys, keys_of(evidence.text, every_word=True)):
        return name  # written in the sentence although NER missed it
    return None


def _translatable(name: Name, claim: Facts, evidence: Facts) -> bool:
    """An organisation named in words of another language ("Moscow Innovation Cluster") can
    be absent from the keys of a Russian article that translates it; a brand or an acronym
    ("ZGC", "Innobiz" in a Russian claim, "МИК" in an English one) cannot."""
    if claim.language == evidence.language or name.kind not in ("organisation", "place"):
        return False
    if name.text.isupper():
        return False
    cyrillic = bool(re.search(r"[А-Яа-яЁё]", name.text))
    return cyrillic == (claim.language == "ru")


def compare_names(claim: Facts, evidence: Facts, context: Context, out: Comparison) -> None:
    claim_keys = [n.keys for n in claim.names]
    unmatched_evidence = [
        n for n in evidence.names if not any(_any_key(n.keys, ks) for ks in claim_keys)
    ]
    found_of = {name: _found_in(name, evidence) for name in claim.names}
    anchors = sum(1 for f in found_of.values() if f is not None)
    for name, found in found_of.items():
        if found is not None:
            out.matched += 1
            out.anchors += 1
            _compare_roles(claim, evidence, name, found, out)
            continue
        in_article = _any_key(_surname_keys(name), context.name_keys)
        out.off_topic = out.off_topic or not (in_article or _translatable(name, claim, evidence))
        kinds = {name.kind} if name.kind != "name" else {"person", "organisation", "place"}
        others = [n for n in unmatched_evidence if n.kind in kinds or n.kind == "name"]
        action = _nearest_action(claim, name.start)
        titled = _same_title(claim, evidence, name, others)
        if titled:
            others = titled  # "вице-губернатор Иван Петров" vs "вице-губернатор Дмитрий Ялов"
            out.linked = True
        elif others and action is not None:
            # This sentence's actor of that very action is someone else ("подписал Собянин"
            # vs "подписали Валетов и Чжао"); other names in it may play other parts.
            others = _doing(evidence, action.kind, others)
            out.linked = out.linked or bool(others)
        elif (in_article or _translatable(name, claim, evidence)) and not anchors:
            # Nothing else ties the sentence to the claim: its names may be in another role.
            others = []
        if others:
            kind = others[0].kind if name.kind == "name" else name.kind
            kind = "organisation" if kind == "name" else kind
            shown = ", ".join(dict.fromkeys(o.text for o in others))
            out.mismatches.append(Mismatch(kind, name.text, shown))
        elif not _translatable(name, claim, evidence):
            out.unverified += 1  # this sentence does not confirm the name (the article may)
            out.unverified_names += 1
        else:
            out.untranslated += 1


def _titles_of(facts: Facts, name: Name) -> frozenset[str]:
    return next((t for n, t, _ in facts.titles if n.keys == name.keys), frozenset())


def _same_title(claim: Facts, evidence: Facts, name: Name, others: Sequence[Name]) -> list[Name]:
    """The evidence persons holding a title the claim gives its person."""
    mine = _titles_of(claim, name)
    if not mine:
        return []
    return [o for o in others if o.kind in ("person", "name") and _titles_of(evidence, o) & mine]


def _doing(evidence: Facts, action: str, names: Sequence[Name]) -> list[Name]:
    """The names whose nearest action in the sentence is `action`."""
    out = []
    for n in names:
        nearest = _nearest_action(evidence, n.start)
        if nearest is not None and nearest.kind == action:
            out.append(n)
    return out


def _compare_roles(
    claim: Facts, evidence: Facts, name: Name, found: Name, out: Comparison
) -> None:
    """Who did what (signed vs chaired) and with which title (mayor vs head of the fund)."""
    if name.kind not in ("person", "name"):
        return
    mine = _nearest_action(claim, name.start)
    theirs = _nearest_action(evidence, found.start)
    if (
        mine is not None
        and theirs is not None
        and mine.kind in _EXCLUSIVE_ACTIONS
        and mine.kind != theirs.kind
    ):
        # "X chaired the meeting and signed" keeps X near a signing too: not a contradiction.
        near = [
            a
            for a in evidence.actions
            if a.verbal and a.kind == mine.kind and abs(a.start - found.start) <= ACTION_REACH
        ]
        if not near:
            out.mismatches.append(
                Mismatch("role", f"{mine.text} ({name.text})", f"{theirs.text} ({found.text})")
            )
    claim_title = next(((c, w) for n, c, w in claim.titles if n.keys == name.keys), None)
    source_title = next(((c, w) for n, c, w in evidence.titles if n.keys == found.keys), None)
    if claim_title and source_title and not claim_title[0] & source_title[0]:
        out.mismatches.append(Mismatch("role", claim_title[1], source_title[1]))


def compare_countries(claim: Facts, evidence: Facts, context: Context, out: Comparison) -> None:
    """A claim country the article never mentions, where the sentence names another one."""
    mine = claim.country_set
    theirs = evidence.country_set
    extra = [(c, w) for c, w in evidence.countries if c not in mine]
    for country in sorted(mine):
        written = next(w for c, w in claim.countries if c == country)
        if country in theirs:
            out.matched += 1
        elif extra and country not in context.countries:
            shown = ", ".join(dict.fromkeys(w for _, w in extra))
            out.mismatches.append(Mismatch("nationality", written, shown))
        elif country not in context.countries:
            out.unverified += 1


def compare_negation(claim: Facts, evidence: Facts, out: Comparison) -> None:
    if claim.negated != evidence.negated:
        said = "not" if claim.negated else "affirmed"
        other = "affirmed" if claim.negated else "not"
        out.mismatches.append(Mismatch("negation", said, other))


def compare(claim: Facts, evidence: Facts, context: Context) -> Comparison:
    """Every value of `claim` against `evidence` (one sentence of the article `context`)."""
    out = Comparison()
    compare_numbers(claim, evidence, out)
    compare_dates(claim, evidence, context, out)
    compare_names(claim, evidence, context, out)
    compare_countries(claim, evidence, context, out)
    if out.matched or not claim.facet_count():
        # Only a sentence about the same facts can contradict by a "not".
        compare_negation(claim, evidence, out)
    return out
