"""Which sentence answers a "how many" question: a number of the kind asked, from the
selector's choice or a sentence close enough to the question (pure: candidates are built)."""

from __future__ import annotations

from index.documents import Chunk, Document
from rag.answering.extractive import Candidate, _counting
from rag.answering.question import analyse
from rag.retrieval.hits import Hit

TEXT = (
    "The fund has sold its 4.2 percent stake in the shipping company. "
    "The sale brought in about 1.1 billion dollars. "
    "The fund still holds shares in more than 9,000 companies worldwide."
)
LIMIT = 0.85


def _ranked(similarities: list[float]) -> list[Candidate]:
    """The three sentences in the selector's order, with the given similarities."""
    doc = Document(doc_id="d", title="t", text=TEXT, source="s", language="en")
    hit = Hit(chunk=Chunk("d#0", "d", 0, TEXT, 0, len(TEXT)), document=doc, score=1.0, dense=0.9)
    spans, start = [], 0
    for sentence in TEXT.split(". "):
        begin = TEXT.index(sentence, start)
        spans.append((begin, begin + len(sentence)))
        start = begin + len(sentence)
    pairs = zip(spans, similarities, strict=True)
    return [Candidate(hit, start, end, sim, 0.0) for (start, end), sim in pairs]


def test_the_selectors_choice_answers_when_it_gives_a_number() -> None:
    first, _, companies = _ranked([0.86, 0.78, 0.83])
    ranked = [companies, first]  # the selector chose the companies, less similar
    question = analyse("How many companies does the fund hold shares in?")
    assert _counting(question, companies, ranked, LIMIT)[0] is companies


def test_a_sum_asked_for_is_never_a_share() -> None:
    stake, sale, _ = _ranked([0.88, 0.78, 0.80])
    question = analyse("How much did the sale of the stake bring?")
    assert _counting(question, stake, [stake, sale], LIMIT) == []  # refused, not "4.2 percent"
    sale_close = _ranked([0.88, 0.87, 0.80])[1]
    assert _counting(question, stake, [stake, sale_close], LIMIT) == [sale_close]


def test_a_number_far_from_the_question_answers_only_as_the_choice() -> None:
    stake, sale, companies = _ranked([0.80, 0.70, 0.75])
    question = analyse("How many ships does the company own?")
    assert _counting(question, stake, [stake, sale, companies], LIMIT) == [stake]
