"""Soak: does the warm engine's memory stay flat under many distinct questions and claims?

Why: caches filled by use (stems of question words, facts and contexts of evidence sentences,
places of retrieved articles) used to grow for the life of the process (issue 10). This sends
`--questions` distinct questions through `AnswerEngine.ask` and, interleaved (one after every
`questions / claims`), `--claims` distinct claims through `FactChecker.check`, as the bot would,
one at a time, and prints the process's RSS every 1,000 questions. The final line says whether RSS
grew by more than `--max-growth-pct` between the warm-up mark (5,000 questions, or a quarter of
them when fewer) and the end.

Inputs, all distinct strings: the RU/EN questions of XQuAD, TyDi QA and RuBQ (/work/shared/eval),
then the same questions again with made-up names attached ("..., по данным агентства Зубрамов?"),
which bring new words as real questions full of names and typos do; the claims are TERRa's
hypotheses, then variations of them. The index is the bundled corpus (or `--corpus`) built with
the real e5 + USE models in a temp dir; thread counts are set as the bot sets them.

    .venv/bin/python bench/soak.py [--questions 20000] [--claims 2000] [--corpus PATH ...]
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import resource
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

EVAL = Path("/work/shared/eval")
QUESTION_FILES = [
    EVAL / "converted" / "xquad" / "questions.ru-ru.jsonl",
    EVAL / "converted" / "xquad" / "questions.en-en.jsonl",
    EVAL / "converted" / "tydiqa-goldp" / "questions.ru-ru.jsonl",
    EVAL / "converted" / "tydiqa-goldp" / "questions.en-en.jsonl",
]
RUBQ_FILES = [EVAL / "rubq" / n for n in ("RuBQ_1.0_test.json", "RuBQ_2.0_dev.json")]
TERRA_FILES = [EVAL / "terra-ru" / n for n in ("terra_train.jsonl", "terra_val.jsonl")]
REPORT_EVERY = 1000
_SYLLABLES_RU = ("ба", "ве", "го", "ду", "жи", "зо", "ки", "ла", "ми", "но", "пу", "ра", "се")
_SYLLABLES_EN = ("ba", "ve", "go", "du", "ji", "zo", "ki", "la", "mi", "no", "pu", "ra", "se")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def made_up(i: int, syllables: tuple[str, ...]) -> str:
    """A distinct name for each i: what questions with unseen names and typos bring."""
    parts = []
    while True:
        parts.append(syllables[i % len(syllables)])
        i //= len(syllables)
        if not i:
            break
    return "".join([*parts, "мов" if syllables is _SYLLABLES_RU else "ov"]).capitalize()


def is_cyrillic(text: str) -> bool:
    return any("а" <= ch.lower() <= "я" for ch in text)


def vary(text: str, i: int) -> str:
    """`text` with made-up names attached (one new variation per i)."""
    base = text.rstrip(" ?.!")
    end = "?" if text.rstrip().endswith("?") else "."
    if is_cyrillic(text):
        return f"{base}, по данным агентства {made_up(i, _SYLLABLES_RU)}{end}"
    return f"{base}, according to {made_up(i, _SYLLABLES_EN)} agency{end}"


def distinct(base: list[str], n: int) -> list[str]:
    """`n` distinct strings: `base` first, then variations of it."""
    out = list(dict.fromkeys(t.strip() for t in base if t.strip()))[:n]
    seen = set(out)
    i = 0
    while len(out) < n:
        candidate = vary(base[i % len(base)], i)
        i += 1
        if candidate not in seen:
            seen.add(candidate)
            out.append(candidate)
    return out


def questions(n: int) -> list[str]:
    texts: list[str] = []
    for path in QUESTION_FILES:
        texts += [json.loads(line)["question"] for line in path.read_text("utf-8").splitlines()]
    for path in RUBQ_FILES:
        for row in json.loads(path.read_text("utf-8")):
            texts += [t for t in (row.get("question_text"), row.get("question_eng")) if t]
    return distinct(texts, n)


def claims(n: int) -> list[str]:
    texts: list[str] = []
    for path in TERRA_FILES:
        texts += [json.loads(line)["hypothesis"] for line in path.read_text("utf-8").splitlines()]
    return distinct(texts, n)


def build(work: Path, corpus: list[str]) -> tuple[Any, Any]:
    """The bot's engine and fact-checker over `corpus`, indexed into `work` (e5 + USE)."""
    from index.builder import update_index
    from index.embedder_loader import load_embedder
    from index.provision import provision_e5
    from index.runtime import configure_threads
    from index.second_embedder import QUERY_THREADS, UseEmbedder
    from index.settings import DEFAULT_MODEL, IndexSettings
    from index.sources import load_sources
    from rag.answering.engine import AnswerEngine
    from rag.factcheck.checker import FactChecker
    from rag.settings import RagSettings

    settings = IndexSettings(data_dir=work / "data", embedding_model=DEFAULT_MODEL)
    configure_threads(settings)  # as bot.app.create_services does
    provision_e5(settings.model_dir)
    embedder = load_embedder(settings)
    loaded = load_sources(corpus)
    update_index(
        settings,
        embedder,
        loaded.documents,
        second_embedder=UseEmbedder(threads=settings.query_threads),
        progress=False,
    )
    engine = AnswerEngine.from_settings(
        settings, RagSettings(), embedder=embedder, second_embedder=UseEmbedder(QUERY_THREADS)
    )
    engine.warm_up()
    return engine, FactChecker.from_engine(engine)


def cache_fill(engine: Any, checker: Any) -> str:
    """How full the bounded caches are: RSS still rising while they fill is not a leak."""
    with warnings.catch_warnings():  # isinstance() on torch's deprecated aliases warns
        warnings.simplefilter("ignore")
        ours = [
            f
            for f in gc.get_objects()
            if isinstance(f, functools._lru_cache_wrapper)
            and f.__module__.split(".")[0] in ("rag", "index", "bot")
        ]
    parts = [f"{f.__qualname__} {f.cache_info().currsize}/{f.cache_info().maxsize}" for f in ours]
    for name, cache in (
        ("places", engine.answerer._places),
        ("facts", checker._facts),
        ("contexts", checker._contexts),
    ):
        parts.append(f"{name} {len(cache)}/{cache.maxsize}")
    return "; ".join(sorted(parts))


def workload(qs: list[str], cs: list[str]) -> Iterator[tuple[str, str]]:
    """("q", question) in order, with a ("c", claim) after every len(qs) / len(cs) questions."""
    every = max(1, len(qs) // max(1, len(cs)))
    c = 0
    for i, q in enumerate(qs, 1):
        yield "q", q
        if i % every == 0 and c < len(cs):
            yield "c", cs[c]
            c += 1
    for claim in cs[c:]:
        yield "c", claim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--claims", type=int, default=2_000)
    parser.add_argument("--corpus", nargs="+", default=[str(REPO / "data" / "corpus")])
    parser.add_argument("--max-growth-pct", type=float, default=2.0)
    args = parser.parse_args()

    qs, cs = questions(args.questions), claims(args.claims)
    assert len(set(qs)) == len(qs) and len(set(cs)) == len(cs)
    warm_mark = min(5_000, max(1, args.questions // 4))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        engine, checker = build(Path(tmp), args.corpus)
        print(
            f"{len(qs)} distinct questions, {len(cs)} distinct claims; engine over "
            f"{len(engine.retriever.snapshot.documents)} documents ready in "
            f"{time.perf_counter() - t0:.0f} s; RSS {rss_mb():.1f} MB",
            flush=True,
        )
        asked = checked = answered = 0
        at_mark = float("nan")
        t_block = time.perf_counter()
        spent = {"q": 0.0, "c": 0.0}
        for kind, text in workload(qs, cs):
            t = time.perf_counter()
            if kind == "q":
                answered += engine.ask(text).answered
                asked += 1
            else:
                checker.check(text)
                checked += 1
            spent[kind] += time.perf_counter() - t
            if kind == "q" and asked % REPORT_EVERY == 0:
                now = time.perf_counter()
                print(
                    f"questions {asked:>6} claims {checked:>5}: RSS {rss_mb():8.1f} MB "
                    f"(peak {peak_mb():8.1f}); last {REPORT_EVERY} questions in "
                    f"{now - t_block:5.0f} s",
                    flush=True,
                )
                t_block = now
            if kind == "q" and asked == warm_mark:
                at_mark = rss_mb()
        end = rss_mb()
        print(f"cache fill: {cache_fill(engine, checker)}")
    growth = end - at_mark
    pct = 100 * growth / at_mark
    print(
        f"done in {time.perf_counter() - t0:.0f} s: {asked} questions "
        f"({1000 * spent['q'] / max(1, asked):.0f} ms each, {answered / max(1, asked):.0%} "
        f"answered), {checked} claims ({1000 * spent['c'] / max(1, checked):.0f} ms each)"
    )
    verdict = "FLAT" if pct <= args.max_growth_pct else "GROWING"
    print(
        f"RSS {at_mark:.1f} MB at {warm_mark} questions -> {end:.1f} MB at the end: "
        f"{growth:+.1f} MB ({pct:+.2f}%, limit {args.max_growth_pct}%): {verdict}"
    )


if __name__ == "__main__":
    main()
