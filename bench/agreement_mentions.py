"""False agreement alerts on public text that is not news of an agreement.

Why: the detector's own set (`tests/data/agreements.jsonl`) was written with its rules, so its
precision says little about text nobody wrote rules for. Encyclopedic paragraphs are the
opposite of agreement news: they recall treaties, mergers and contracts of the past (the
passing mentions that alerts must not fire on), so every alert raised on one is a false alert.
Sources: XQuAD's Russian and English paragraphs and TyDi QA GoldP's Russian and English
passages, each dated by its dataset's release (the text was written before it: XQuAD
2019-10-01, TyDi 2020-02-01), and TERRa's Russian news premises (undated; printed for reading,
since a premise can be real agreement news).

Each text is a dev or a test row by a hash of its id; the test half is printed first. Recall is
not measured here (these sources hold next to no agreement news): see `newsbot eval
--agreements`.

    .venv/bin/python bench/agreement_mentions.py --xquad ../shared/eval/converted/xquad \
        --tydi ../shared/eval/converted/tydiqa-goldp --terra ../shared/eval/terra-ru [--show]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from index.documents import Document
from rag.alerts.agreements import agreement_sentence

RELEASED = {"xquad": "2019-10-01", "tydi": "2020-02-01"}


def split_of(doc_id: str) -> str:
    return "test" if hashlib.sha1(doc_id.encode()).digest()[0] % 2 else "dev"


def encyclopedic(folder: Path, source: str) -> Iterator[Document]:
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        yield Document(
            doc_id=f"{source}:{row['id']}",
            title="",
            text=row["text"],
            source=source,
            language=row["lang"],
            date=RELEASED[source],
        )


def terra(folder: Path) -> Iterator[Document]:
    seen: set[str] = set()
    for name in ("terra_train.jsonl", "terra_val.jsonl"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            premise = json.loads(line)["premise"]
            if premise in seen:
                continue
            seen.add(premise)
            digest = hashlib.sha1(premise.encode()).hexdigest()[:12]
            yield Document(f"terra:{digest}", "", premise, "terra", "ru")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xquad", type=Path, required=True)
    parser.add_argument("--tydi", type=Path, required=True)
    parser.add_argument("--terra", type=Path, required=True)
    parser.add_argument("--show", action="store_true", help="print every alerted sentence")
    args = parser.parse_args()
    documents = [
        *encyclopedic(args.xquad, "xquad"),
        *encyclopedic(args.tydi, "tydi"),
        *terra(args.terra),
    ]
    texts: Counter[tuple[str, str, str]] = Counter()
    alerts: Counter[tuple[str, str, str]] = Counter()
    shown: list[str] = []
    for document in documents:
        key = (split_of(document.doc_id), document.source, document.language)
        texts[key] += 1
        sentence = agreement_sentence(document)
        if sentence is not None:
            alerts[key] += 1
            shown.append(f"{key[0]} {document.doc_id}: {sentence}")
    for half in ("test", "dev"):
        print(f"{half} half")
        for key in sorted(k for k in texts if k[0] == half):
            kind = "news, read by hand" if key[1] == "terra" else "every alert is false"
            print(
                f"  {key[1]:>5} {key[2]}: {alerts[key]:>3} alerts / {texts[key]:>4} texts"
                f"  ({1000 * alerts[key] / texts[key]:.1f} per 1000; {kind})"
            )
    if args.show:
        print("\n".join(shown))


if __name__ == "__main__":
    main()
