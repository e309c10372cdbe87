"""`newsbot eval --claims FILE` / `--terra FILE`: how good the fact-checker's verdicts are.

Claims file (JSON lines `{"claim", "lang", "verdict", "doc_ids", "kind", "split"}`) over the
indexed corpus: accuracy per gold verdict class, the share of verdicts whose evidence cites a
right document, and the share of `refuted` verdicts that show the contradicting quote and
mismatch. The thresholds are calibrated on the `dev` rows and reported on the `test` rows
beside the configured ones, so that a number is never measured on what tuned it.

TERRa (Russian SuperGLUE textual entailment): the hypothesis is checked against its premise as
a one-article corpus with the same comparison code; `entailment` is right when the verdict is
`supported`, `not_entailment` when it is anything else. Reported beside the majority-class
baseline of the same split, with thresholds calibrated on TERRa train (never on val).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.entities import find_entities
from nlp.sentences import split_sentences
from rag.answering.question import analyse
from rag.factcheck.checker import FactChecker, decide
from rag.factcheck.compare import compare
from rag.factcheck.facts import context_of, extract_facts
from rag.factcheck.types import (
    NOT_IN_CORPUS,
    REFUTED,
    SUPPORTED,
    ClaimAnalysis,
    ClaimVerdict,
    Evidence,
    Scored,
    Thresholds,
)

VERDICTS = (SUPPORTED, REFUTED, NOT_IN_CORPUS)


def analyse_against(
    checker: FactChecker, claim: str, premise: str, language: str = "ru"
) -> ClaimAnalysis:
    """The claim against one text taken as a one-article corpus (a TERRa premise)."""
    question = analyse(claim)
    spans = [(a, b) for a, b in split_sentences(premise) if premise[a:b].strip()]
    if not spans:
        return ClaimAnalysis(question.text, question.language, [])
    texts = [premise[a:b] for a, b in spans]
    qvec = checker.embedder.embed_queries([question.text])[0]
    svecs = checker.embedder.embed_passages(texts)
    sims = np.asarray(svecs, dtype=np.float32) @ np.asarray(qvec, dtype=np.float32)
    entities = find_entities(question.text, question.language, checker.ner)
    claim_facts = extract_facts(question.text, question.language, entities)
    context = context_of(premise, None)
    scored = []
    for text, sim in zip(texts, sims.tolist(), strict=True):
        facts = extract_facts(text, language, find_entities(text, language, checker.ner))
        evidence = Evidence("premise", "premise#0", "", None, "", text, language)
        scored.append(Scored(evidence, float(sim), compare(claim_facts, facts, context), None))
    scored.sort(key=lambda s: s.similarity, reverse=True)
    return ClaimAnalysis(question.text, question.language, scored)


GRID = tuple(round(float(x), 3) for x in np.arange(0.80, 0.97, 0.01))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass
class ClaimsReport:
    """Scores of one set of verdicts against the gold labels."""

    rows: int
    accuracy: float
    per_class: dict[str, float]  # gold class -> share right
    cites_right_doc: float  # verdicts with evidence whose first evidence is a gold document
    refuted_with_quote: float  # refuted verdicts showing a quote and a mismatch
    never_false_when_absent: float  # gold not_in_corpus never called refuted
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # claim, gold, predicted

    def lines(self, title: str) -> list[str]:
        per = ", ".join(f"{k} {v:.3f}" for k, v in self.per_class.items())
        return [
            f"{title}: {self.rows} claims, accuracy {self.accuracy:.3f} ({per})",
            f"  evidence cites a right document: {self.cites_right_doc:.3f}; refuted verdicts "
            f"with quote and mismatch: {self.refuted_with_quote:.3f}; not-in-corpus claims "
            f"never called refuted: {self.never_false_when_absent:.3f}",
        ]


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else float("nan")


def score_claims(rows: Sequence[dict[str, Any]], verdicts: Sequence[ClaimVerdict]) -> ClaimsReport:
    right = [v.verdict == r["verdict"] for r, v in zip(rows, verdicts, strict=True)]
    per_class = {
        cls: _share([ok for r, ok in zip(rows, right, strict=True) if r["verdict"] == cls])
        for cls in VERDICTS
        if any(r["verdict"] == cls for r in rows)
    }
    cites = [
        v.evidence[0].doc_id in r["doc_ids"]
        for r, v in zip(rows, verdicts, strict=True)
        if v.evidence and r.get("doc_ids")
    ]
    refuted = [bool(v.evidence and v.evidence[0].quote and v.mismatches) for v in verdicts
               if v.verdict == REFUTED]  # fmt: skip
    absent = [v.verdict != REFUTED for r, v in zip(rows, verdicts, strict=True)
              if r["verdict"] == NOT_IN_CORPUS]  # fmt: skip
    return ClaimsReport(
        rows=len(rows),
        accuracy=_share(right),
        per_class=per_class,
        cites_right_doc=_share(cites),
        refuted_with_quote=_share(refuted),
        never_false_when_absent=_share(absent),
        errors=[
            (r["claim"], r["verdict"], v.verdict)
            for r, v, ok in zip(rows, verdicts, right, strict=True)
            if not ok
        ],
    )


def _accuracy(
    analyses: Sequence[ClaimAnalysis], gold: Sequence[str], t: Thresholds, binary: bool
) -> float:
    hits = 0
    for a, g in zip(analyses, gold, strict=True):
        v = decide(a, t).verdict
        if binary:
            hits += (v == SUPPORTED) == (g == SUPPORTED)
        else:
            hits += v == g
    return hits / len(gold) if gold else 0.0


def calibrate(
    analyses: Sequence[ClaimAnalysis],
    gold: Sequence[str],
    *,
    binary: bool = False,
    grid: Sequence[float] = GRID,
) -> tuple[Thresholds, float]:
    """The thresholds that maximise accuracy on labelled claims (grid search).

    `relevant` is the lower of the support and refute cuts (below both, no verdict but
    "not in corpus" is possible anyway). Of equally good settings, the median one is taken,
    which keeps away from the edges of the plateau that happen to fit these claims.
    """
    best = -1.0
    tied: list[Thresholds] = []
    for support in grid:
        for refute in grid:
            for absent in (g for g in grid if g >= refute):
                t = Thresholds(min(support, refute), support, refute, absent)
                acc = _accuracy(analyses, gold, t, binary)
                if acc > best + 1e-12:
                    best, tied = acc, [t]
                elif abs(acc - best) <= 1e-12:
                    tied.append(t)
    if not tied:
        raise ValueError("nothing to calibrate on")
    support = statistics.median_low(t.support for t in tied)
    refute = statistics.median_low(t.refute for t in tied if t.support == support)
    chosen = next(t for t in tied if t.support == support and t.refute == refute)
    absent = statistics.median_low(
        t.absent for t in tied if t.support == support and t.refute == refute
    )
    chosen = Thresholds(chosen.relevant, support, refute, absent)
    return chosen, _accuracy(analyses, gold, chosen, binary)


def evaluate_claims(checker: FactChecker, path: Path) -> list[str]:
    """Report lines for a claims file: configured thresholds, and calibrated on dev."""
    rows = read_jsonl(path)
    analyses = [checker.analyse(r["claim"]) for r in rows]
    configured = checker.thresholds
    out = [f"claims file {path} ({len(rows)} claims)"]
    out += score_claims(rows, [decide(a, configured) for a in analyses]).lines(
        f"all, configured thresholds {_fmt(configured)}"
    )
    dev = [i for i, r in enumerate(rows) if r.get("split", "dev") == "dev"]
    test = [i for i, r in enumerate(rows) if r.get("split") == "test"]
    if dev and test:
        tuned, dev_acc = calibrate([analyses[i] for i in dev], [rows[i]["verdict"] for i in dev])
        out.append(f"calibrated on dev ({len(dev)} claims, accuracy {dev_acc:.3f}): {_fmt(tuned)}")
        test_rows = [rows[i] for i in test]
        out += score_claims(test_rows, [decide(analyses[i], tuned) for i in test]).lines(
            "test split, dev-calibrated thresholds"
        )
        out += score_claims(test_rows, [decide(analyses[i], configured) for i in test]).lines(
            "test split, configured thresholds"
        )
    report = score_claims(rows, [decide(a, configured) for a in analyses])
    for claim, gold, predicted in report.errors:
        out.append(f"  wrong: {claim!r}: gold {gold}, got {predicted}")
    return out


def _fmt(t: Thresholds) -> str:
    return f"(support {t.support:.2f}, refute {t.refute:.2f}, absent-name {t.absent:.2f})"


def evaluate_terra(
    checker: FactChecker, val_path: Path, train_path: Path | None, train_limit: int = 600
) -> list[str]:
    """TERRa accuracy beside the majority-class baseline, both on `val_path`."""
    val = read_jsonl(val_path)
    gold = [SUPPORTED if r["label"] == "entailment" else REFUTED for r in val]
    analyses = [analyse_against(checker, r["hypothesis"], r["premise"]) for r in val]
    labels = [r["label"] for r in val]
    majority_label = max(set(labels), key=labels.count)
    baseline = labels.count(majority_label) / len(labels)
    out = [f"TERRa {val_path.name}: {len(val)} pairs"]
    out.append(f"  majority class ({majority_label}): accuracy {baseline:.3f}")
    configured = checker.thresholds
    acc = _accuracy(analyses, gold, configured, binary=True)
    out.append(f"  fact-checker, configured thresholds {_fmt(configured)}: accuracy {acc:.3f}")
    if train_path is not None and train_path.exists():
        train = read_jsonl(train_path)[:train_limit]
        train_gold = [SUPPORTED if r["label"] == "entailment" else REFUTED for r in train]
        train_analyses = [analyse_against(checker, r["hypothesis"], r["premise"]) for r in train]
        tuned, train_acc = calibrate(train_analyses, train_gold, binary=True)
        acc = _accuracy(analyses, gold, tuned, binary=True)
        out.append(
            f"  fact-checker, thresholds calibrated on {len(train)} train pairs "
            f"(train accuracy {train_acc:.3f}) {_fmt(tuned)}: accuracy {acc:.3f}"
        )
    return out
