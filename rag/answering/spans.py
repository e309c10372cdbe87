"""The learned span reader: which short span of the answering sentence answers the question.

Why: the short answer used to be the first name, number or date of the question's type, by a
rule per type written while reading the bundled articles; on other news it gave a percentage
for "how many firms", the question's own subject for "who else", a date for a weight. Here
the candidates are every name, quantity and time expression of the sentence, plus "no short
answer" (the sentence itself is the answer), and one is chosen by a conditional logit over
general features: which kind of span each question type takes (learned, not listed), how
close the span sits to the question's words in the sentence, whether it repeats them. Trained
on public QA with gold spans by `bench/train_span_reader.py`, reported there on XQuAD
articles it never saw; the weights are `data/span_reader.json` beside this file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nlp.entities import Entity
from nlp.morph import lemma
from nlp.names import name_keys
from nlp.places import find_places
from nlp.quantities import Quantity, find_quantities
from nlp.roles import role_before
from nlp.when import TIME_EXPRESSION
from rag.answering.question import QType, Question
from rag.answering.ranker import LinearRanker, load_ranker
from rag.answering.sentence_features import content_stems

SPAN_READER_PATH = Path(__file__).with_name("data") / "span_reader.json"

KINDS = ("PER", "ORG", "LOC", "NAME", "QTY", "TIME")
_QTYPES = tuple(QType)
SPAN_FEATURES = (
    *(f"{kind}_{qtype.value}" for kind in KINDS for qtype in _QTYPES),
    *(f"none_{qtype.value}" for qtype in _QTYPES),
    "asked_overlap",  # share of the span's words the question has (its subject repeated)
    "near_asked",  # 1 / (1 + words between the span and the nearest word of the question)
    "window_overlap",  # share of the question's words within a few words of the span
    "asked_noun",  # a quantity of the very thing the question names ("how many engineers")
    "first_of_kind",  # the first span of its kind in the sentence
    "position",  # where the span starts, as a share of the sentence
    "log_words",  # log(1 + words in the span)
    "cross_span",  # a span of a sentence in another language than the question's
)
_COLUMN = {name: i for i, name in enumerate(SPAN_FEATURES)}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_BARE_YEAR = re.compile(r"(?<![\d.,])(?:1[0-9]|20)\d\d(?![\d.,])")
# Words either side of a span that count as its context.
WINDOW_WORDS = 4
# Between two names that answer together: "A и B", "A, B and C" (the second may carry its role:
# "A и председатель совета директоров B").
_COORDINATION = re.compile(r"\s*(?:,|,?\s+(?:и|and|а также|as well as))\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """One candidate short answer: offsets inside the sentence and what it is."""

    kind: str  # one of KINDS
    start: int
    end: int
    text: str
    entity: Entity | None = None
    quantity: Quantity | None = None


def _overlaps(a: Span, taken: Sequence[Span]) -> bool:
    return any(a.start < b.end and b.start < a.end for b in taken)


def _time_spans(sentence: str) -> list[Span]:
    times: list[Span] = []
    for m in TIME_EXPRESSION.finditer(sentence):
        text = m.group(0).rstrip()
        times.append(Span("TIME", m.start(), m.start() + len(text), text))
    for m in _BARE_YEAR.finditer(sentence):
        year = Span("TIME", m.start(), m.end(), m.group(0))
        if not _overlaps(year, times):
            times.append(year)
    return times


def candidate_spans(sentence: str, entities: Sequence[Entity]) -> list[Span]:
    """Time expressions and bare years, then names (natasha's kinds, or NAME; an English name
    that is a known place is LOC) and quantities that are not part of a date; by position."""
    times = _time_spans(sentence)
    spans = list(times)
    for e in entities:
        kind = e.kind
        if kind == "NAME" and find_places(e.normal):
            kind = "LOC"
        span = Span(kind if kind in KINDS else "NAME", e.start, e.end, e.text, entity=e)
        if not _overlaps(span, times):  # "September" of a date is no name
            spans.append(span)
    for q in find_quantities(sentence):
        span = Span("QTY", q.start, q.end, q.text, quantity=q)
        if not _overlaps(span, times):
            spans.append(span)
    return sorted(spans, key=lambda s: (s.start, -s.end))


def named_in_question(span: Span, question: Question) -> bool:
    """The question's own subject, in either script ("Kazan" for "…в Казани?"), is not an
    answer to it: every word of the span is a word, a place or a name key of the question."""
    written = span.entity.normal if span.entity is not None else span.text
    stems = content_stems(written)
    if stems and stems <= content_stems(question.text):
        return True
    if span.kind in ("QTY", "TIME"):
        return False
    places = {m.place for m in find_places(written)}
    if places and places <= {m.place for m in find_places(question.text)}:
        return True
    keys = set(name_keys(written))
    return bool(keys) and keys <= set(name_keys(question.text))


def _word_positions(sentence: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower()[:5]) for m in _WORD.finditer(sentence)]


def span_features(
    question: Question,
    sentence: str,
    spans: Sequence[Span],
    cross_language: bool,
) -> npt.NDArray[np.float64]:
    """One row per span, then a last row for "no short answer"; columns as SPAN_FEATURES."""
    out = np.zeros((len(spans) + 1, len(SPAN_FEATURES)), dtype=np.float64)
    qtype = question.qtype.value
    out[len(spans), _COLUMN[f"none_{qtype}"]] = 1.0
    asked = content_stems(question.text)
    asked_lemmas = {lemma(w) for w in _WORD.findall(question.text)}
    words = _word_positions(sentence)
    hits = [i for i, (_, _, stem) in enumerate(words) if stem in asked]
    seen_kinds: set[str] = set()
    for row, span in zip(out, spans, strict=False):
        row[_COLUMN[f"{span.kind}_{qtype}"]] = 1.0
        inside = [i for i, (s, e, _) in enumerate(words) if s < span.end and span.start < e]
        first = inside[0] if inside else 0
        last = inside[-1] if inside else 0
        stems = {words[i][2] for i in inside}
        row[_COLUMN["asked_overlap"]] = len(stems & asked) / len(stems) if stems else 0.0
        outside = [i for i in hits if i < first or i > last]
        if outside:
            gap = min(first - i if i < first else i - last for i in outside)
            row[_COLUMN["near_asked"]] = 1.0 / gap
        window = {
            words[i][2]
            for i in range(max(0, first - WINDOW_WORDS), min(len(words), last + WINDOW_WORDS + 1))
            if i < first or i > last
        }
        row[_COLUMN["window_overlap"]] = len(window & asked) / len(asked) if asked else 0.0
        q = span.quantity
        if q is not None and q.noun and lemma(q.noun) in asked_lemmas:
            row[_COLUMN["asked_noun"]] = 1.0
        if span.kind not in seen_kinds:
            row[_COLUMN["first_of_kind"]] = 1.0
            seen_kinds.add(span.kind)
        row[_COLUMN["position"]] = span.start / max(len(sentence), 1)
        row[_COLUMN["log_words"]] = math.log(1 + max(len(inside), 1))
        row[_COLUMN["cross_span"]] = float(cross_language)
    return out


def load_span_reader(path: Path = SPAN_READER_PATH) -> LinearRanker:
    """The committed weights of `bench/train_span_reader.py --write`."""
    return load_ranker(path, SPAN_FEATURES)


def choose_span(
    question: Question,
    sentence: str,
    entities: Sequence[Entity],
    cross_language: bool,
) -> list[Span]:
    """The span that answers with the names coordinated with it ("A и B"), or [] where the
    sentence itself is the better answer: no span is likely enough (a wrong short answer
    misleads more than the whole sentence, which holds the answer and its context)."""
    spans = [s for s in candidate_spans(sentence, entities) if not named_in_question(s, question)]
    if not spans:
        return []
    reader = load_span_reader()
    features = span_features(question, sentence, spans, cross_language)
    return decide(reader, features, sentence, spans, reader.threshold or 0.0)


def decide(
    reader: LinearRanker,
    features: npt.NDArray[np.float64],
    sentence: str,
    spans: Sequence[Span],
    threshold: float,
) -> list[Span]:
    """The most probable span with the names coordinated with it, if together they are at
    least `threshold` likely and likelier than "no short answer"; else []. Listed names share
    the mass (two signers listed together are each about half likely), so it is summed."""
    if not spans:
        return []
    p = reader.probabilities(features)
    best = int(np.argmax(p[:-1]))
    group = coordinated(sentence, spans, best)
    mass = sum(float(p[i]) for i, s in enumerate(spans) if s in group)
    if mass < max(threshold, float(p[-1])):
        return []
    return group


def _listed_together(sentence: str, left: Span, right: Span) -> bool:
    gap = sentence[left.end : right.start]
    m = _COORDINATION.match(gap)
    if m is None:
        return False
    rest = gap[m.end() :].strip()
    return not rest or role_before(sentence, right.start) == rest


def coordinated(sentence: str, spans: Sequence[Span], best: int) -> list[Span]:
    """The chosen name with the names of its kind listed beside it in the sentence (names of
    other kinds inside a listed one's role, "… директор компании Альфа Иван Сидоров", are
    passed over)."""
    chosen = spans[best]
    if chosen.entity is None:
        return [chosen]
    same = [s for s in spans if s.kind == chosen.kind]
    at = same.index(chosen)
    group = [chosen]
    for step in (-1, 1):
        i, edge = at + step, chosen
        while 0 <= i < len(same):
            left, right = (same[i], edge) if step < 0 else (edge, same[i])
            if not _listed_together(sentence, left, right):
                break
            group.append(same[i])
            edge = same[i]
            i += step
    return sorted(group, key=lambda s: s.start)
