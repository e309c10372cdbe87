"""The answer record every front end renders: text with [n] markers plus the cited sources.

The engine writes only what the articles say (`answer`, quoted; empty for a refusal); every
other word a user reads ("the corpus does not answer", "the source says (in English)", "2
sources published this story") is the front end's, from the fields here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str  # doc_id#n: the citation key
    doc_id: str
    title: str
    date: str | None
    source: str  # URL or corpus file path
    quote: str  # verbatim substring of the cited chunk
    language: str


@dataclass
class Answer:
    question: str
    language: str
    answered: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    closest_topics: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    mode: str = "extractive"
    # The [n] of each citation whose article reports this same story (two or more, or none).
    story_sources: list[int] = field(default_factory=list)
    # The language of the quoted sentence when it is not the question's (the reader is told).
    quoted_language: str | None = None
    # The ISO publication date of [1], when a "when" question is answered by a sentence that
    # gives no date of its own.
    published: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "language": self.language,
            "answered": self.answered,
            "answer": self.answer,
            "citations": [asdict(c) for c in self.citations],
            "closest_topics": self.closest_topics,
            "confidence": round(self.confidence, 4),
            "mode": self.mode,
            "story_sources": self.story_sources,
            "quoted_language": self.quoted_language,
            "published": self.published,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        """The inverse of `to_json` (for answers kept in a database or piped between tools)."""
        return cls(
            question=data["question"],
            language=data["language"],
            answered=data["answered"],
            answer=data["answer"],
            citations=[Citation(**c) for c in data.get("citations", [])],
            closest_topics=list(data.get("closest_topics", [])),
            timings_ms=dict(data.get("timings_ms", {})),
            confidence=float(data.get("confidence", 0.0)),
            mode=data.get("mode", "extractive"),
            story_sources=[int(n) for n in data.get("story_sources", [])],
            quoted_language=data.get("quoted_language"),
            published=data.get("published"),
        )
