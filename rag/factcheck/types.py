"""The fact-checker's records and verdict names, shared by the checker and the LLM judge."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from rag.factcheck.facts import Comparison, Mismatch
from rag.settings import RagSettings

SUPPORTED = "supported"
REFUTED = "refuted"
NOT_IN_CORPUS = "not_in_corpus"
# Worst first: the verdict of a text is the worst of its claims.
SEVERITY = {REFUTED: 2, NOT_IN_CORPUS: 1, SUPPORTED: 0}


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    chunk_id: str
    title: str
    date: str | None
    source: str
    quote: str  # verbatim substring of chunk `chunk_id`
    language: str


@dataclass
class ClaimVerdict:
    claim: str
    verdict: str  # supported | refuted | not_in_corpus
    confidence: float
    evidence: list[Evidence]
    mismatches: list[Mismatch]
    sources_disagree: bool = False
    mode: str = (
        "builtin"  # builtin | llm (the chat model's verdict, checked by rag.factcheck.llm_judge)
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 3),
            "evidence": [asdict(e) for e in self.evidence],
            "mismatches": [asdict(m) for m in self.mismatches],
            "sources_disagree": self.sources_disagree,
            "mode": self.mode,
        }


@dataclass
class CheckReport:
    text: str
    language: str
    claims: list[ClaimVerdict]
    verdict: str  # the worst of the claims' verdicts
    # Claims the text holds; more than len(claims) when only the first ones were checked
    # (RagSettings.check_max_claims). The front end says so in its words.
    claims_found: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "language": self.language,
            "claims": [c.to_json() for c in self.claims],
            "verdict": self.verdict,
        }
        if self.claims_found > len(self.claims):
            out["claims_found"] = self.claims_found
        if self.timings_ms:
            out["timings_ms"] = {k: round(v, 1) for k, v in self.timings_ms.items()}
        return out


@dataclass(frozen=True)
class Thresholds:
    """Similarity cuts of the verdict (see RagSettings.check_*)."""

    relevant: float
    support: float
    refute: float
    absent: float

    @classmethod
    def from_settings(cls, settings: RagSettings) -> Thresholds:
        return cls(
            relevant=settings.check_relevant_above,
            support=settings.check_support_above,
            refute=settings.check_refute_above,
            absent=settings.check_absent_name_above,
        )


@dataclass(frozen=True)
class Scored:
    """One evidence sentence compared with the claim."""

    evidence: Evidence
    similarity: float
    comparison: Comparison
    published: date | None


@dataclass
class ClaimAnalysis:
    """Everything `decide` needs: the compared sentences, most similar first."""

    claim: str
    language: str
    scored: list[Scored]
