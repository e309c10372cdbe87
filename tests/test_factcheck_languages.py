"""Verdicts across languages: what a Russian sentence can say about an English claim."""

from __future__ import annotations

from index.embedder import Embedder
from nlp.entities import Entity, english_entities
from rag.factcheck.checker import TRANSLATION, decide
from rag.factcheck.facts import Comparison, Mismatch, extract_facts
from rag.factcheck.translations import NameTranslations
from rag.factcheck.types import ClaimAnalysis, Evidence, Scored, Thresholds

THRESHOLDS = Thresholds(relevant=0.80, support=0.85, refute=0.80, absent=0.90)


def _scored(similarity: float, comparison: Comparison, language: str = "ru") -> Scored:
    evidence = Evidence("a", "a#0", "a", None, "a", "quote", language)
    return Scored(evidence, similarity, comparison, None)


def _verdict(*scored: Scored) -> str:
    return decide(ClaimAnalysis("claim", "en", list(scored)), THRESHOLDS).verdict


def test_a_sentence_in_another_language_confirming_no_value_must_be_a_translation() -> None:
    between = (THRESHOLDS.support + TRANSLATION) / 2
    assert _verdict(_scored(between, Comparison())) == "not_in_corpus"
    assert _verdict(_scored(TRANSLATION + 0.01, Comparison())) == "supported"
    assert _verdict(_scored(between, Comparison(matched=1, anchors=1))) == "supported"
    assert _verdict(_scored(between, Comparison(), language="en")) == "supported"


def test_a_contradiction_across_languages_needs_a_close_sentence() -> None:
    mismatch = [Mismatch("number", "3,000", "4 500")]
    below = (THRESHOLDS.refute + THRESHOLDS.support) / 2
    assert _verdict(_scored(below, Comparison(mismatch, matched=1))) == "not_in_corpus"
    assert _verdict(_scored(THRESHOLDS.support, Comparison(mismatch, matched=1))) == "refuted"
    assert _verdict(_scored(below, Comparison(mismatch, matched=1), language="en")) == "refuted"


def test_a_translated_name_is_the_same_name(embedder: Embedder) -> None:
    """ "Muslim League" and "Мусульманская лига" share no spelling, only a meaning."""
    claim = extract_facts(
        "Iqbal remained active in the Muslim League.",
        "en",
        english_entities("Iqbal remained active in the Muslim League."),
    )
    text = "Икбал оставался членом Мусульманская лига и Республиканская партия."
    entities = [
        Entity("ORG", n, n, text.index(n), text.index(n) + len(n))
        for n in ("Мусульманская лига", "Республиканская партия")
    ]
    sentence = extract_facts(text, "ru", entities)
    pairs = NameTranslations(embedder).pairs(claim, [sentence])
    assert ("Muslim League", "Мусульманская лига") in pairs
    assert ("Muslim League", "Республиканская партия") not in pairs
