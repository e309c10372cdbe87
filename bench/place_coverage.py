"""How many of the places real news names `nlp.places` finds, measured against an independent
reader: natasha's news NER over the held-out Russian Wikinews articles (nobody labelled them or
read them for rules). Per article (title + text):

- LOC found: share of natasha's LOC spans that a place mention overlaps (natasha also tags
  streets, buildings and continents, which no gazetteer of countries, regions and cities
  holds, so 1.0 is out of reach; compare the two columns);
- inside a person: place mentions inside one of natasha's PER spans ("Пушкин", "Nancy
  Pelosi" read as towns), the errors a gazetteer of common words makes;
- distinct places named.

    .venv/bin/python bench/place_coverage.py --wikinews ../shared/eval/nerel-wikinews-ru \
        --baseline /tmp/base   # a worktree of the commit to compare with
    .venv/bin/python bench/place_coverage.py --cache /tmp/tydi_spans.json --show 40 \
        --texts ../shared/eval/converted/tydiqa-goldp/corpus.jsonl  # dev data: errors here
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def _spans(path: Path, cache: Path) -> list[dict[str, object]]:
    if cache.exists():
        loaded: list[dict[str, object]] = json.loads(cache.read_text())
        return loaded
    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    segmenter, ner = Segmenter(), NewsNERTagger(NewsEmbedding())
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("lang", "ru") != "ru":
            continue
        title = str(row.get("title", "")).replace("_", " ")
        text = f"{title}\n{row['text']}"
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(ner)
        out.append({"text": text, "spans": [[s.start, s.stop, s.type] for s in doc.spans]})
    cache.write_text(json.dumps(out, ensure_ascii=False))
    return out


def measure(articles: list[dict[str, object]], show: int = 0) -> dict[str, float]:
    from nlp.places import find_places

    loc = found = in_person = mentions = 0
    places: set[str] = set()
    started = time.perf_counter()
    for article in articles:
        text = str(article["text"])
        spans = article["spans"]
        assert isinstance(spans, list)
        found_here = find_places(text)
        places.update(m.place for m in found_here)
        mentions += len(found_here)
        for start, end, kind in spans:
            if kind == "LOC":
                loc += 1
                found += any(m.start < end and start < m.end for m in found_here)
        for m in found_here:
            person = [
                text[start:end]
                for start, end, kind in spans
                if kind == "PER" and start <= m.start and m.end <= end
            ]
            in_person += bool(person)
            if person and show > 0:
                show -= 1
                print(f"  {m.place!r} in person {person[0]!r}", file=sys.stderr)
    return {
        "articles": len(articles),
        "loc_spans": loc,
        "loc_found": round(found / max(loc, 1), 3),
        "mentions": mentions,
        "inside_person": in_person,
        "distinct_places": len(places),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wikinews", type=Path, help="folder of the held-out articles")
    parser.add_argument(
        "--texts", type=Path, help="any JSON lines with title/text (dev data, e.g. TyDi corpus)"
    )
    parser.add_argument("--show", type=int, default=0, help="print this many person errors")
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/place_coverage_spans.json"))
    parser.add_argument("--json", action="store_true", help="print one JSON line (internal)")
    args = parser.parse_args()
    source = args.texts or args.wikinews / "nerel_v1.1_wikinews_ru.jsonl"
    articles = _spans(source, args.cache)
    rows = {"now": measure(articles, args.show)}
    if args.json:
        print(json.dumps(rows["now"]))
        return
    if args.baseline:
        env = {**os.environ, "PYTHONPATH": str(args.baseline)}
        cmd = [sys.executable, str(args.baseline / "bench" / "place_coverage.py")]
        if not (args.baseline / "bench" / "place_coverage.py").exists():
            cmd = [sys.executable, __file__]
        out = subprocess.run(
            [*cmd, "--texts", str(source.resolve()), "--cache", str(args.cache), "--json"],
            env=env,
            cwd=args.baseline,
            capture_output=True,
            text=True,
            check=True,
        )
        rows = {"baseline": json.loads(out.stdout.strip().splitlines()[-1]), **rows}
    keys = list(rows["now"])
    print("| code | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
