"""The fact-checking service: text -> claims -> evidence sentences -> verdict per claim.

Built on the answering engine's parts (e5 query embedding, hybrid retriever, sentence vectors,
natasha NER), so checking loads no model of its own. Each claim is compared with the most
similar sentences of the retrieved chunks (`rag.factcheck.compare`); the verdict is:

* `supported`: a sentence similar enough confirms every value of the claim;
* `refuted`: a sentence similar enough states a different value (number, date, name, role,
  country, "not") and none confirms the claim;
* `not_in_corpus`: otherwise. A claim is never called false only because nothing was found.

With a chat model (NEWSBOT_LLM_*), `rag.factcheck.llm_judge` may then replace a verdict with the
model's, only where its answer checks out against the quotes; the verdict's `mode` says which
one spoke.

`analyse` (retrieval, NER, comparison) is separate from `decide` (thresholds only), so the
thresholds can be calibrated on labelled claims without re-running the expensive part.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from cachetools import LRUCache

from index.embedder import Embedder
from index.store import IndexSnapshot
from nlp.dates import parse_date
from nlp.entities import RussianNer, find_entities
from nlp.language import detect_language
from rag.answering.engine import PER_OTHER_LANGUAGE, AnswerEngine, reading_list
from rag.answering.extractive import Candidate, ExtractiveAnswerer
from rag.answering.question import analyse
from rag.errors import EmptyQuestionError
from rag.factcheck.claims import split_claims
from rag.factcheck.compare import compare
from rag.factcheck.facts import Context, Facts, Mismatch, context_of, extract_facts
from rag.factcheck.llm_judge import llm_verdict
from rag.factcheck.translations import NameTranslations
from rag.factcheck.types import (
    NOT_IN_CORPUS,
    REFUTED,
    SEVERITY,
    SUPPORTED,
    CheckReport,
    ClaimAnalysis,
    ClaimVerdict,
    Evidence,
    Scored,
    Thresholds,
)
from rag.retrieval.retriever import HybridRetriever, embed_question
from rag.settings import RagSettings

__all__ = [
    "CheckReport",
    "ClaimVerdict",
    "Evidence",
    "FactChecker",
    "Mismatch",
    "Thresholds",
]

# Evidence sentences shown per verdict (distinct articles).
MAX_EVIDENCE = 3
# Similarity span over which confidence goes from 0.5 (at a threshold) to 1.0.
CONFIDENCE_SPAN = 0.08
# Similarity of a near translation: what supports a claim across languages when no value
# ties the sentence to it. Chosen on the dev half of bench/public_claims.py, where such
# sentences scored 0.925-0.975 under true claims and 0.89-0.927 under absent facts.
TRANSLATION = 0.93
# Kinds of contradiction that count as sources disagreeing: unambiguous values only.
DISAGREEMENT_KINDS = frozenset({"number", "date"})


def _confidence(similarity: float, threshold: float) -> float:
    """0.5 at the threshold, rising linearly to 0.99 a CONFIDENCE_SPAN above or below it."""
    return float(min(0.99, 0.5 + abs(similarity - threshold) / CONFIDENCE_SPAN * 0.5))


def _newest_first(items: Sequence[Scored]) -> list[Scored]:
    return sorted(items, key=lambda s: s.published or date.min, reverse=True)


def _distinct_docs(items: Sequence[Scored], limit: int = MAX_EVIDENCE) -> list[Scored]:
    out: list[Scored] = []
    seen: set[str] = set()
    for s in items:
        if s.evidence.doc_id not in seen:
            seen.add(s.evidence.doc_id)
            out.append(s)
        if len(out) == limit:
            break
    return out


def _mismatches_of(items: Sequence[Scored]) -> list[Mismatch]:
    """The first sentence's mismatches, plus other kinds the next sentences add (a role from
    one article, the person who really signed from another), not their second opinions."""
    out: list[Mismatch] = []
    for i, s in enumerate(items):
        kinds = {m.kind for m in out}
        out += [m for m in s.comparison.mismatches if i == 0 or m.kind not in kinds]
    return list(dict.fromkeys(out))


NAME_KINDS = frozenset({"person", "organisation", "place"})


def _refutes(s: Scored, t: Thresholds, language: str) -> bool:
    """A contradicting sentence: it states the same fact with a value different, so each other
    value of the claim (a participant, a number, a date) must be stated there too, or it names
    someone else in the claim's very role (`linked`); a sentence that is silent on some of the
    claim and differs on the rest is about another fact, and refutes nothing. One
    about something the article never names (the claim's "Tesla") refutes only by naming someone
    else in that very place, and only when it is otherwise as close to the claim as a
    paraphrase (`t.absent`)."""
    c = s.comparison
    if not c.mismatches or s.similarity < t.refute or (c.unverified and not c.linked):
        return False
    if not c.linked and not c.uses_most_words:
        return False  # another fact that shares a value or two with the claim
    if not c.linked and s.evidence.language != language and s.similarity < t.support:
        return False  # across languages only a sentence as close as a confirming one
    named = all(m.kind in NAME_KINDS or m.kind == "role" for m in c.mismatches)
    if c.off_topic:
        # Restating the claim word for word but for that name puts someone else in its place.
        return named and (c.linked or c.restates or s.similarity >= t.absent)
    if c.untranslated and not c.matched:
        return False  # nothing ties it to the claim's (translated) subject
    # A sentence that leaves out the claim's subject may give another subject's number.
    return named or not c.unverified_names


def _disagrees(s: Scored, t: Thresholds) -> bool:
    """A sentence of another article that states every value of the claim, one of them (a
    number or a date) differently: the sources disagree rather than talk about other things."""
    c = s.comparison
    return (
        s.similarity >= t.support
        and c.unverified == 0
        and c.anchors > 0
        and all(m.kind in DISAGREEMENT_KINDS for m in c.mismatches)
    )


def _supports(s: Scored, t: Thresholds, language: str) -> bool:
    """A sentence that confirms every value of the claim; one in another language that
    confirms none (the claim has none, or none it could check) must be a near translation,
    since no content word can be compared across languages."""
    c = s.comparison
    if not c.supports or s.similarity < t.support:
        return False
    return c.matched > 0 or s.evidence.language == language or s.similarity >= TRANSLATION


def decide(analysis: ClaimAnalysis, t: Thresholds) -> ClaimVerdict:
    """The verdict from the compared sentences: pure, cheap, what calibration varies."""
    scored = analysis.scored
    best = max((s.similarity for s in scored), default=0.0)
    relevant = [s for s in scored if s.similarity >= t.relevant]
    supporting = [s for s in relevant if _supports(s, t, analysis.language)]
    refuting = [s for s in relevant if _refutes(s, t, analysis.language)]
    if supporting:
        shown = _distinct_docs(supporting)
        docs = {s.evidence.doc_id for s in supporting}
        against = [s for s in refuting if s.evidence.doc_id not in docs and _disagrees(s, t)]
        verdict = ClaimVerdict(
            analysis.claim,
            SUPPORTED,
            _confidence(supporting[0].similarity, t.support),
            [s.evidence for s in shown],
            [],
        )
        if against:
            both = _newest_first([*shown, *_distinct_docs(against)])
            verdict.evidence = [s.evidence for s in both]
            verdict.mismatches = _mismatches_of(against)
            verdict.sources_disagree = True
            verdict.confidence = 0.5
        return verdict
    if refuting:
        ranked = sorted(
            refuting, key=lambda s: s.similarity + 0.01 * s.comparison.matched, reverse=True
        )
        # The best contradiction, plus other articles only where they add a kind of mismatch.
        shown = _distinct_docs(ranked)
        kinds = {m.kind for m in shown[0].comparison.mismatches}
        shown = [shown[0]] + [
            s for s in shown[1:] if {m.kind for m in s.comparison.mismatches} - kinds
        ]
        return ClaimVerdict(
            analysis.claim,
            REFUTED,
            _confidence(ranked[0].similarity, t.refute),
            [s.evidence for s in shown],
            _mismatches_of(shown),
        )
    if relevant:
        # On topic, yet no sentence confirms or contradicts the claim's values.
        return ClaimVerdict(analysis.claim, NOT_IN_CORPUS, 0.5, [], [])
    return ClaimVerdict(analysis.claim, NOT_IN_CORPUS, _confidence(best, t.relevant), [], [])


def worst(verdicts: Sequence[str]) -> str:
    return max(verdicts, key=lambda v: SEVERITY[v], default=NOT_IN_CORPUS)


# Facts of indexed sentences (NER is the slow part of a check, and the evidence sentences of
# related claims repeat): ~1.6 KB each (measured on the bundled corpus), 32 MB at most.
FACTS_CACHE_SIZE = 20_000
# Article-wide name keys and countries of evidence documents: ~3 KB a 2,600-character article.
CONTEXTS_CACHE_SIZE = 2_000


class FactChecker:
    """Checks texts against the indexed corpus; build once (from the engine), check many."""

    def __init__(
        self,
        settings: RagSettings,
        embedder: Embedder,
        retriever: HybridRetriever,
        answerer: ExtractiveAnswerer,
        ner: RussianNer,
        chat_model: Any = None,
    ) -> None:
        self.settings = settings
        self.thresholds = Thresholds.from_settings(settings)
        self.embedder = embedder
        self.retriever = retriever
        self.answerer = answerer
        self.ner = ner
        self.translations = NameTranslations(embedder)
        self.chat_model = (
            chat_model  # a LangChain chat model: verdicts via rag.factcheck.llm_judge
        )
        # Bounded (the index grows while the bot runs); the answer pool checks claims in several
        # threads at once, and cachetools caches are not thread-safe: one lock for both.
        self._facts: LRUCache[tuple[str, str], Facts] = LRUCache(FACTS_CACHE_SIZE)
        self._contexts: LRUCache[str, Context] = LRUCache(CONTEXTS_CACHE_SIZE)
        self._cache_lock = threading.Lock()

    @classmethod
    def from_engine(cls, engine: AnswerEngine) -> FactChecker:
        """Shares the engine's embedder, retriever, snapshot and NER: no second model load."""
        return cls(
            engine.settings,
            engine.embedder,
            engine.retriever,
            engine.answerer,
            engine.answerer.ner,
            chat_model=engine.chat_model,
        )

    @property
    def snapshot(self) -> IndexSnapshot:
        return self.retriever.snapshot

    # ---------------------------------------------------------------- public API

    def check(self, text: str) -> CheckReport:
        """Claims of `text` with a verdict each; raises EmptyQuestionError on blank input."""
        if not text or not text.strip():
            raise EmptyQuestionError()
        t0 = time.perf_counter()
        language = detect_language(text)
        claims = split_claims(text)
        found = len(claims)
        claims = claims[: self.settings.check_max_claims]
        verdicts = [self._verdict(c) for c in claims]
        report = CheckReport(
            text=text,
            language=language,
            claims=verdicts,
            verdict=worst([v.verdict for v in verdicts]) if verdicts else NOT_IN_CORPUS,
            claims_found=found,
        )
        report.timings_ms["total"] = (time.perf_counter() - t0) * 1000
        return report

    def check_claim(self, claim: str) -> ClaimVerdict:
        """One claim as written (no splitting); what evaluation and the bench measure."""
        if not claim.strip():
            raise EmptyQuestionError()
        return self._verdict(claim)

    def _verdict(self, claim: str) -> ClaimVerdict:
        """The built-in verdict, then the chat model's where one is configured and checks out."""
        analysis = self.analyse(claim)
        verdict = decide(analysis, self.thresholds)
        if self.chat_model is None:
            return verdict

        return llm_verdict(
            self.chat_model,
            analysis,
            verdict,
            self.thresholds.relevant,
            self.settings.llm_api_key,
        )

    # ---------------------------------------------------------------- analysis

    def analyse(self, claim: str) -> ClaimAnalysis:
        """Retrieve, pick the most similar sentences, compare each with the claim."""
        question = analyse(claim)
        qvec, qtokens = embed_question(self.embedder, question.text)
        hits = self.retriever.search(
            question, qvec, k=4 * self.settings.answer_chunks, query_tokens=qtokens
        )
        reading = reading_list(hits, self.settings.answer_chunks, PER_OTHER_LANGUAGE)
        candidates = self.answerer.candidates(question, qvec, reading)
        candidates.sort(key=lambda c: c.similarity, reverse=True)
        claim_facts = self._claim_facts(question.text, question.language)
        chosen: list[tuple[Candidate, Facts]] = []
        seen: set[tuple[str, int]] = set()
        for cand in candidates:
            if cand.key in seen:
                continue
            seen.add(cand.key)
            doc = cand.hit.document
            chosen.append((cand, self._sentence_facts(doc.doc_id, cand.text, doc.language)))
            if len(chosen) == self.settings.check_sentences:
                break
        same = self.translations.pairs(claim_facts, [f for _, f in chosen])
        scored: list[Scored] = []
        for cand, facts in chosen:
            doc = cand.hit.document
            context = self._context(doc.doc_id)
            evidence = Evidence(
                doc_id=doc.doc_id,
                chunk_id=cand.hit.chunk.chunk_id,
                title=doc.title,
                date=doc.date,
                source=doc.source,
                quote=cand.text,
                language=doc.language,
            )
            comparison = compare(claim_facts, facts, context, same)
            scored.append(Scored(evidence, cand.similarity, comparison, context.published))
        return ClaimAnalysis(question.text, question.language, scored)

    def _claim_facts(self, text: str, language: str) -> Facts:
        return extract_facts(text, language, find_entities(text, language, self.ner))

    def _sentence_facts(self, doc_id: str, text: str, language: str) -> Facts:
        """Facts of an indexed sentence, cached: NER is the slow part and sentences repeat."""
        key = (doc_id, text)
        with self._cache_lock:
            facts = self._facts.get(key)
        if facts is None:  # computed outside the lock: two threads may both do it, harmlessly
            facts = extract_facts(text, language, find_entities(text, language, self.ner))
            with self._cache_lock:
                self._facts[key] = facts
        return facts

    def _context(self, doc_id: str) -> Context:
        with self._cache_lock:
            context = self._contexts.get(doc_id)
        if context is None:
            doc = self.snapshot.documents[doc_id]
            context = context_of(doc.text, parse_date(doc.date) if doc.date else None, doc.title)
            with self._cache_lock:
                self._contexts[doc_id] = context
        return context
