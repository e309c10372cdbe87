"""`ask` latency on real news against the plain LangChain recipe's similarity search, per backend.

Why: the corpus-scale issue wants `AnswerEngine.ask` (question analysis, embedding, hybrid
retrieval with token re-ranking, the answer step) within 1.5x of the p95 of the plain recipe's
similarity search alone, on the same articles, in the same run. The recipe:
`RecursiveCharacterTextSplitter(chunk_size=800)`, the same e5 through sentence-transformers
without prefixes, a flat FAISS inner-product index, top 4 (as bench/article_retrieval.py).

Corpus: the 933 Russian Wikinews articles (held-out news: only timed here, never read for
rules). Questions: each of `--questions` articles' own title asked as the question (a headline
typed as a query; no labels are involved, only load). newsbot is indexed with each backend
(`torch` fp32 and `onnx-int8`) and the USE channel, as in production, under
var/cache/bench/ask-vs-recipe/<backend>/ (incremental: a re-run embeds nothing). Timing runs in
a child process configured as the bot is (`NEWSBOT_QUERY_THREADS`, 1 by default), so the
model, FAISS and the recipe all run on the threads a question gets in production.

    .venv/bin/python bench/ask_vs_recipe.py [--questions 60] [--passes 2] [--articles N]

First run: ~7 min to index with fp32, ~3 min with int8, ~1.5 min to embed the recipe's chunks;
the timing itself takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.index_throughput import WIKINEWS
from index.builder import update_index
from index.cleaning import clean_document
from index.documents import Document
from index.embedder import Embedder
from index.embedder_loader import load_embedder
from index.loaders import load_path
from index.runtime import configure_threads
from index.second_embedder import load_second_embedder
from index.settings import REPO_ROOT, IndexSettings
from index.torch_embedder import SentenceTransformerEmbedder

WORK = REPO_ROOT / "var" / "cache" / "bench" / "ask-vs-recipe"
BACKENDS = ("torch", "onnx-int8")
CHUNK_SIZE = 800
TOP_K = 4


def articles(limit: int | None) -> list[Document]:
    docs = [d for raw in load_path(WIKINEWS).documents if (d := clean_document(raw)) is not None]
    return docs[:limit]


def recipe_chunks(docs: list[Document]) -> list[str]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE)
    return [piece for d in docs for piece in splitter.split_text(d.text)]


def sentence_transformer(settings: IndexSettings, loaded: Embedder | None = None) -> Any:
    """The fp32 SentenceTransformer the recipe encodes with: `loaded`'s own when that is the
    torch embedder (one model in memory, not two), else a fresh one."""
    embedder = loaded
    if not isinstance(embedder, SentenceTransformerEmbedder):
        embedder = load_embedder(settings.model_copy(update={"embedding_backend": "torch"}))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder._model


def prepare(docs: list[Document]) -> None:
    """Index both backends and embed the recipe's chunks (2 threads, as `newsbot index`)."""
    base = IndexSettings()
    configure_threads(base, indexing=True)
    second = load_second_embedder(base)
    loaded: dict[str, Embedder] = {}
    for backend in BACKENDS:
        settings = base.model_copy(
            update={"embedding_backend": backend, "data_dir": WORK / backend}
        )
        t0 = time.perf_counter()
        loaded[backend] = embedder = load_embedder(settings)
        report = update_index(settings, embedder, docs, second_embedder=second, progress=False)
        print(f"{backend}: {report.total_chunks} chunks, {time.perf_counter() - t0:.0f} s")
    vectors = WORK / f"recipe-{len(docs)}.npy"
    if not vectors.is_file():
        model = sentence_transformer(base, loaded["torch"])
        chunks = recipe_chunks(docs)
        v = model.encode(chunks, normalize_embeddings=True, show_progress_bar=False)
        np.save(vectors, np.ascontiguousarray(v, dtype=np.float32), allow_pickle=False)
        print(f"recipe: {len(chunks)} chunks embedded")


def measure(backend: str, questions: list[str], n_docs: int, passes: int) -> dict[str, Any]:
    """Child process: the bot's thread set-up, then every question `passes` times, warm."""
    import faiss

    from rag.answering.engine import AnswerEngine
    from rag.settings import RagSettings

    settings = IndexSettings(data_dir=WORK / backend).model_copy(
        update={"embedding_backend": backend}
    )
    configure_threads(settings)
    embedder = load_embedder(settings)
    second = load_second_embedder(settings)
    engine = AnswerEngine.from_settings(
        settings, RagSettings(), embedder=embedder, second_embedder=second
    )
    fp32 = sentence_transformer(settings, embedder)
    recipe_vectors = np.load(WORK / f"recipe-{n_docs}.npy", allow_pickle=False)
    index = faiss.IndexFlatIP(recipe_vectors.shape[1])
    index.add(recipe_vectors)

    def recipe(q: str) -> None:
        vector = fp32.encode([q], normalize_embeddings=True, show_progress_bar=False)
        index.search(np.ascontiguousarray(vector, dtype=np.float32), TOP_K)

    for q in questions[:10]:  # warm-up: lazy models, caches of the first calls
        engine.ask(q)
        recipe(q)
    ask_ms: list[float] = []
    recipe_ms: list[float] = []
    for _ in range(passes):
        for q in questions:
            t0 = time.perf_counter()
            engine.ask(q)
            ask_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            recipe(q)
            recipe_ms.append((time.perf_counter() - t0) * 1000)
    return {"ask": ask_ms, "recipe": recipe_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--articles", type=int, default=None, help="first N articles only")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # child process: the backend
    args = parser.parse_args()

    docs = articles(args.articles)
    step = max(1, len(docs) // args.questions)
    questions = [d.title for d in docs[::step][: args.questions] if d.title]
    if args.measure:
        print("RESULT " + json.dumps(measure(args.measure, questions, len(docs), args.passes)))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    prepare(docs)
    print(f"\n{len(docs)} articles, {len(questions)} questions x {args.passes} passes, warm")
    print(f"{'':<28}{'p50 ms':>8}{'p95 ms':>8}{'p95 vs recipe':>15}")
    for backend in BACKENDS:
        cmd = [sys.executable, __file__, "--measure", backend, "--passes", str(args.passes)]
        cmd += ["--questions", str(args.questions)]
        if args.articles:
            cmd += ["--articles", str(args.articles)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"measuring {backend} failed ({proc.returncode})")
        line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
        result = json.loads(line[len("RESULT ") :])
        recipe_p95 = float(np.percentile(result["recipe"], 95))
        for name, label in (("ask", f"newsbot ask ({backend})"), ("recipe", "recipe search")):
            p50, p95 = (float(np.percentile(result[name], p)) for p in (50, 95))
            print(f"{label:<28}{p50:8.1f}{p95:8.1f}{p95 / recipe_p95:15.2f}")


if __name__ == "__main__":
    main()
