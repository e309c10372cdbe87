"""What one ingest costs as the index grows: `update_index` adding 1 and 100 articles to indexes
of 1k, 10k and 100k chunks, split into the model's time and everything else.

Why: the corpus-scale issue wants ingest cost in proportion to the change. Today an update
loads the whole live generation, rewrites every vector, token code and the SQLite file, rebuilds
FAISS and BM25 and recomputes near-duplicate groups, so everything but the model grows with the
index. This bench is the baseline that segments and tombstones must flatten; it prints the
seconds outside the model per size, and their ratio to the smallest size.

The base indexes are built like bench/query_latency.py's (real chunk texts, repeated under new
ids past the distinct ones; real e5 vectors and token codes for the first `--real` chunks,
noisy copies for the rest), written with the configured embedder's identity so that the update
accepts them. The articles added are real Wikinews articles under new ids, embedded for real by
the configured backend (`NEWSBOT_EMBEDDING_BACKEND`), without the second (USE) channel, which
the base does not have either. Like the bot, each update is handed the snapshot of the live
generation that the engine holds (`--reload`: the update loads it itself, as before).
`--profile` prints a cProfile of one more one-article update at the largest size.

    .venv/bin/python bench/ingest_cost.py [--sizes 1000 10000 100000] [--real 3000] [--reload]
        [--profile]

1M chunks (`--sizes 1000000`) was not run: at the 13.3 KB of disk and 10.7 KB of RAM per chunk
bench/query_latency.py measures at 100k, an update holding the live generation and the new one
would need about twice the 23 GB of RAM here; it is the target of the segment work.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.index_throughput import TimedEmbedder
from bench.query_latency import (
    WIKINEWS,
    corpus,
    real_documents,
    real_vectors,
    sentence_args,
    tokens_for,
    vectors_for,
)
from index.builder import update_index
from index.chunking import passage_text
from index.cleaning import clean_document
from index.dedup import story_groups
from index.documents import Document
from index.embedder import Embedder, EmbedderIdentity
from index.embedder_loader import load_embedder
from index.loaders import load_path
from index.runtime import configure_threads
from index.settings import REPO_ROOT, IndexSettings
from index.store import IndexSnapshot, write_generation
from index.update_plan import with_content_hash

ADDS = (1, 100)


def held_back_articles(n: int) -> list[Document]:
    """The last `n` cleaned Wikinews articles, under new ids: no base index holds their texts
    (vectors are reused by text, so an article already indexed under another id costs nothing)."""
    out: list[Document] = []
    for raw in reversed(load_path(WIKINEWS).documents):
        doc = clean_document(raw)
        if doc is not None:
            new_id = f"ingested-{doc.doc_id}"
            out.append(replace(doc, doc_id=new_id, source=f"ingest/{new_id}"))
        if len(out) == n:
            break
    return out


def build_base(
    settings: IndexSettings,
    size: int,
    real: int,
    identity: EmbedderIdentity,
    held_back: set[str],
) -> None:
    """Write a live generation of `size` chunks into `settings.index_dir`, without the texts
    of `held_back` documents."""
    base = [d for d in real_documents(set()) if d.doc_id not in held_back]
    docs, chunks = corpus(base, settings, size)
    owners = {c.doc_id for c in chunks}
    docs = [with_content_hash(d) for d in docs if d.doc_id in owners]
    doc_title = {d.doc_id: d.title for d in docs}
    title_of: dict[str, str] = {}
    for c in chunks:
        title_of.setdefault(c.text, doc_title[c.doc_id])
    embedded = list(dict.fromkeys(c.text for c in chunks))[:real]
    vectors, tokens = real_vectors([passage_text(title_of[t], t) for t in embedded], settings)
    all_vectors = vectors_for(chunks, dict(zip(embedded, vectors, strict=True)))
    stories, shingles = story_groups(docs, None)  # as update_index would have stored them
    write_generation(
        settings.index_dir,
        identity,
        docs,
        chunks,
        all_vectors,
        stories,
        settings,
        tokens=tokens_for(chunks, {t: i for i, t in enumerate(embedded)}, tokens),
        shingles=shingles,
        **sentence_args(docs, chunks, all_vectors),
    )


def profile_one(
    settings: IndexSettings, embedder: Embedder, docs: list[Document], live: IndexSnapshot | None
) -> None:
    """cProfile of one more one-article update at the largest size: where "other" goes."""
    prof = cProfile.Profile()
    prof.enable()
    update_index(settings, embedder, docs, progress=False, live=live)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
    print(buf.getvalue(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--real", type=int, default=3000)
    parser.add_argument(
        "--reload",
        action="store_true",
        help="let update_index load the live generation itself, as before the bot passed its own",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one more +1 at the largest size"
    )
    args = parser.parse_args()

    base_settings = IndexSettings()
    configure_threads(base_settings)  # as the bot, which ingests while it answers
    embedder = TimedEmbedder(load_embedder(base_settings))
    print(f"backend {embedder.identity.backend}; adding {ADDS} articles", flush=True)
    rows: list[tuple[int, int, float, float]] = []
    fresh = held_back_articles(sum(ADDS) + 1)  # one more for --profile
    held_back = {d.doc_id.removeprefix("ingested-") for d in fresh}
    (REPO_ROOT / "var").mkdir(exist_ok=True)
    for size in args.sizes:
        with tempfile.TemporaryDirectory(dir=REPO_ROOT / "var") as tmp:
            settings = base_settings.model_copy(update={"data_dir": Path(tmp)})
            t0 = time.perf_counter()
            build_base(settings, size, args.real, embedder.identity, held_back)
            print(f"{size} chunks written in {time.perf_counter() - t0:.0f} s", flush=True)
            start = 0
            live = None if args.reload else IndexSnapshot.load(settings.index_dir)
            for n in ADDS:
                embedder.seconds = 0.0
                t0 = time.perf_counter()
                update_index(
                    settings, embedder, fresh[start : start + n], progress=False, live=live
                )
                total = time.perf_counter() - t0
                # The bot's engine then loads the new generation (untimed: every ingest did).
                live = None if args.reload else IndexSnapshot.load(settings.index_dir)
                rows.append((size, n, total, embedder.seconds))
                print(f"  +{n}: {total:.1f} s (model {embedder.seconds:.1f} s)", flush=True)
                start += n
            if args.profile and size == max(args.sizes):
                profile_one(settings, embedder, fresh[start : start + 1], live)
    print()
    print(
        f"{'chunks':>9}{'added':>7}{'total s':>9}{'model s':>9}{'other s':>9}{'other ratio':>13}"
    )
    smallest = {n: next(t - m for s, a, t, m in rows if a == n) for n in ADDS}
    for size, n, total, model in rows:
        other = total - model
        ratio = other / max(smallest[n], 1e-9)
        print(f"{size:>11}{n:>11}{total:11.1f}{model:11.1f}{other:11.1f}{ratio:11.1f}")


if __name__ == "__main__":
    main()
