"""`Embedder` over the provisioned e5 as an int8 onnxruntime graph (index/int8_provision.py).

Why: embedding is most of indexing and the fp32 encoder already runs near the CPU's fp32 peak;
as run here the int8 graph embeds 3.7-3.9x as many passages per second and a question in a
quarter of the time, with vectors at cosine >= 0.99 of fp32's (bench/int8_encoder.py). Its
vectors still differ from fp32's, so the identity names its own backend and an index built by
one backend refuses the other.

The tokenizer is the `tokenizers` object itself, set up once (truncation on, padding off):
transformers' wrapper changes the shared tokenizer's padding and truncation on every call, which
fails ("Already borrowed") when answer threads embed at the same time. Pooling is the provisioned
folder's: the mean over every token, specials and prefix included.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from index.embedder import (
    EmbedderIdentity,
    Vectors,
    stored_token_spans,
    text_prefixes,
    text_token_states,
)
from index.tokens import TokenStates

INT8_BACKEND = "onnxruntime-int8"


class OnnxEmbedder:
    """`TokenEmbedder` over an exported graph with outputs (last layer, token layer).

    One session serves every thread (onnxruntime's `run` is thread-safe and lets go of the
    GIL). It runs each text on one core, and a list of texts on `threads` workers at once.

    Each text runs alone, not in batches, because dynamic quantisation scales activations per
    tensor: batch mates (and their padding) move a text's vector, so the same text would embed
    differently in an incremental update than in a rebuild. `bench/int8_encoder.py --layouts`
    (256 real chunk texts, 2 cores, 2026-12-07): 2 single-threaded workers 119 passages/s,
    padded batches of 32 on a 2-thread session 86 (cosine to the lone vectors down to 0.994),
    one by one on a 2-thread session 70 (per-text matrices are too small to split well); a
    question 5.0 ms on one thread, 5.9 ms on two.
    """

    def __init__(
        self,
        model_name: str,
        folder: Path,
        graph: Path,
        *,
        threads: int = 1,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(config["max_seq_length"]))
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # its warnings name graph internals, not user faults
        self._session = ort.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        dim = self._session.get_outputs()[0].shape[-1]
        if not isinstance(dim, int):
            raise ValueError(f"{graph} does not fix its vector width")
        self._identity = EmbedderIdentity(model=model_name, backend=INT8_BACKEND, dim=dim)
        self._workers = max(1, threads)
        self._query_prefix, self._passage_prefix = text_prefixes(model_name)
        # Leading tokens a text's states drop: <s> and its prefix's own tokens.
        self._skip = {
            p: 1 + len(self._tokenizer.encode(p.strip(), add_special_tokens=False).ids)
            for p in (self._query_prefix, self._passage_prefix)
        }
        self.texts_encoded = 0

    @property
    def identity(self) -> EmbedderIdentity:
        return self._identity

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._passage_prefix, with_tokens=False)[0]

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._query_prefix, with_tokens=False)[0]

    def embed_passages_with_tokens(
        self, texts: Sequence[str]
    ) -> tuple[Vectors, list[TokenStates]]:
        return self._encode(texts, self._passage_prefix, with_tokens=True)

    def embed_query_with_tokens(self, text: str) -> tuple[Vectors, TokenStates]:
        vectors, states = self._encode([text], self._query_prefix, with_tokens=True)
        return vectors[0], states[0]

    def passage_token_spans(self, text: str) -> list[tuple[int, int]]:
        prefix = self._passage_prefix
        offsets = self._tokenizer.encode(prefix + text).offsets
        return stored_token_spans(offsets, prefix, self._skip[prefix])

    def _encode(
        self, texts: Sequence[str], prefix: str, *, with_tokens: bool
    ) -> tuple[Vectors, list[TokenStates]]:
        """One run per text, on `threads` workers: see the class docstring for why."""
        dim = self._identity.dim
        vectors = np.zeros((len(texts), dim), dtype=np.float32)
        states: list[TokenStates] = [np.zeros((0, dim), dtype=np.float32)] * len(texts)
        if not texts:
            return vectors, states
        skip = self._skip[prefix]
        encodings = self._tokenizer.encode_batch([prefix + t for t in texts])

        def run(i: int) -> None:
            ids = np.asarray([encodings[i].ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            last, tokens = self._session.run(None, feed)
            pooled = last[0].mean(axis=0)
            vectors[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
            if with_tokens:
                states[i] = text_token_states(tokens[0], ids.shape[1], skip)

        if self._workers == 1 or len(texts) == 1:
            for i in range(len(texts)):
                run(i)
        else:
            with ThreadPoolExecutor(self._workers, thread_name_prefix="onnx-embed") as pool:
                list(pool.map(run, range(len(texts))))
        self.texts_encoded += len(texts)
        return vectors, states
