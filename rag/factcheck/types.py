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
    note: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "language": self.language,
            "claims": [c.to_json() for c in self.claims],
            "verdict": self.verdict,
        }
        if self.note:
            out["note"] = self.note
        if self.timings_ms:
            out["timings_ms"] = {k: round(v, 1) for k, v in self.timings_ms.items()}
        return out

    def to_text(self) -> str:
        """Plain-text rendering for the terminal: verdict per claim, mismatches, quotes."""
        ru = self.language == "ru"
        labels = (
            {SUPPORTED: "подтверждается", REFUTED: "опровергается", NOT_IN_CORPUS: "нет в корпусе"}
            if ru
            else {SUPPORTED: "supported", REFUTED: "refuted", NOT_IN_CORPUS: "not in corpus"}
        )
        lines = [f"{'Итог' if ru else 'Verdict'}: {labels[self.verdict]}"]
        if self.note:
            lines.append(self.note)
        for i, c in enumerate(self.claims, 1):
            how = f"{c.confidence:.2f}, LLM" if c.mode == "llm" else f"{c.confidence:.2f}"
            lines += ["", f"{i}. {c.claim}", f"   -> {labels[c.verdict]} ({how})"]
            if c.sources_disagree:
                lines.append(
                    "   Источники расходятся (новые первыми)."
                    if ru
                    else "   Sources disagree (newest first)."
                )
            for m in c.mismatches:
                lines.append(f"   ≠ {m.kind}: «{m.claim_value}» vs «{m.source_value}»")
            unknown = "дата неизвестна" if ru else "date unknown"
            for e in c.evidence:
                lines.append(f"   «{e.quote}»")
                lines.append(f"     {e.title} — {e.date or unknown} — {e.source}")
        return "\n".join(lines)


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
