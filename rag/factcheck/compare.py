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
from collections.abc import Sequence

from nlp.quantities import Quantity
from rag.factcheck.facts import (
    EXCLUSIVE_ACTIONS,
    Action,
    Comparison,
    Context,
    Facts,
    Mismatch,
    Name,
    any_key,
    keys_of,
    surname_keys,
)

# How far a value may be from the one it is compared with and still agree.
EXACT_TOLERANCE = 0.005  # rounding of "4.5 thousand" vs "4 512"
APPROX_TOLERANCE = 0.10  # "about", "около"
# A source's "more than 4.5 thousand" is read as at most this much more (news round down).
MORE_THAN_SPAN = 0.15
# A person's action counts as theirs within this many characters of the name.
ACTION_REACH = 40
# A claim date this many days before the article's own date can be the event it reports.
REPORTING_LAG_DAYS = 7


# ------------------------------------------------------------------ numbers

_APPROX = {"about", "around", "approximately"}
_ALMOST = {"almost", "nearly"}
_AT_LEAST = {"more than", "over", "at least"}
_AT_MOST = {"less than", "fewer than", "at most", "up to"}
_CURRENCY = re.compile(
    r"руб|доллар|евро|юан|иен|\$|€|₽|dollar|euro|rouble|ruble|yuan|yen", re.IGNORECASE
)


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
    keys = surname_keys(name)
    for other in evidence.names:
        if any_key(keys, other.keys):
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


def compare_names(claim: Facts, evidence: Facts, context: Context, out: Comparison) -> None:
    claim_keys = [n.keys for n in claim.names]
    unmatched_evidence = [
        n for n in evidence.names if not any(any_key(n.keys, ks) for ks in claim_keys)
    ]
    found_of = {name: _found_in(name, evidence) for name in claim.names}
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
            others = titled  # "вице-губернатор Иван Петров" vs "вице-губернатор Дмитрий Ялов"
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
    if (
        mine is not None
        and theirs is not None
        and mine.kind in EXCLUSIVE_ACTIONS
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
