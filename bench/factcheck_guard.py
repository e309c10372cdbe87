"""How the fact-checker's content guard trades confirmed true claims for rejected invented ones.

Why: `Comparison.about_the_same` (rag/factcheck/facts.py) refuses to confirm a claim whose
content words the sentence and its article do not use. TERRa (public, Russian news premises)
says what that costs on paraphrased true hypotheses; the claims file (tuning data) says whether
the bundled-corpus verdicts move. Each pair is analysed once; the grid re-decides the verdicts
with the guard's two shares patched, so every row comes from the same run.

    .venv/bin/python bench/factcheck_guard.py --terra ../shared/eval/terra-ru [--train-limit 600]

Needs the bundled index (`newsbot index`) for the claims column.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import rag.factcheck.facts as facts
from evaluation.factcheck import analyse_against, read_jsonl, score_claims
from index.settings import REPO_ROOT, IndexSettings
from rag.answering.engine import AnswerEngine
from rag.factcheck.checker import FactChecker, decide
from rag.factcheck.types import SUPPORTED, ClaimAnalysis, Thresholds
from rag.settings import RagSettings

GRID = ((1.0, 1.0), (1.0, 0.5), (0.67, 0.5), (0.5, 0.5), (0.5, 0.34), (0.5, 0.25), (0.5, 0.0))


def _rates(
    analyses: list[ClaimAnalysis], rows: list[dict[str, str]], th: Thresholds
) -> tuple[float, float, float]:
    """Share of entailed pairs supported, of not-entailed pairs supported, and accuracy."""
    ent = [decide(a, th).verdict == SUPPORTED for a, r in zip(analyses, rows, strict=True)
           if r["label"] == "entailment"]  # fmt: skip
    non = [decide(a, th).verdict == SUPPORTED for a, r in zip(analyses, rows, strict=True)
           if r["label"] != "entailment"]  # fmt: skip
    accuracy = (sum(ent) + len(non) - sum(non)) / (len(ent) + len(non))
    return sum(ent) / len(ent), sum(non) / len(non), accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terra", type=Path, required=True, help="folder of terra_*.jsonl")
    parser.add_argument("--train-limit", type=int, default=600)
    parser.add_argument("--claims", type=Path, default=REPO_ROOT / "tests/data/claims.jsonl")
    args = parser.parse_args()
    terra = args.terra
    checker = FactChecker.from_engine(AnswerEngine.from_settings(IndexSettings(), RagSettings()))
    th = checker.thresholds
    sets = {}
    for name, rows in (
        ("train", read_jsonl(terra / "terra_train.jsonl")[: args.train_limit]),
        ("val", read_jsonl(terra / "terra_val.jsonl")),
    ):
        analysed = [analyse_against(checker, r["hypothesis"], r["premise"]) for r in rows]
        sets[name] = (rows, analysed)
    claims = read_jsonl(args.claims)
    claim_analyses = [checker.analyse(r["claim"]) for r in claims]
    print("missing<= absent<= | train: entailed supported, not-entailed supported, accuracy "
          "| val: the same | claims accuracy (tuning data)")  # fmt: skip
    for missing, absent in GRID:
        facts.MAX_MISSING_SHARE, facts.MAX_ABSENT_SHARE = missing, absent
        cells = [f"{missing:.2f} {absent:.2f}"]
        for rows, analyses in sets.values():
            supported, wrongly, accuracy = _rates(analyses, rows, th)
            cells.append(f"{supported:.3f} {wrongly:.3f} {accuracy:.3f}")
        report = score_claims(claims, [decide(a, th) for a in claim_analyses])
        cells.append(f"{report.accuracy:.3f}")
        print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
