"""Calibrate and measure subscription-topic matching on labelled topic-article pairs.

`tests/data/topics.jsonl` holds hand-written news leads (never the bundled corpus), one
{"topic", "lang_topic", "title", "text", "lang_article", "match"} per line. Pairs split into
dev and test by a hash of the article title, so one article never sits on both sides; the e5
threshold is the one that maximises F0.5 (precision counts double: a wrong alert costs trust)
of the combined matcher on dev, and precision/recall are then reported on test.

    .venv/bin/python -m evaluation.topics tests/data/topics.jsonl
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.documents import Document
from index.embedder import Embedder
from rag.alerts.topics import TopicEvidence, TopicMatcher

BETA = 0.5
CANDIDATES = [round(float(t), 4) for t in np.arange(0.0, 0.2, 0.0025)]


@dataclass(frozen=True)
class Pair:
    topic: str
    lang_topic: str
    document: Document
    match: bool
    split: str  # "dev" | "test"

    @property
    def cross_lingual(self) -> bool:
        return self.lang_topic != self.document.language


def load_pairs(path: Path) -> list[Pair]:
    pairs: list[Pair] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        title = str(row["title"])
        doc = Document(
            doc_id=f"article-{zlib.crc32(title.encode()):08x}",  # shared: embedded once
            title=title,
            text=str(row["text"]),
            source=str(path),
            language=str(row["lang_article"]),
        )
        pairs.append(Pair(str(row["topic"]), str(row["lang_topic"]), doc, bool(row["match"]), ""))
    # Articles in a fixed pseudo-random order (crc32 of the title), alternately dev and test.
    titles = sorted({p.document.title for p in pairs}, key=lambda t: zlib.crc32(t.encode()))
    side = {t: ("dev", "test")[i % 2] for i, t in enumerate(titles)}
    return [replace(p, split=side[p.document.title]) for p in pairs]


def _prf(predicted: Sequence[bool], gold: Sequence[bool]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
    fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    b2 = BETA * BETA
    denom = b2 * precision + recall
    f_beta = (1 + b2) * precision * recall / denom if denom else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f05": round(f_beta, 3),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "n": len(gold),
    }


def _lexical(ev: TopicEvidence, threshold: float) -> bool:
    return ev.lexical is not None


def _semantic(ev: TopicEvidence, threshold: float) -> bool:
    return ev.semantic_allowed and ev.margin is not None and ev.margin >= threshold


def _combined(ev: TopicEvidence, threshold: float) -> bool:
    return _lexical(ev, threshold) or _semantic(ev, threshold)


Decision = Callable[[TopicEvidence, float], bool]
STAGES: dict[str, Decision] = {"lexical": _lexical, "semantic": _semantic, "combined": _combined}


def evaluate_topics(
    path: Path | str, embedder: Embedder, *, verbose: bool = True
) -> dict[str, Any]:
    """Calibrate the threshold on dev, report each stage on dev and test; prints a summary.

    Returns {"threshold", "dev": {stage: metrics}, "test": {...}, "test_cross_lingual": {...},
    "errors": [test pairs the combined matcher gets wrong]}.
    """
    pairs = load_pairs(Path(path))
    matcher = TopicMatcher(embedder)
    evidence: list[TopicEvidence] = []
    for pair in pairs:
        ev = matcher.evidence([pair.topic], pair.document, always_embed=True)
        evidence.append(ev[pair.topic])

    def metrics(split: str, threshold: float, decide: Decision, cross: bool = False) -> Any:
        idx = [
            i for i, p in enumerate(pairs) if p.split == split and (not cross or p.cross_lingual)
        ]
        return _prf([decide(evidence[i], threshold) for i in idx], [pairs[i].match for i in idx])

    # Best F0.5 on dev; among ties the highest threshold (fewer chance matches on new topics).
    best = max(CANDIDATES, key=lambda t: (metrics("dev", t, _combined)["f05"], t))
    report: dict[str, Any] = {
        "threshold": best,
        "pairs": len(pairs),
        "cross_lingual_pairs": sum(p.cross_lingual for p in pairs),
        "dev_pairs": sum(p.split == "dev" for p in pairs),
        "test_pairs": sum(p.split == "test" for p in pairs),
    }
    for split in ("dev", "test"):
        report[split] = {name: metrics(split, best, fn) for name, fn in STAGES.items()}
    report["test_cross_lingual"] = {
        name: metrics("test", best, fn, cross=True) for name, fn in STAGES.items()
    }
    report["errors"] = [
        {
            "topic": p.topic,
            "title": p.document.title,
            "gold": p.match,
            "similarity": None if ev.similarity is None else round(ev.similarity, 3),
            "margin": None if ev.margin is None else round(ev.margin, 3),
            "lexical": ev.lexical is not None,
        }
        for p, ev in zip(pairs, evidence, strict=True)
        if p.split == "test" and _combined(ev, best) != p.match
    ]
    if verbose:
        _print(report)
    return report


def _print(report: dict[str, Any]) -> None:
    print(
        f"{report['pairs']} pairs ({report['cross_lingual_pairs']} cross-lingual), "
        f"dev {report['dev_pairs']} / test {report['test_pairs']}; "
        f"threshold {report['threshold']} (max F0.5 on dev)"
    )
    for part in ("dev", "test", "test_cross_lingual"):
        for stage, m in report[part].items():
            print(
                f"  {part:18} {stage:9} P {m['precision']:.3f}  R {m['recall']:.3f}  "
                f"F0.5 {m['f05']:.3f}  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']}, n {m['n']})"
            )
    for e in report["errors"]:
        kind = "missed" if e["gold"] else "false alert"
        print(
            f"  test {kind}: {e['topic']!r} vs {e['title']!r} "
            f"(cosine {e['similarity']}, margin {e['margin']})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    from index.embedder_loader import load_embedder
    from index.settings import IndexSettings

    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else Path("tests/data/topics.jsonl")
    evaluate_topics(path, load_embedder(IndexSettings()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
