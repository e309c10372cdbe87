"""Chooses `rag.alerts.term_translations.TERM_COSINE` on the dev half of the topic pairs: for
each candidate cosine, the combined matcher's best margin threshold and its dev precision,
recall and F0.5 (precision counts double: a wrong alert costs trust). The test half is then
reported once by `python -m evaluation.topics tests/data/topics.jsonl`.

    .venv/bin/python bench/topic_terms.py [tests/data/topics.jsonl]
"""

from __future__ import annotations

import sys
from pathlib import Path

from evaluation.topics import CANDIDATES, _combined, _prf, load_pairs
from index.embedder_loader import load_embedder
from index.settings import IndexSettings
from rag.alerts.topics import TopicEvidence, TopicMatcher

TERM_CANDIDATES = (0.86, 0.88, 0.90, 0.92, 0.94, None)  # None: no translated terms


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/topics.jsonl")
    embedder = load_embedder(IndexSettings())
    pairs = load_pairs(path)
    dev = [i for i, p in enumerate(pairs) if p.split == "dev"]
    print("| term cosine | margin threshold | dev P | dev R | dev F0.5 |\n|---|---|---|---|---|")
    for cosine in TERM_CANDIDATES:
        matcher = TopicMatcher(embedder, term_cosine=cosine)
        evidence = [
            matcher.evidence([p.topic], p.document, always_embed=True)[p.topic] for p in pairs
        ]

        def dev_metrics(threshold: float, ev: list[TopicEvidence] = evidence) -> dict[str, float]:
            return _prf([_combined(ev[i], threshold) for i in dev], [pairs[i].match for i in dev])

        best = max(CANDIDATES, key=lambda t: (dev_metrics(t)["f05"], t))
        m = dev_metrics(best)
        print(
            f"| {cosine or 'off'} | {best} | {m['precision']:.3f} | {m['recall']:.3f} "
            f"| {m['f05']:.3f} |"
        )


if __name__ == "__main__":
    main()
