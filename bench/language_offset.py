"""Measure how much lower e5 scores a cross-language (EN question, RU sentence) pair than the
same-language pair with the same meaning, on XQuAD's parallel questions and paragraphs.

The answerer adds this offset to cross-language sentence similarities, so a Russian sentence
that answers an English question is not outranked by an English one that merely shares words.

    .venv/bin/python bench/language_offset.py [--n 300]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from index.embedder_loader import load_embedder
from index.settings import REPO_ROOT, IndexSettings
from nlp.sentences import split_sentences

XQUAD = REPO_ROOT.parent / "shared" / "eval" / "converted" / "xquad"


def answer_sentence(text: str, start: int) -> str | None:
    for a, b in split_sentences(text):
        if a <= start < b:
            return text[a:b]
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args()
    corpus = {
        r["id"]: r
        for r in map(json.loads, (XQUAD / "corpus.jsonl").read_text("utf-8").splitlines())
    }
    en = {
        r["source_id"]: r
        for r in map(json.loads, Path(XQUAD / "questions.en-en.jsonl").read_text().splitlines())
    }
    rows = []
    for line in Path(XQUAD / "questions.en-ru.jsonl").read_text().splitlines():
        q = json.loads(line)
        twin = en.get(q["source_id"])
        if twin is None:
            continue
        ru_s = answer_sentence(corpus[q["context_id"]]["text"], q["answer_starts"][0])
        en_s = answer_sentence(corpus[twin["context_id"]]["text"], twin["answer_starts"][0])
        if ru_s and en_s:
            rows.append((q["question"], en_s, ru_s))
    rng = np.random.default_rng(0)
    picked = [rows[i] for i in rng.choice(len(rows), size=min(args.n, len(rows)), replace=False)]
    emb = load_embedder(IndexSettings())
    qv = emb.embed_queries([r[0] for r in picked])
    ev = emb.embed_passages([r[1] for r in picked])
    rv = emb.embed_passages([r[2] for r in picked])
    same = (qv * ev).sum(1)
    cross = (qv * rv).sum(1)
    diff = same - cross
    print(f"pairs: {len(picked)}")
    print(f"cos(en question, en answer sentence): mean {same.mean():.4f}")
    print(f"cos(en question, ru answer sentence): mean {cross.mean():.4f}")
    print(f"offset (same - cross): mean {diff.mean():.4f}, median {np.median(diff):.4f}")


if __name__ == "__main__":
    main()
