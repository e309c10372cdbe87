"""Precision and recall of the agreement detector on labelled articles (JSON lines).

Each row: {"id", "lang", "title", "text", "date", "label": bool, "split": "dev" | "test", ...}.
Rules were tuned on "dev" only; "test" is the honest number, "all" the whole file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from index.documents import Document
from nlp.entities import RussianNer
from rag.alerts.agreements import Agreement, detect_agreement, same_agreement_story


def load_labelled(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def as_document(row: dict[str, Any], source: str = "") -> Document:
    return Document(
        doc_id=str(row["id"]),
        title=str(row.get("title") or ""),
        text=str(row.get("text") or ""),
        source=source,
        language=str(row.get("lang") or "en"),
        date=row.get("date"),
    )


def scores(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | int]:
    """Precision, recall, F1 and counts of (gold, predicted) pairs."""
    tp = fp = fn = n = 0
    for gold, predicted in pairs:
        n += 1
        tp += gold and predicted
        fp += predicted and not gold
        fn += gold and not predicted
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": n, "tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall,
            "f1": f1}  # fmt: skip


def evaluate_detector(
    path: Path | str, ner: RussianNer | None = None, *, echo: bool = True
) -> dict[str, Any]:
    """Scores per split (dev/test/all) and language (ru/en/all), plus the misclassified ids."""
    path = Path(path)
    rows = load_labelled(path)
    results: list[tuple[dict[str, Any], bool]] = []
    for row in rows:
        found = detect_agreement(as_document(row, str(path)), ner)
        results.append((row, found is not None))
    report: dict[str, Any] = {"errors": [r["id"] for r, p in results if p != bool(r["label"])]}
    for split in ("dev", "test", "all"):
        for language in ("ru", "en", "all"):
            chosen = [
                (bool(r["label"]), p)
                for r, p in results
                if split in ("all", r.get("split")) and language in ("all", r.get("lang"))
            ]
            report[f"{split}/{language}"] = scores(chosen)
    if echo:
        print(table(report))
        if report["errors"]:
            print("misclassified: " + ", ".join(report["errors"]))
    return report


def table(report: dict[str, Any]) -> str:
    lines = ["| split | language | n | precision | recall | F1 |", "|---|---|---|---|---|---|"]
    for key, s in report.items():
        if "/" not in key:
            continue
        split, language = key.split("/")
        lines.append(
            f"| {split} | {language} | {s['n']} | {s['precision']:.3f} | {s['recall']:.3f} "
            f"| {s['f1']:.3f} |"
        )
    return "\n".join(lines)


def evaluate_stories(
    articles: Path | str, pairs: Path | str, ner: RussianNer | None = None
) -> list[tuple[dict[str, Any], bool | None]]:
    """(pair row, same_agreement_story's verdict) for every pair; None if a side is undetected."""
    rows = {r["id"]: r for r in load_labelled(Path(articles))}
    cache: dict[str, Agreement | None] = {}

    def agreement(doc_id: str) -> Agreement | None:
        if doc_id not in cache:
            cache[doc_id] = detect_agreement(as_document(rows[doc_id]), ner)
        return cache[doc_id]

    out: list[tuple[dict[str, Any], bool | None]] = []
    for pair in load_labelled(Path(pairs)):
        a, b = agreement(pair["a"]), agreement(pair["b"])
        out.append((pair, None if a is None or b is None else same_agreement_story(a, b)))
    return out


def story_accuracy(results: Sequence[tuple[dict[str, Any], bool | None]]) -> float:
    right = sum(1 for pair, verdict in results if verdict == bool(pair["same"]))
    return right / len(results) if results else 1.0
