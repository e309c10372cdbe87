"""Latency of fact-checking one claim (warm), on the bundled corpus.

Why: press-service staff paste a sentence and wait for the verdict; the target is p95 <= 300 ms
per claim on 2 CPU cores. Each claim costs one e5 query embedding, a hybrid retrieval, NER on
the claim and on the evidence sentences not seen before (cached afterwards), and the
comparisons. The first pass over the claims of tests/data/claims.jsonl is measured with cold
NER caches (every sentence new to the checker), the later passes warm; both are printed.

The index is built in a temporary folder by the production pipeline (e5 + USE channel), so the
numbers include everything `newsbot check` does except loading the models.

    .venv/bin/python bench/check_latency.py [--passes 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from index.builder import update_index
from index.cleaning import clean_document
from index.embedder_loader import load_embedder
from index.loaders import load_path
from index.second_embedder import load_second_embedder
from index.settings import DEFAULT_MODEL, REPO_ROOT, IndexSettings
from rag.answering.engine import AnswerEngine
from rag.factcheck.checker import FactChecker
from rag.settings import RagSettings

CLAIMS = REPO_ROOT / "tests" / "data" / "claims.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    claims = [json.loads(line)["claim"] for line in CLAIMS.open(encoding="utf-8")]
    with tempfile.TemporaryDirectory() as tmp:
        settings = IndexSettings(data_dir=Path(tmp), embedding_model=DEFAULT_MODEL)
        embedder = load_embedder(settings)
        second = load_second_embedder(settings)
        loaded = load_path(REPO_ROOT / "data" / "corpus")
        docs = [d for d in (clean_document(r) for r in loaded.documents) if d is not None]
        update_index(settings, embedder, docs, second_embedder=second, progress=False)
        engine = AnswerEngine.from_settings(
            settings, RagSettings(), embedder=embedder, second_embedder=second
        )
        checker = FactChecker.from_engine(engine)
        checker.check_claim("Москва и Пекин заключили соглашение")  # loads natasha, warms up
        checker = FactChecker.from_engine(engine)  # empty caches for the cold pass
        for n in range(args.passes):
            times = []
            for claim in claims:
                t0 = time.perf_counter()
                checker.check_claim(claim)
                times.append((time.perf_counter() - t0) * 1000)
            label = "cold caches" if n == 0 else "warm caches"
            print(
                f"pass {n + 1} ({label}): {len(times)} claims, "
                f"p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
                f"max {max(times):.1f} ms"
            )


if __name__ == "__main__":
    main()
