"""Optional LLM verdicts for the fact-checker, through any LangChain chat model.

The built-in checker always runs first: it retrieves the evidence sentences and gives its
verdict. The model then judges the claim against those sentences only, numbered, and answers
JSON. Its answer replaces the built-in verdict only when it can be checked: it parses, cites
quotes it was given, and a refutation names a source value found verbatim in a cited quote.
The model can never refute a claim the built-in checker found nothing on (a claim is not false
because the corpus is silent). Any failure or doubtful answer keeps the built-in verdict.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr

from rag.factcheck.facts import MISMATCH_KINDS, Mismatch
from rag.factcheck.types import (
    NOT_IN_CORPUS,
    REFUTED,
    SUPPORTED,
    ClaimAnalysis,
    ClaimVerdict,
    Evidence,
)
from rag.provider_errors import describe_provider_error

log = logging.getLogger(__name__)

# Quotes shown to the model: the built-in verdict's evidence, then other on-topic sentences.
MAX_QUOTES = 6
VERDICTS = (SUPPORTED, REFUTED, NOT_IN_CORPUS)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")

SYSTEM_PROMPT = (
    "You are a fact-checker. Judge the claim using ONLY the numbered quotes given, never your "
    "own knowledge. Reply with one JSON object and nothing else:\n"
    '{{"verdict": "supported" | "refuted" | "not_in_corpus", "evidence": [quote numbers], '
    '"mismatch": null | {{"kind": "...", "claim_value": "...", "source_value": "..."}}}}\n'
    "- supported: the cited quotes state every fact of the claim.\n"
    "- refuted: a cited quote about the same subject states a different value. Give the "
    "mismatch; kind is one of: {kinds}; source_value is copied character for character from "
    "that quote.\n"
    "- not_in_corpus: the quotes neither confirm nor contradict the claim. A fact the quotes "
    "do not mention is not_in_corpus, never refuted.\n"
    "Claim and quotes may be in different languages (Russian, English)."
)


class InvalidAnswer(ValueError):
    """The model's answer cannot be checked against the quotes: the built-in verdict stands."""


def quotes_for(
    analysis: ClaimAnalysis, builtin: ClaimVerdict, relevant: float, limit: int = MAX_QUOTES
) -> list[Evidence]:
    """The sentences the model may cite: what the built-in verdict shows, then the other
    sentences similar enough to be on topic (none: the model is not asked)."""
    out: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    on_topic = [s.evidence for s in analysis.scored if s.similarity >= relevant]
    for e in [*builtin.evidence, *on_topic]:
        if (e.chunk_id, e.quote) not in seen and len(out) < limit:
            seen.add((e.chunk_id, e.quote))
            out.append(e)
    return out


def build_messages(claim: str, quotes: Sequence[Evidence]) -> list[tuple[str, str]]:
    listed = "\n".join(
        f"[{i}] ({e.title or 'untitled'}, {e.date or 'date unknown'}) {e.quote}"
        for i, e in enumerate(quotes, start=1)
    )
    return [
        ("system", SYSTEM_PROMPT.format(kinds=", ".join(MISMATCH_KINDS))),
        ("human", f"Quotes:\n{listed}\n\nClaim: {claim}"),
    ]


def parse_answer(text: str) -> dict[str, Any]:
    """The JSON object of the reply, tolerating a Markdown fence or words around it."""
    text = _FENCE.sub("", text.strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise InvalidAnswer("no JSON object in the reply")
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError as e:
        raise InvalidAnswer(f"unparsable JSON: {e.msg}") from None
    if not isinstance(data, dict):
        raise InvalidAnswer("the reply is not a JSON object")
    return data


def _cited(data: dict[str, Any], quotes: Sequence[Evidence]) -> list[int]:
    raw = data.get("evidence") or []
    if not isinstance(raw, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in raw
    ):
        raise InvalidAnswer("evidence is not a list of quote numbers")
    if any(n < 1 or n > len(quotes) for n in raw):
        raise InvalidAnswer(f"cites a quote that does not exist: {raw} of {len(quotes)}")
    return list(dict.fromkeys(raw))


def _mismatch(data: dict[str, Any], cited: Sequence[Evidence]) -> Mismatch:
    m = data.get("mismatch")
    if not isinstance(m, dict):
        raise InvalidAnswer("a refutation without a mismatch")
    kind, claim_value, source_value = m.get("kind"), m.get("claim_value"), m.get("source_value")
    if kind not in MISMATCH_KINDS:
        raise InvalidAnswer(f"unknown mismatch kind {kind!r}")
    if not (isinstance(claim_value, str) and claim_value.strip()):
        raise InvalidAnswer("the mismatch has no claim value")
    if not (isinstance(source_value, str) and source_value.strip()):
        raise InvalidAnswer("the mismatch has no source value")
    if not any(source_value.strip() in e.quote for e in cited):
        raise InvalidAnswer("the source value is not verbatim in a cited quote")
    return Mismatch(str(kind), claim_value.strip(), source_value.strip())


def judge(reply: str, builtin: ClaimVerdict, quotes: Sequence[Evidence]) -> ClaimVerdict:
    """The model's verdict if every part of it checks out, else InvalidAnswer.

    Agreeing with the built-in verdict keeps its confidence and its other evidence (sources
    that disagree stay visible); overruling it gets confidence 0.5 and only what was cited.
    """
    data = parse_answer(reply)
    verdict = data.get("verdict")
    if verdict not in VERDICTS:
        raise InvalidAnswer(f"unknown verdict {verdict!r}")
    numbers = _cited(data, quotes)
    cited = [quotes[n - 1] for n in numbers]
    mismatches: list[Mismatch] = []
    if verdict == NOT_IN_CORPUS:
        cited = []
    elif not cited:
        raise InvalidAnswer(f"{verdict} without evidence")
    elif verdict == REFUTED:
        if builtin.verdict == NOT_IN_CORPUS:
            raise InvalidAnswer("may not refute what the built-in checker found nothing on")
        mismatches = [_mismatch(data, cited)]
    elif data.get("mismatch"):
        raise InvalidAnswer("supported, yet with a mismatch")
    result = ClaimVerdict(builtin.claim, str(verdict), 0.5, cited, mismatches, mode="llm")
    if verdict == builtin.verdict:
        result.confidence = builtin.confidence
        result.sources_disagree = builtin.sources_disagree
        if verdict != NOT_IN_CORPUS:
            result.evidence = list(dict.fromkeys([*cited, *builtin.evidence]))
            result.mismatches = list(dict.fromkeys([*mismatches, *builtin.mismatches]))
    return result


def llm_verdict(
    chat_model: Any,
    analysis: ClaimAnalysis,
    builtin: ClaimVerdict,
    relevant: float,
    api_key: SecretStr | None = None,
) -> ClaimVerdict:
    """The model's checked verdict, or `builtin` when there is nothing to show it, it fails
    (errors and timeouts, from the model's own `timeout`) or its answer does not check out."""
    quotes = quotes_for(analysis, builtin, relevant)
    if not quotes:
        return builtin
    try:
        reply = chat_model.invoke(build_messages(builtin.claim, quotes))
        return judge(str(getattr(reply, "content", reply)), builtin, quotes)
    except Exception as e:  # any provider failure or bad answer means: the built-in verdict
        # No traceback: provider errors may echo request headers, so only a redacted message.
        log.warning(
            "LLM fact-check failed (%s); keeping the built-in verdict",
            describe_provider_error(e, api_key),
        )
        return builtin
