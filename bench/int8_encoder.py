"""int8 ONNX backend against fp32 torch: speed of the encoder and of indexing, and how far the
vectors move, in one run on the same real texts and threads.

Why: embedding is most of indexing and the fp32 encoder already runs near the CPU's fp32 peak,
so the corpus-scale lever is int8 (index/onnx_embedder.py, provisioned by
index/int8_provision.py). Retrieval quality is measured separately by `newsbot eval` on each
backend (README); this bench gives the speed side and the vector drift.

    .venv/bin/python bench/int8_encoder.py [--texts 256] [--chunks 300] [--rounds 2]

Texts are real chunk texts (Wikinews articles cleaned and chunked by the project's pipeline).
Rows: bare `embed_passages` on the chunk texts; a question's `embed_query_with_tokens` (what
answering calls); `update_index` of the articles into a fresh index (chunks, sentences, token
codes, FAISS, SQLite; without the second embedder, which neither backend changes). Rounds
alternate the backends and the best of each is kept: the 2 cores are shared.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.index_throughput import WIKINEWS, chunk_texts, pipeline, wikinews_documents
from index.embedder import TokenEmbedder
from index.embedder_loader import load_embedder
from index.int8_provision import provision_int8
from index.runtime import configure_threads
from index.settings import REPO_ROOT, IndexSettings

QUERY = "Кто подписал соглашение о сотрудничестве?"


def query_ms(embed: Callable[[], object], repeats: int = 50) -> float:
    embed()
    t0 = time.perf_counter()
    for _ in range(repeats):
        embed()
    return (time.perf_counter() - t0) / repeats * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--chunks", type=int, default=300, help="indexed by update_index")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    base = IndexSettings()
    threads = configure_threads(base, indexing=True)
    t0 = time.perf_counter()
    provision_int8(base.model_dir)
    print(f"int8 graph ready in {time.perf_counter() - t0:.1f} s (0 when already provisioned)")
    backends = ("torch", "onnx-int8")
    embedders: dict[str, TokenEmbedder] = {}
    for name in backends:
        loaded = load_embedder(base.model_copy(update={"embedding_backend": name}))
        assert isinstance(loaded, TokenEmbedder)
        embedders[name] = loaded
    texts = chunk_texts(wikinews_documents(WIKINEWS, base, args.texts), base)[: args.texts]
    docs = wikinews_documents(WIKINEWS, base, args.chunks)
    (REPO_ROOT / "var").mkdir(exist_ok=True)

    encode = dict.fromkeys(backends, float("inf"))
    index = dict.fromkeys(backends, float("inf"))
    vectors: dict[str, np.ndarray] = {}
    chunks = 0
    for _ in range(args.rounds):
        for name, embedder in embedders.items():
            t0 = time.perf_counter()
            vectors[name] = embedder.embed_passages(texts)
            encode[name] = min(encode[name], time.perf_counter() - t0)
            run = pipeline(base, embedder, docs)
            index[name], chunks = min(index[name], run.seconds), run.chunks
    question = {
        name: query_ms(lambda e=e: e.embed_query_with_tokens(QUERY))  # type: ignore[misc]
        for name, e in embedders.items()
    }
    cos = (vectors["torch"] * vectors["onnx-int8"]).sum(axis=1)

    print(f"{len(texts)} chunk texts, {len(docs)} articles -> {chunks} chunks; {threads} threads")
    print(f"{'best of ' + str(args.rounds):<28}{'fp32 torch':>12}{'int8 onnx':>12}{'ratio':>8}")
    rows = [
        ("passages/s (bare encode)", *(len(texts) / encode[b] for b in backends)),
        ("chunks/s (update_index)", *(chunks / index[b] for b in backends)),
        ("question ms (with tokens)", *(question[b] for b in backends)),
    ]
    for label, fp32, int8 in rows:
        print(f"{label:<28}{fp32:12.1f}{int8:12.1f}{int8 / fp32:8.2f}")
    print(f"cosine int8 vs fp32 passage vectors: mean {cos.mean():.4f}  min {cos.min():.4f}")


if __name__ == "__main__":
    main()
