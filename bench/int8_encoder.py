"""int8 ONNX backend against fp32 torch: speed of the encoder and of indexing, and how far the
vectors move, in one run on the same real texts and threads.

Why: embedding is most of indexing and the fp32 encoder already runs near the CPU's fp32 peak,
so the corpus-scale lever is int8 (index/onnx_embedder.py, provisioned by
index/int8_provision.py). Retrieval quality is measured separately by `newsbot eval` on each
backend (README); this bench gives the speed side and the vector drift.

    .venv/bin/python bench/int8_encoder.py [--texts 256] [--chunks 300] [--rounds 2] [--layouts]

`--layouts` adds the evidence for how index/onnx_embedder.py runs the graph: padded batches of
32 against one text at a time on a 2-thread session and on 2 single-threaded workers (the
product), the cosine between batched and lone vectors, and a question on 1 and 2 threads.

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
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.index_throughput import WIKINEWS, chunk_texts, pipeline, wikinews_documents
from index.embedder import TokenEmbedder
from index.embedder_loader import load_embedder
from index.int8_provision import GRAPH_NAME, INT8_FOLDER, provision_int8
from index.onnx_embedder import OnnxEmbedder
from index.provision import MODEL_FOLDER
from index.runtime import configure_threads
from index.settings import DEFAULT_MODEL, REPO_ROOT, IndexSettings

BATCH = 32  # the batch size sentence-transformers runs the fp32 model with here
QUERY = "Кто подписал соглашение о сотрудничестве?"


def query_ms(embed: Callable[[], object], repeats: int = 50) -> float:
    embed()
    t0 = time.perf_counter()
    for _ in range(repeats):
        embed()
    return (time.perf_counter() - t0) / repeats * 1000


def run_layouts(texts: list[str], model_dir: Path, rounds: int) -> None:
    """Why index/onnx_embedder.py runs texts one by one on single-threaded workers: the same
    graph and texts as padded batches of 32 and one by one on a 2-thread session, raw."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    graph = model_dir / INT8_FOLDER / GRAPH_NAME

    def session(threads: int) -> Any:
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

    tokenizer = Tokenizer.from_file(str(model_dir / MODEL_FOLDER / "tokenizer.json"))
    tokenizer.enable_truncation(512)
    passages = ["passage: " + t for t in sorted(texts, key=len)]
    two = session(2)

    def batched() -> np.ndarray:
        out = []
        for start in range(0, len(passages), BATCH):
            encs = tokenizer.encode_batch(passages[start : start + BATCH])
            width = max(len(e.ids) for e in encs)
            ids = np.ones((len(encs), width), dtype=np.int64)  # 1: <pad>
            mask = np.zeros_like(ids)
            for row, e in enumerate(encs):
                ids[row, : len(e.ids)], mask[row, : len(e.ids)] = e.ids, 1
            last = two.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            out.append((last * mask[..., None]).sum(1) / mask.sum(1, keepdims=True))
        return np.concatenate(out)

    def alone(sess: Any, text: str) -> np.ndarray:
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        return np.asarray(
            sess.run(None, {"input_ids": ids, "attention_mask": ids * 0 + 1})[0][0].mean(0)
        )

    product = OnnxEmbedder(DEFAULT_MODEL, model_dir / MODEL_FOLDER, graph, threads=2)
    layouts: dict[str, Callable[[], np.ndarray]] = {
        "batches of 32, 2-thread session": batched,
        "one by one, 2-thread session": lambda: np.stack([alone(two, t) for t in passages]),
        "one by one, 2 workers x 1 thread": lambda: product.embed_passages(sorted(texts, key=len)),
    }
    best = dict.fromkeys(layouts, float("inf"))
    out: dict[str, np.ndarray] = {}
    for _ in range(rounds):
        for name, embed in layouts.items():
            t0 = time.perf_counter()
            out[name] = embed()
            best[name] = min(best[name], time.perf_counter() - t0)
    unit = {k: v / np.linalg.norm(v, axis=1, keepdims=True) for k, v in out.items()}
    names = list(layouts)
    cos = (unit[names[0]] * unit[names[2]]).sum(axis=1)
    print(f"\nlayouts of the int8 graph, {len(texts)} chunk texts, best of {rounds}:")
    for name in names:
        print(f"  {name:<34}{len(texts) / best[name]:8.1f} passages/s")
    print(f"  cosine batched vs alone: mean {cos.mean():.4f}  min {cos.min():.4f}")
    one = session(1)
    print(
        f"  question ms: 1-thread session {query_ms(lambda: alone(one, 'query: ' + QUERY)):.1f}, "
        f"2-thread session {query_ms(lambda: alone(two, 'query: ' + QUERY)):.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--chunks", type=int, default=300, help="indexed by update_index")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--layouts", action="store_true", help="also compare ways of running the int8 graph"
    )
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
    rows = {
        "passages/s (bare encode)": [len(texts) / encode[b] for b in backends],
        "chunks/s (update_index)": [chunks / index[b] for b in backends],
        "question ms (with tokens)": [question[b] for b in backends],
    }
    for label, (fp32, int8) in rows.items():
        print(f"{label:<28}{fp32:12.1f}{int8:12.1f}{int8 / fp32:8.2f}")
    print(f"cosine int8 vs fp32 passage vectors: mean {cos.mean():.4f}  min {cos.min():.4f}")
    if args.layouts:
        run_layouts(texts, base.model_dir, args.rounds)


if __name__ == "__main__":
    main()
