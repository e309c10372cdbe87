"""The optional LLM verdicts: a scripted LangChain fake chat model, no network.

Only answers that check out against the numbered quotes replace the built-in verdict; every
other answer (bad citation, invented source value, garbage, an exception) leaves it in place.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any, cast

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import SecretStr

from bot.formatting import check_plain
from index.settings import IndexSettings
from rag.answering.engine import AnswerEngine
from rag.factcheck.checker import FactChecker
from rag.factcheck.facts import Comparison, Mismatch
from rag.factcheck.llm_judge import build_messages, llm_verdict
from rag.factcheck.types import ClaimAnalysis, ClaimVerdict, Evidence, Scored
from rag.settings import RagSettings

CLAIM = "The Moscow Accelerator attracted 10,000 applications"
QUOTES = [
    Evidence("innobiz", "innobiz#0", "Innobiz", "2020-09-21", "innobiz.txt",
             "Московский акселератор привлёк более 4,5 тыс. заявок.", "ru"),
    Evidence("zgc", "zgc#0", "ZGC", "2020-09-20", "zgc.txt",
             "Соглашение подписал руководитель МИК Анатолий Валетов.", "ru"),
]  # fmt: skip
NUMBER = Mismatch("number", "10,000", "более 4,5 тыс.")
RELEVANT = 0.83


def _analysis(similarity: float = 0.9) -> ClaimAnalysis:
    return ClaimAnalysis(CLAIM, "en", [Scored(q, similarity, Comparison(), None) for q in QUOTES])


def _builtin(verdict: str = "refuted") -> ClaimVerdict:
    if verdict == "refuted":
        return ClaimVerdict(CLAIM, "refuted", 0.9, [QUOTES[0]], [NUMBER])
    if verdict == "supported":
        return ClaimVerdict(CLAIM, "supported", 0.8, [QUOTES[0]], [])
    return ClaimVerdict(CLAIM, "not_in_corpus", 0.5, [], [])


def _answer(verdict: str, evidence: list[int], mismatch: dict[str, str] | None = None) -> str:
    return json.dumps({"verdict": verdict, "evidence": evidence, "mismatch": mismatch})


def _model(*replies: str) -> FakeListChatModel:
    return FakeListChatModel(responses=list(replies))


class _Failing(FakeListChatModel):
    """A provider that times out, echoing its key in the message as some clients do."""

    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise TimeoutError("request timed out (Authorization: Bearer sk-secret-123)")


def test_a_valid_refutation_is_used_and_marked_llm() -> None:
    reply = _answer("refuted", [1], {"kind": "number", "claim_value": "10,000",
                                     "source_value": "4,5 тыс."})  # fmt: skip
    verdict = llm_verdict(_model(reply), _analysis(), _builtin("not_in_corpus"), RELEVANT)
    # The built-in said "not in corpus": the model may not refute that.
    assert verdict.mode == "builtin" and verdict.verdict == "not_in_corpus"

    verdict = llm_verdict(_model(reply), _analysis(), _builtin("supported"), RELEVANT)
    assert (verdict.verdict, verdict.mode, verdict.confidence) == ("refuted", "llm", 0.5)
    assert verdict.evidence == [QUOTES[0]]
    assert verdict.mismatches == [Mismatch("number", "10,000", "4,5 тыс.")]
    data = verdict.to_json()
    assert data["mode"] == "llm" and data["mismatches"][0]["source_value"] == "4,5 тыс."


def test_agreeing_with_the_builtin_verdict_keeps_its_confidence_and_evidence() -> None:
    reply = f"```json\n{_answer('refuted', [1], dataclasses.asdict(NUMBER))}\n```"
    verdict = llm_verdict(_model(reply), _analysis(), _builtin("refuted"), RELEVANT)
    assert (verdict.verdict, verdict.mode, verdict.confidence) == ("refuted", "llm", 0.9)
    assert verdict.mismatches == [NUMBER] and verdict.evidence == [QUOTES[0]]


def test_a_valid_supported_answer_is_used() -> None:
    verdict = llm_verdict(
        _model(_answer("supported", [2, 2])), _analysis(), _builtin("not_in_corpus"), RELEVANT
    )
    assert (verdict.verdict, verdict.mode) == ("supported", "llm")
    assert verdict.evidence == [QUOTES[1]] and verdict.mismatches == []


def test_the_prompt_numbers_the_quotes_and_demands_json() -> None:
    system, human = (text for _, text in build_messages(CLAIM, QUOTES))
    assert "ONLY" in system and '"verdict"' in system and "never refuted" in system
    assert "[1] (Innobiz, 2020-09-21) Московский" in human and "[2] (ZGC" in human
    assert human.endswith(f"Claim: {CLAIM}")


@pytest.mark.parametrize(
    "reply",
    [
        _answer("supported", [3]),  # quote 3 does not exist
        _answer("supported", [0]),
        _answer(
            "refuted", [1], {"kind": "number", "claim_value": "10,000", "source_value": "2 тыс."}
        ),  # not in the quotes
        _answer("refuted", [2], dataclasses.asdict(NUMBER)),  # not in the *cited* quote
        _answer("refuted", [1], {"kind": "vibes", "claim_value": "a", "source_value": "4,5"}),
        _answer("refuted", [1]),  # refuted without a mismatch
        _answer("supported", []),  # supported without evidence
        _answer("supported", [1], dataclasses.asdict(NUMBER)),  # contradicts itself
        _answer("false", [1]),
        json.dumps({"verdict": "supported", "evidence": ["1"]}),
        json.dumps({"verdict": "supported", "evidence": [True]}),
        "I think the claim is probably wrong.",
        "{not json at all",
        "[1, 2]",
        "",
    ],
)
def test_answers_that_do_not_check_out_keep_the_builtin_verdict(
    reply: str, caplog: pytest.LogCaptureFixture
) -> None:
    builtin = _builtin("refuted")
    with caplog.at_level(logging.WARNING, logger="rag.factcheck.llm_judge"):
        verdict = llm_verdict(_model(reply), _analysis(), builtin, RELEVANT)
    assert verdict is builtin and verdict.mode == "builtin"
    assert "keeping the built-in verdict" in caplog.text


def test_an_exception_keeps_the_builtin_verdict_and_the_key_out_of_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    builtin = _builtin("supported")
    with caplog.at_level(logging.WARNING, logger="rag.factcheck.llm_judge"):
        verdict = llm_verdict(
            _Failing(responses=[]), _analysis(), builtin, RELEVANT, SecretStr("sk-secret-123")
        )
    assert verdict is builtin
    assert "TimeoutError" in caplog.text and "sk-secret-123" not in caplog.text
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_not_in_corpus_is_never_turned_into_refuted() -> None:
    refutation = _answer("refuted", [1], dataclasses.asdict(NUMBER))
    # Evidence on topic, but the built-in checker found no contradiction.
    assert (
        llm_verdict(_model(refutation), _analysis(), _builtin("not_in_corpus"), RELEVANT).verdict
        == "not_in_corpus"
    )
    # Nothing retrieved at all: the model is not even asked.
    model = _model(refutation)
    verdict = llm_verdict(model, _analysis(0.5), _builtin("not_in_corpus"), RELEVANT)
    assert verdict.verdict == "not_in_corpus" and model.i == 0
    # Its own "not in corpus" is a valid answer and shows no evidence.
    verdict = llm_verdict(
        _model(_answer("not_in_corpus", [])), _analysis(), _builtin("supported"), RELEVANT
    )
    assert (verdict.verdict, verdict.mode, verdict.evidence) == ("not_in_corpus", "llm", [])


class _CannedChecker(FactChecker):
    """The checker's LLM hook over a fixed analysis: no model, no index."""

    def __init__(self, chat_model: Any) -> None:
        none = cast(Any, None)
        super().__init__(RagSettings(), none, none, none, none, chat_model=chat_model)

    def analyse(self, claim: str) -> ClaimAnalysis:
        refuting = Comparison([NUMBER], matched=1, anchors=1)
        return ClaimAnalysis(claim, "en", [Scored(QUOTES[0], 0.95, refuting, None)])


def test_the_checker_uses_the_model_only_when_it_has_one() -> None:
    builtin = _CannedChecker(None).check(CLAIM)
    assert builtin.claims[0].verdict == "refuted" and builtin.claims[0].mode == "builtin"
    assert builtin.to_json()["claims"][0]["mode"] == "builtin"

    reply = _answer("refuted", [1], dataclasses.asdict(NUMBER))
    report = _CannedChecker(_model(reply)).check(CLAIM)
    assert report.claims[0].mode == "llm" and report.verdict == "refuted"
    assert "LLM)" in check_plain(report, "en")
    assert _CannedChecker(_model("garbage")).check_claim(CLAIM).mode == "builtin"


@pytest.mark.slow
def test_from_engine_passes_the_chat_model_over_real_evidence(
    bundled_index: tuple[IndexSettings, AnswerEngine],
) -> None:
    """Real retrieval: the model is shown the contradicting Russian sentence and cites it."""
    _, engine = bundled_index
    reply = _answer("refuted", [1], {"kind": "number", "claim_value": "3,000",
                                     "source_value": "4,5 тыс."})  # fmt: skip
    checker = FactChecker.from_engine(dataclasses.replace(engine, chat_model=_model(reply)))
    # "более 4,5 тыс." excludes 3,000, so the built-in reading shows that sentence too
    verdict = checker.check_claim("The Moscow Accelerator attracted 3,000 applications")
    assert (verdict.verdict, verdict.mode) == ("refuted", "llm")
    assert "4,5 тыс." in verdict.evidence[0].quote
    assert verdict.mismatches[0] == Mismatch("number", "3,000", "4,5 тыс.")
