"""Claim vs evidence sentence: which facts agree and which contradict, language-independently.

A news fact is false through one of its values: a number, a date, a name, who did what, a
country, a "not". Each sentence is reduced to such values in a form that does not depend on the
language (numbers as intervals, years, name keys across scripts, canonical countries, action
classes), and a claim value is contradicted only where the evidence states a different value of
the same kind. A value the evidence is silent about is "unverified", never a contradiction:
"not in the corpus" must not turn into "false".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from nlp.names import name_form
from nlp.quantities import Quantity, written_precision
from nlp.stopwords import STOP_WORDS
from nlp.units import measure_unit, quantity_currency, quantity_kind, unit_size
from nlp.words import fold
from rag.factcheck.facts import (
    LISTED_ACTOR_ACTS,
    Action,
    Comparison,
    Context,
    Facts,
    Mismatch,
    Name,
    NamePairs,
    any_key,
    content_words,
    keys_of,
    surname_keys,
)
from rag.factcheck.restatement import compare_restatement

# How far a value may be from the one it is compared with and still agree.
EXACT_TOLERANCE = 0.005  # rounding of "4.5 thousand" vs "4 512"
APPROX_TOLERANCE = 0.10  # "about", "около"
# A person's action counts as theirs within this many characters of the name.
ACTION_REACH = 40
# A claim date this many days before the article's own date can be the event it reports.
REPORTING_LAG_DAYS = 7


# ------------------------------------------------------------------ numbers

_APPROX = {"about", "around", "approximately", "roughly"}
_ALMOST = {"almost", "nearly"}
_AT_LEAST = {"at least", "more than", "over"}
_AT_MOST = {"at most", "up to", "less than", "fewer than"}
_STRICT = {"more than", "over", "less than", "fewer than"}  # the bound itself is excluded
_OPEN = 1e-9  # relative nudge that excludes a strict bound

# Whether a claim's quantity is the source's value ("same"), cannot be ("other"), or the source
# neither confirms nor excludes it ("unknown": "more than 20 thousand" against "более 17 тыс.").
Relation = Literal["same", "other", "unknown"]


def interval(q: Quantity) -> tuple[float, float]:
    """The values a quantity allows, read as the words mean: "more than X" is any value above X
    ("более 17 тыс." does not exclude 20 thousand), "up to X" any value up to X."""
    x = q.value
    qual = q.qualifier
    if qual in _APPROX:
        return x * (1 - APPROX_TOLERANCE), x * (1 + APPROX_TOLERANCE)
    if qual in _ALMOST:
        return x * (1 - APPROX_TOLERANCE), x
    if qual in _AT_LEAST:
        return (x * (1 + _OPEN) if qual in _STRICT else x), math.inf
    if qual in _AT_MOST:
        return 0.0, (x * (1 - _OPEN) if qual in _STRICT else x)
    return x * (1 - EXACT_TOLERANCE), x * (1 + EXACT_TOLERANCE)


def quantity_relation(claim: Quantity, source: Quantity) -> Relation:
    """How a claim's quantity stands to a source's ("4,5 тыс." = "4 500" = "4.5k").

    The source confirms the claim when it gives the same number and every value it allows is
    one the claim allows, or, as
    people round and drop qualifiers, when a plain claim states the source's bound ("17 тысяч"
    for "более 17 тыс.") or falls within the source's "about". Only disjoint values contradict.
    """
    lo_c, hi_c = interval(claim)
    lo_s, hi_s = interval(source)
    if lo_c > hi_s or lo_s > hi_c:
        return "other"
    # Only the same number confirms: a sentence's other numbers ("более 130 тыс. компаний")
    # lie inside a claim's "more than 30 thousand" without being what it is about.
    close = abs(claim.value - source.value) <= APPROX_TOLERANCE * abs(source.value)
    if close and lo_c <= lo_s and hi_s <= hi_c:
        return "same"
    plain_claim = claim.qualifier is None or claim.qualifier in _APPROX
    bound = source.qualifier in _AT_LEAST | _AT_MOST | _ALMOST
    same_value = abs(claim.value - source.value) <= EXACT_TOLERANCE * abs(source.value)
    if plain_claim and bound and same_value:
        return "same"
    if plain_claim and source.qualifier in _APPROX and lo_s <= claim.value <= hi_s:
        return "same"
    return "unknown"


def _stem(word: str | None) -> str:
    return fold(word or "")[:5]


def _counted(q: Quantity, text: str, language: str) -> str | None:
    """What a quantity counts or measures: a currency, a unit of measure (the same key in
    either language) or, as "<language>:<stem>", the noun after it; None when unknown."""
    if quantity_kind(q, text) == "money":
        return quantity_currency(q, text)
    unit = measure_unit(q.noun)
    if unit is not None:
        return f"unit:{unit_size(unit)[0]}"
    if not q.noun or q.scale == "%" or q.noun.lower() in STOP_WORDS:
        return None  # "five million in population", "1345 that": the word after says nothing
    return f"{language}:{_stem(q.noun)}"


def _same_thing(a: str | None, b: str | None) -> bool:
    """Whether two quantities may be values of one thing: yes when either is unknown or when
    both are nouns of different languages (stems cannot tell), else only the same key."""
    if a is None or b is None or a == b:
        return True
    kinds = (a.split(":", 1)[0], b.split(":", 1)[0])
    return "unit" not in kinds and kinds[0] != kinds[1] and ":" in a and ":" in b


def _in_unit_of(claim: Quantity, source: Quantity) -> Quantity:
    """The source's quantity in the claim's unit of measure ("1500 м" as 1.5 for "1,5 км")."""
    a, b = measure_unit(claim.noun), measure_unit(source.noun)
    if a is None or b is None or a == b:
        return source
    (dimension_a, size_a), (dimension_b, size_b) = unit_size(a), unit_size(b)
    if dimension_a != dimension_b:
        return source
    return replace(source, value=source.value * size_b / size_a)


def _relation(claim: Quantity, source: Quantity) -> Relation:
    """`quantity_relation`, where a plain value converted from another unit is the same within
    the rounding either number's digits allow ("1,5 км" for "1450 м")."""
    relation = quantity_relation(claim, source)
    units = {measure_unit(claim.noun), measure_unit(source.noun)}
    converted = None not in units and len(units) == 2
    if relation != "other" or not converted or claim.qualifier or source.qualifier:
        return relation
    slack = max(written_precision(claim), written_precision(source)) * (1 + 1e-9)
    return "same" if abs(source.value - claim.value) <= slack * abs(claim.value) else relation


def compare_numbers(claim: Facts, evidence: Facts, out: Comparison) -> None:
    """A claim's number meets the evidence's numbers of its kind (share, money, count) that can
    count the same thing: "18 остановок" says nothing of "12 километров" (it used to contradict
    it when the sentence had no other count), nor "9,4 млрд рублей" of "$1.1 billion"."""
    for q in claim.quantities:
        unit = quantity_kind(q, claim.text)
        counted = _counted(q, claim.text, claim.language)
        pool = [
            e
            for e in evidence.quantities
            if quantity_kind(e, evidence.text) == unit
            and _same_thing(counted, _counted(e, evidence.text, evidence.language))
        ]
        pool = [_in_unit_of(q, e) for e in pool]
        relations = {_relation(q, e) for e in pool}
        if "same" in relations:
            out.matched += 1
        elif relations == {"other"}:
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


def _found_in(name: Name, evidence: Facts, same: NamePairs) -> Name | None:
    keys = surname_keys(name)
    for other in evidence.names:
        if any_key(keys, other.keys) or (name.text, other.text) in same:
            return other
    if any_key(keys, keys_of(evidence.text, every_word=True)):
        return name  # written in the sentence although NER missed it
    return None


def _translatable(name: Name, claim: Facts, evidence: Facts) -> bool:
    """An organisation named in words of another language ("Moscow Innovation Cluster") can
    be absent from the keys of a Russian article that translates it; a brand or an acronym
    (a Latin acronym in a Russian claim, a Cyrillic one in an English claim) cannot."""
    if claim.language == evidence.language or name.kind not in ("organisation", "place"):
        return False
    if name.text.isupper():
        return False
    cyrillic = bool(re.search(r"[А-Яа-яЁё]", name.text))
    return cyrillic == (claim.language == "ru")


def compare_names(
    claim: Facts, evidence: Facts, context: Context, out: Comparison, same: NamePairs
) -> None:
    """`same`: (claim name, sentence name) pairs of two languages that translate each other."""
    unmatched_evidence = [
        n
        for n in evidence.names
        if not any(any_key(n.keys, c.keys) or (c.text, n.text) in same for c in claim.names)
    ]
    found_of = {name: _found_in(name, evidence, same) for name in claim.names}
    anchors = sum(1 for f in found_of.values() if f is not None)
    for name, found in found_of.items():
        if found is not None:
            out.matched += 1
            out.anchors += 1
            _compare_roles(claim, evidence, name, found, out)
            continue
        in_article = any_key(surname_keys(name), context.name_keys)
        out.off_topic = out.off_topic or not (in_article or _translatable(name, claim, evidence))
        kinds = {name.kind} if name.kind != "name" else {"person", "organisation", "place"}
        others = [n for n in unmatched_evidence if n.kind in kinds or n.kind == "name"]
        action = _nearest_action(claim, name.start)
        titled = _same_title(claim, evidence, name, others)
        if titled:
            others = titled  # "вице-губернатор Иван Петров" vs "вице-губернатор Пётр Смирнов"
            out.linked = True
        elif others and action is not None:
            # This sentence's actor of that very action is someone else ("подписал Иванов"
            # vs "подписали Петров и Ли"); other names in it may play other parts.
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
    if mine is not None and theirs is not None and mine.kind != theirs.kind:
        # "X chaired the meeting and signed" keeps X near a signing too: not a contradiction;
        # and a sentence that names nobody else doing the claim's act does not say X did not.
        near = [
            a
            for a in evidence.actions
            if a.verbal and a.kind == mine.kind and abs(a.start - found.start) <= ACTION_REACH
        ]
        others = [
            n
            for n in evidence.names
            if n.kind in ("person", "name") and not any_key(n.keys, found.keys)
        ]
        if not near and mine.kind in LISTED_ACTOR_ACTS and _doing(evidence, mine.kind, others):
            out.mismatches.append(
                Mismatch("role", f"{mine.text} ({name.text})", f"{theirs.text} ({found.text})")
            )
        elif not near:
            out.unverified += 1  # the sentence shows X doing something else, not the claim's act
    claim_title = next(((c, w) for n, c, w in claim.titles if n.keys == name.keys), None)
    source_title = next(((c, w) for n, c, w in evidence.titles if n.keys == found.keys), None)
    if claim_title and source_title and not claim_title[0] & source_title[0]:
        out.mismatches.append(Mismatch("role", claim_title[1], source_title[1]))


def compare_loose_names(claim: Facts, evidence: Facts, context: Context, out: Comparison) -> None:
    """A capitalised word of the claim that NER missed and the whole article never writes:
    the claim names something the article does not, so no sentence of it confirms the claim.
    A name too short for a cross-script key is looked up by its stem, in one language only."""
    written = context.name_keys | keys_of(evidence.text)
    for word in claim.loose_names:
        key = name_form(word)
        if key and any_key((key,), written):
            continue
        if claim.language == evidence.language:
            if content_words(word) & (context.content | evidence.content):
                continue
        elif not key:
            continue
        out.unverified += 1
        out.unverified_names += 1


def compare_countries(claim: Facts, evidence: Facts, context: Context, out: Comparison) -> None:
    """A claim country the article never mentions, where the sentence names another one; one
    the sentence leaves out while naming another place ("в Лондоне" vs "в Гданьске",
    a city the gazetteer has no country for) is not confirmed by it, whatever the article says."""
    mine = claim.country_set
    theirs = evidence.country_set
    extra = [(c, w) for c, w in evidence.countries if c not in mine]
    elsewhere = any(
        n.kind == "place" and not any(any_key(n.keys, c.keys) for c in claim.names)
        for n in evidence.names
    )
    for country in sorted(mine):
        written = next(w for c, w in claim.countries if c == country)
        if country in theirs:
            out.matched += 1
        elif extra and country not in context.countries:
            shown = ", ".join(dict.fromkeys(w for _, w in extra))
            out.mismatches.append(Mismatch("nationality", written, shown))
        elif country not in context.countries or elsewhere:
            out.unverified += 1


def compare_negation(claim: Facts, evidence: Facts, out: Comparison) -> None:
    """A "not" on one side only. In one language it contradicts only where the word it negates
    is said without it on the other side and the sentence uses most of the claim's words
    ("не смогли спасти" says nothing against "погибла"; "не подписал" contradicts "подписал").
    Across languages the words cannot be compared, and a translation moves the "not" ("ignore"
    ~ "не учитывать", "rejected" ~ "отклонён"): the sentence then merely does not confirm."""
    if claim.language != evidence.language:
        if claim.negated != evidence.negated:
            out.unverified += 1
        return
    flipped = (evidence.negated_words & (claim.words - claim.negated_words)) | (
        claim.negated_words & (evidence.words - evidence.negated_words)
    )
    if flipped and out.uses_most_words:
        said, other = ("not", "affirmed") if claim.negated_words & flipped else ("affirmed", "not")
        out.mismatches.append(Mismatch("negation", said, other))


# Words of one family share their first letters where stems part them ("продажи" /
# "продают", "рассмотрел" / "рассматривать", "незаконной" / "незаконно"): a confirmation
# compares content words by this many leading letters of their stems; a contradiction, which
# must not be found where there is none, by the stems themselves (`content_unsaid`).
ROOT_LETTERS = 5


def _roots(stems: frozenset[str]) -> frozenset[str]:
    return frozenset(s[:ROOT_LETTERS] for s in stems)


def compare_content(claim: Facts, evidence: Facts, context: Context, out: Comparison) -> None:
    """Which of the claim's content words the sentence and its article use (same language only:
    across languages the stems cannot meet, and similarity alone decides)."""
    if claim.language != evidence.language:
        return
    said = _roots(evidence.content)
    written = said | _roots(context.content)
    out.content_words = len(claim.content)
    out.content_missing = sum(1 for w in claim.content if w[:ROOT_LETTERS] not in said)
    out.content_absent = sum(1 for w in claim.content if w[:ROOT_LETTERS] not in written)
    out.content_unsaid = len(claim.content - evidence.content)


def compare(
    claim: Facts, evidence: Facts, context: Context, same: NamePairs = frozenset()
) -> Comparison:
    """Every value of `claim` against `evidence` (one sentence of the article `context`);
    `same`: name pairs across languages known to translate each other (`NameTranslations`)."""
    out = Comparison()
    compare_numbers(claim, evidence, out)
    compare_dates(claim, evidence, context, out)
    compare_names(claim, evidence, context, out, same)
    compare_loose_names(claim, evidence, context, out)
    compare_countries(claim, evidence, context, out)
    compare_content(claim, evidence, context, out)
    compare_restatement(claim, evidence, out)
    if out.matched or (not claim.facet_count() and claim.language == evidence.language):
        # Only a sentence about the same facts can contradict by a "not".
        compare_negation(claim, evidence, out)
    return out
