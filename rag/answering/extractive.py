"""The built-in answerer: picks the sentences that answer, never writes facts of its own.

Every sentence it outputs is either a verbatim quote of a cited chunk or a short span
(names, a quantity, a date) lifted from such a quote, with its [n] marker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from index.chunking import passage_text
from index.documents import Document
from index.embedder import Vectors
from index.store import IndexSnapshot
from index.tokens import TokenStates
from nlp.dates import parse_date
from nlp.entities import Entity, RussianNer, find_entities, latin
from nlp.names import find_person, name_keys
from nlp.places import ancestors, find_places, topic_places
from nlp.quantities import find_quantities, render_english
from nlp.roles import role_before, role_of
from nlp.units import quantity_kind
from nlp.when import english_time
from rag.answering.answer import Answer, Citation
from rag.answering.answerability import answerability_features, load_answerability, probability
from rag.answering.question import QType, Question, asked_quantity
from rag.answering.selector import CROSS_LANGUAGE_OFFSET, load_selector, views_of
from rag.answering.sentence_features import feature_matrix
from rag.answering.sentence_tokens import (
    chunk_offset,
    known_middles,
    sentence_match,
    token_middles,
)
from rag.answering.spans import Span, candidate_spans, choose_span
from rag.retrieval.hits import Hit


@dataclass(frozen=True)
class Ranking:
    """The candidate sentences best first, the names found in the first few, and the
    selector's features of each (in the same order)."""

    ranked: list[Candidate]
    entities: dict[tuple[str, int], list[Entity]]
    features: npt.NDArray[np.float64]


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    start: int  # offsets inside hit.chunk.text
    end: int
    similarity: float  # cosine between question and sentence, language offset added
    score: float
    token_match: float = 0.0  # the question's token maxsim on this sentence (sentence_tokens.py)

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start : self.end]

    @property
    def key(self) -> tuple[str, int]:
        """Position in the document, so overlapping chunks do not repeat a sentence."""
        return self.hit.document.doc_id, self.hit.chunk.start + self.start


# A question about places ("…Ленинградская область … с Китаем?") is not answered by an article
# that misses one of them (or anything in it): such sentences count this much less similar.
PLACE_MISS_PENALTY = 0.03
MAX_NER_SENTENCES = 6
# Sentences searched for the role of the person a "who is X?" question names.
MAX_DESCRIBE_SENTENCES = 12
# Documents whose places are kept (~0.8 KB each, measured): the retrieved articles of recent
# questions; past it the least recently read is dropped and found again on demand.
PLACES_CACHE_SIZE = 10_000


class ExtractiveAnswerer:
    """Answers from the sentences of retrieved chunks, using the index's sentence vectors.

    `hits` must come from `snapshot` (the vectors were embedded when it was built).
    """

    def __init__(
        self,
        snapshot: IndexSnapshot,
        ner: RussianNer,
        token_spans: Callable[[str], list[tuple[int, int]]] | None = None,
    ) -> None:
        self._snapshot = snapshot
        self._ner = ner
        # The embedder's `passage_token_spans` (None: it keeps no token states).
        self._token_spans = token_spans
        self._places: LRUCache[str, frozenset[str]] = LRUCache(PLACES_CACHE_SIZE)
        self._places_lock = threading.Lock()  # answer threads share it; cachetools is not safe

    @property
    def ner(self) -> RussianNer:
        """The NER it runs (the fact-checker shares it rather than loading natasha twice)."""
        return self._ner

    def candidates(
        self,
        question: Question,
        question_vector: Vectors,
        hits: Sequence[Hit],
        query_tokens: TokenStates | None = None,
    ) -> list[Candidate]:
        """Every sentence of `hits`, scored by similarity (and token match, given the
        question's token states)."""
        spans: list[tuple[Hit, int, int]] = []
        rows: list[int] = []
        seen: set[int] = set()  # sentence rows: overlapping chunks share sentences
        for hit in hits:
            for start, end, row in self._snapshot.sentences_in(hit.chunk):
                if row in seen or end - start < 12:
                    continue
                seen.add(row)
                spans.append((hit, start, end))
                rows.append(row)
        if not spans:
            return []
        vectors = self._snapshot.sentence_vectors[rows]
        sims = vectors @ question_vector.reshape(-1)
        asked_places = set(topic_places(question.text)[0])
        matches = self._token_matches(query_tokens, spans)
        out = []
        for (h, s, e), raw, match in zip(spans, sims, matches, strict=True):
            offset = 0.0 if h.document.language == question.language else CROSS_LANGUAGE_OFFSET
            if not asked_places <= self._places_of(h.document):
                offset -= PLACE_MISS_PENALTY
            sim = float(raw) + offset
            out.append(
                Candidate(
                    hit=h,
                    start=s,
                    end=e,
                    similarity=sim,
                    score=0.0,  # the selector's, set by `rank`
                    token_match=match,
                )
            )
        return out

    def _token_matches(
        self, query_tokens: TokenStates | None, spans: Sequence[tuple[Hit, int, int]]
    ) -> list[float]:
        """Each sentence's token maxsim with the question (0 where no states are kept)."""
        tokens = self._snapshot.tokens
        if (
            query_tokens is None
            or not len(query_tokens)
            or tokens is None
            or not self._token_spans
        ):
            return [0.0] * len(spans)
        per_chunk: dict[str, tuple[TokenStates, npt.NDArray[np.float64], int]] = {}
        out = []
        for hit, start, end in spans:
            chunk = hit.chunk
            if chunk.chunk_id not in per_chunk:
                row = self._snapshot.row_of(chunk.chunk_id)
                stored = tokens.middles_of(row)
                if stored is not None:
                    middles = known_middles(stored)
                else:  # an index written before it stored the token places
                    title = hit.document.title
                    middles = token_middles(self._token_spans(passage_text(title, chunk.text)))
                shift = chunk_offset(hit.document.title)
                per_chunk[chunk.chunk_id] = tokens.states(row), middles, shift
            states, middles, shift = per_chunk[chunk.chunk_id]
            out.append(sentence_match(query_tokens, states, middles, shift + start, shift + end))
        return out

    def answer(
        self,
        question: Question,
        question_vector: Vectors,
        hits: Sequence[Hit],
        threshold: float,
        *,
        query_tokens: TokenStates | None,
    ) -> Answer:
        ranking = self.rank(question, question_vector, hits, query_tokens=query_tokens)
        ranked, entities = ranking.ranked, ranking.entities
        if not ranked:
            return refusal(question, hits)
        if question.described:
            described = describe(question, question.described, ranked)
            if described is not None:
                return described
        best = ranked[0]
        limit = threshold
        closest = max(c.similarity for c in ranked)
        if not self.is_answerable(question, ranking):
            return refusal(question, hits, confidence=closest)
        if question.qtype is QType.HOW_MANY:
            counted = _counting(question, best, ranked, limit)
            if not counted:
                return refusal(question, hits, confidence=closest)
            best = counted[0]
        # "Who is X?" wants X's role, which no sentence in reach gave: a name is no answer.
        direct = None
        if not question.described:
            found = entities[best.key] or self._entities(best)
            direct = direct_answer(question, best, found)
        chosen = [best]
        # A second source is cited only where it states the very same fact: a short answer
        # (names, a number, a date) lifted from both sentences alike. Any other second sentence
        # would be a citation that does not back the answer it is attached to.
        if direct is not None:
            for cand in ranked[1:MAX_NER_SENTENCES]:
                if cand.hit.document.doc_id == best.hit.document.doc_id:
                    continue
                if cand.similarity < max(limit, best.similarity - 0.03):
                    continue
                found = entities[cand.key] or self._entities(cand)
                if states_same(direct[1], cand, found):
                    chosen.append(cand)
                    break
        citations = [_citation(i + 1, c) for i, c in enumerate(chosen)]
        short = direct[0] if direct is not None else None
        text, quoted_language, published = compose(question, best, short, chosen, hits)
        return Answer(
            question=question.text,
            language=question.language,
            answered=True,
            answer=text,
            citations=citations,
            confidence=closest,
            quoted_language=quoted_language,
            published=published,
        )

    def rank(
        self,
        question: Question,
        question_vector: Vectors,
        hits: Sequence[Hit],
        *,
        query_tokens: TokenStates | None,
    ) -> Ranking:
        """Sentences best first, by the learned selector (`selector.py`, trained on public QA)."""
        cands = self.candidates(question, question_vector, hits, query_tokens)
        features = feature_matrix(question, views_of(question, cands, hits))
        scores = load_selector().scores(features)
        order = np.argsort(-scores, kind="stable")
        ranked = [replace(cands[i], score=float(scores[i])) for i in order]
        # NER costs milliseconds per sentence: run it only on the few best sentences, where a
        # name can be the short answer or back a second source.
        entities: dict[tuple[str, int], list[Entity]] = {c.key: [] for c in ranked}
        if question.qtype in (QType.WHO, QType.WHERE):
            for c in ranked[:MAX_NER_SENTENCES]:
                entities[c.key] = self._entities(c)
        return Ranking(ranked, entities, features[order])

    def is_answerable(self, question: Question, ranking: Ranking) -> bool:
        """Whether the corpus answers, at the cut chosen when the model was trained."""
        return self.answerability(question, ranking) >= (load_answerability().threshold or 0.5)

    def answerability(self, question: Question, ranking: Ranking) -> float:
        """The probability that these sentences answer the question (`answerability.py`)."""
        if not ranking.ranked:
            return 0.0
        return probability(load_answerability(), self.answerability_row(question, ranking))

    def answerability_row(self, question: Question, ranking: Ranking) -> npt.NDArray[np.float64]:
        """The answerability model's features of a non-empty ranking."""
        ranked = ranking.ranked
        return answerability_features(
            [c.similarity for c in ranked],
            np.array([c.score for c in ranked]),
            ranking.features,
            question_has_names=bool(name_keys(question.text)),
            cross_language=ranked[0].hit.document.language != question.language,
            documents=[c.hit.document.doc_id for c in ranked],
        )

    def _places_of(self, document: Document) -> frozenset[str]:
        """Every place the article names, with the regions and countries they lie in."""
        with self._places_lock:
            found = self._places.get(document.doc_id)
        if found is None:
            mentions = find_places(f"{document.title}\n{document.text}")
            found = frozenset(p for m in mentions for p in ancestors(m.place))
            with self._places_lock:
                self._places[document.doc_id] = found
        return found

    def _entities(self, cand: Candidate) -> list[Entity]:
        return find_entities(cand.text, cand.hit.document.language, self._ner)


def _counting(
    question: Question, best: Candidate, ranked: Sequence[Candidate], limit: float
) -> list[Candidate]:
    """The sentences that can answer a "how many" question, best first: those giving a number of
    the kind it asks for (a sum, a share, else any) that are the selector's choice or close
    enough to be on the question at all.

    Why: the choice itself used to need that closeness too, so "how many companies ..." got a
    more similar sentence's percentage instead of the chosen "more than 9,000 companies"; and
    "how much did the sale bring?" got a "4.2 percent stake".
    """
    kind = asked_quantity(question.text)

    def gives(c: Candidate) -> bool:
        found = find_quantities(c.text)
        return any(quantity_kind(q, c.text) == kind for q in found) if kind else bool(found)

    return [c for c in ranked if (c is best or c.similarity >= limit) and gives(c)]


def describe(question: Question, person: str, ranked: Sequence[Candidate]) -> Answer | None:
    """ "Who is X?" answered with the role the best sentence naming X gives X ("мэр Москвы").

    A sentence that names the very person and says what they are answers the question, however
    short the question and so however low its similarity: the name match is the evidence.
    """
    for cand in ranked[:MAX_DESCRIBE_SENTENCES]:
        span = find_person(cand.text, person)
        role = role_of(cand.text, *span) if span is not None else None
        if role is None:
            continue
        return Answer(
            question=question.text,
            language=question.language,
            answered=True,
            answer=f"{person} — {role} [1].",
            citations=[_citation(1, cand)],
            confidence=cand.similarity,
            quoted_language=None,
            published=None,
        )
    return None


def _citation(n: int, cand: Candidate) -> Citation:
    doc = cand.hit.document
    return Citation(
        n=n,
        chunk_id=cand.hit.chunk.chunk_id,
        doc_id=doc.doc_id,
        title=doc.title,
        date=doc.date,
        source=doc.source,
        quote=cand.text,
        language=doc.language,
    )


def _name(entity: Entity, question: Question, source_language: str, sentence: str) -> str:
    """The name in the question's script; a Russian answer adds the role the source gives."""
    if question.language == "en" and source_language == "ru":
        rendered = latin(entity.normal)
        return rendered if rendered == entity.normal else f"{rendered} ({entity.normal})"
    if question.language == "ru" and source_language == "ru" and entity.kind == "PER":
        role = role_before(sentence, entity.start)
        if role:
            return f"{entity.normal} ({role})"
    return entity.normal


def _join(items: Sequence[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    conj = " и " if language == "ru" else " and "
    return ", ".join(items[:-1]) + conj + items[-1]


def render_spans(
    question: Question, spans: Sequence[Span], source_language: str, sentence: str
) -> str:
    """The short answer in the question's script: Latin names, English numbers and dates for
    an English question over a Russian source (the original in brackets), a Russian answer's
    person with the role the source gives."""
    out: list[str] = []
    to_english = question.language == "en" and source_language == "ru"
    for span in spans:
        if span.entity is not None:
            out.append(_name(span.entity, question, source_language, sentence))
        elif span.quantity is not None and to_english:
            out.append(f"{render_english(span.quantity)} ({span.text})")
        elif span.kind == "TIME" and to_english:
            out.append(f"{english_time(span.text)} ({span.text})")
        else:
            out.append(span.text)
    return _join(list(dict.fromkeys(out)), question.language)


def direct_answer(
    question: Question,
    best: Candidate,
    entities: Sequence[Entity],
) -> tuple[str, list[Span]] | None:
    """The short span of the best sentence the span reader (`spans.py`) takes, rendered, and
    the spans it is made of; None where the sentence itself answers."""
    src_lang = best.hit.document.language
    cross = src_lang != question.language
    spans = choose_span(question, best.text, entities, cross)
    if not spans:
        return None
    return render_spans(question, spans, src_lang, best.text), spans


def states_same(spans: Sequence[Span], cand: Candidate, entities: Sequence[Entity]) -> bool:
    """Whether another sentence gives the very spans of the short answer (the same names in any
    case, the same numbers and dates), so that it backs that answer as a second source."""
    others = candidate_spans(cand.text, entities)
    for span in spans:
        want = span.entity.normal if span.entity is not None else span.text
        if not any(
            o.kind == span.kind and (o.entity.normal if o.entity else o.text) == want
            for o in others
        ):
            return False
    return True


def compose(
    question: Question,
    best: Candidate,
    direct: str | None,
    chosen: Sequence[Candidate],
    hits: Sequence[Hit],
) -> tuple[str, str | None, str | None]:
    """The engine's answer text, the language of a quote in another language than the
    question's (None otherwise), and the source's ISO date where a "when" question is answered
    by a sentence without a date of its own; the front end says the words around them."""
    markers = "".join(f"[{i + 1}]" for i in range(len(chosen)))
    source_language = best.hit.document.language
    quoted_language = None
    if direct:
        text = f"{direct} {markers}."
    elif source_language == question.language:
        text = f"{best.text.rstrip()} {markers}"
    else:
        quoted_language = source_language
        text = f"{markers}: «{best.text.strip()}»"
    published = None
    if question.qtype is QType.WHEN and not direct and best.hit.document.date:
        day = parse_date(best.hit.document.date)
        published = day.isoformat() if day else None
    return text, quoted_language, published


def refusal(question: Question, hits: Sequence[Hit], confidence: float = 0.0) -> Answer:
    topics: list[str] = []
    for hit in hits:
        title = hit.document.title
        if title not in topics:
            topics.append(title)
        if len(topics) == 3:
            break
    return Answer(
        question=question.text,
        language=question.language,
        answered=False,
        answer="",
        closest_topics=topics,
        confidence=confidence,
    )
