"""int8 encoder prototype: the provisioned e5 exported to ONNX, quantised, against fp32 torch.

Why: embedding is ~90% of indexing (bench/index_throughput.py) and the encoder already runs
near the fp32 peak, so the lever for the corpus-scale work is int8 (this CPU has AVX-512 VNNI).
Before an int8 backend goes into the product it has to show, in one run on the same texts and
threads, how much faster it is and how far its vectors move from fp32's. This bench measures
exactly that; it does not touch the index (the product backend, its provisioning step and the
`newsbot eval` comparison are the next step of the corpus-scale issue).

    .venv/bin/pip install '.[int8]'   # onnx + onnxruntime, not installed by `make setup`
    .venv/bin/python bench/int8_encoder.py [--texts 256] [--rounds 2]

The export keeps the index's two outputs (last layer for the pooled vector, layer 10 for the
token states: index/embedder.py TOKEN_LAYER); quantisation is onnxruntime's dynamic int8 with
per-channel weights. Texts are real chunk texts (Wikinews articles cleaned and chunked by the
project's pipeline); both sides embed them with the same "passage: " prefix, batch size and 2
threads; rounds alternate and the best of each is kept.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.index_throughput import WIKINEWS, chunk_texts, wikinews_documents
from index.embedder import TOKEN_LAYER, load_embedder
from index.provision import MODEL_FOLDER
from index.settings import IndexSettings

BATCH = 32
QUERY = "Кто подписал соглашение о сотрудничестве?"


def export_int8(model_dir: Path, out_dir: Path) -> tuple[Path, float]:
    """Export (last layer, layer TOKEN_LAYER) to ONNX and quantise it; returns path and seconds."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    bert = AutoModel.from_pretrained(str(model_dir)).eval()

    class TwoLayers(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, Any]:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True
            )
            return out.last_hidden_state, out.hidden_states[TOKEN_LAYER]

    sample = tokenizer(["passage: пример", "passage: an example text"], padding=True,
                       return_tensors="pt")  # fmt: skip
    fp32 = out_dir / "e5.onnx"
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        TwoLayers(bert),
        (sample["input_ids"], sample["attention_mask"]),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["last", "tokens"],
        dynamic_axes={n: axes for n in ("input_ids", "attention_mask", "last", "tokens")},
        opset_version=17,
        dynamo=False,
    )
    int8 = out_dir / "e5-int8.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    return int8, time.perf_counter() - t0


class OnnxEncoder:
    """Mean-pooled, L2-normalised vectors from the int8 graph, batches sorted by length."""

    def __init__(self, model_dir: Path, graph: Path, threads: int) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], batch_size: int = BATCH) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            enc = self.tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=512,
                return_tensors="np",
            )
            mask = enc["attention_mask"].astype(np.int64)
            last, _tokens = self.session.run(
                None, {"input_ids": enc["input_ids"].astype(np.int64), "attention_mask": mask}
            )
            pooled = (last * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
            for row, vector in zip(rows, pooled, strict=True):
                out[row] = vector
        return np.stack(out)


def query_ms(embed: Any, repeats: int = 50) -> float:
    embed()
    t0 = time.perf_counter()
    for _ in range(repeats):
        embed()
    return (time.perf_counter() - t0) / repeats * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    settings = IndexSettings()
    fp32 = load_embedder(settings)
    model_dir = settings.model_dir / MODEL_FOLDER
    texts = chunk_texts(wikinews_documents(WIKINEWS, settings, args.texts), settings)[: args.texts]
    passages = ["passage: " + t for t in texts]
    with tempfile.TemporaryDirectory() as tmp:
        graph, export_s = export_int8(model_dir, Path(tmp))
        size_mb = graph.stat().st_size / 1e6
        int8 = OnnxEncoder(model_dir, graph, threads=2)
        best = {"fp32": float("inf"), "int8": float("inf")}
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            a = fp32.embed_passages(texts)
            best["fp32"] = min(best["fp32"], time.perf_counter() - t0)
            t0 = time.perf_counter()
            b = int8.encode(passages)
            best["int8"] = min(best["int8"], time.perf_counter() - t0)
        cos = (np.asarray(a) * b).sum(1)
        q_fp32 = query_ms(lambda: fp32.embed_queries([QUERY]))
        q_int8 = query_ms(lambda: int8.encode(["query: " + QUERY]))
    rate = {k: len(texts) / v for k, v in best.items()}
    print(f"{len(texts)} chunk texts; export + quantise {export_s:.1f} s, "
          f"int8 graph {size_mb:.0f} MB")  # fmt: skip
    print(f"passages/s  fp32 torch {rate['fp32']:.1f}  int8 onnx {rate['int8']:.1f}  "
          f"ratio {rate['int8'] / rate['fp32']:.2f}")  # fmt: skip
    print(f"query ms    fp32 torch {q_fp32:.1f}  int8 onnx {q_int8:.1f}  "
          f"ratio {q_int8 / q_fp32:.2f}")  # fmt: skip
    print(f"cosine int8 vs fp32: mean {cos.mean():.4f}  min {cos.min():.4f}")


if __name__ == "__main__":
    main()
