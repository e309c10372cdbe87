"""`Embedder` over a sentence-transformers model on CPU in fp32 (torch)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from index.embedder import (
    EmbedderIdentity,
    Vectors,
    stored_token_spans,
    text_prefixes,
    text_token_states,
)
from index.tokens import TOKEN_LAYER, TokenStates

BACKEND = "sentence-transformers-torch-fp32"
_MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class SentenceTransformerEmbedder:
    """`Embedder` over a sentence-transformers model, on CPU in fp32.

    It runs with the thread count of the calling thread, which `index.runtime.configure_threads`
    sets once per process: torch's count is partly process-wide, so no call here changes it.

    `texts_encoded` counts texts sent to the model, so callers and tests can check that
    unchanged chunks are not re-embedded.
    """

    def __init__(
        self,
        model_name: str,
        model_path: str | None = None,
        *,
        batch_size: int = 32,
    ) -> None:
        import transformers
        from sentence_transformers import SentenceTransformer
        from tokenizers import Tokenizer

        # Its weight-loading progress bar is noise in a CLI and in the bot's logs.
        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        self._model = SentenceTransformer(model_path or model_name, device="cpu")
        # Renamed in sentence-transformers 6; the old name warns there but is all that 5.x has.
        get_dim = getattr(self._model, "get_embedding_dimension", None)
        dim = get_dim() if get_dim else self._model.get_sentence_embedding_dimension()
        if dim is None:
            raise ValueError(f"{model_name} does not report its embedding dimension")
        self._identity = EmbedderIdentity(model=model_name, backend=BACKEND, dim=int(dim))
        self._batch_size = batch_size
        self._query_prefix, self._passage_prefix = text_prefixes(model_name)
        # Leading tokens a text's states drop: <s> and its prefix's own tokens.
        self._skip = {
            p: 1 + len(self._model.tokenizer(p.strip(), add_special_tokens=False)["input_ids"])
            for p in (self._query_prefix, self._passage_prefix)
        }
        # A copy of the fast tokenizer that only `passage_token_spans` uses, set up once: the
        # model's own is reconfigured by every `encode` call, which a concurrent read would
        # trip over ("Already borrowed").
        spans_tokenizer: Any = Tokenizer.from_str(self._model.tokenizer.backend_tokenizer.to_str())
        spans_tokenizer.no_padding()
        spans_tokenizer.enable_truncation(int(self._model.max_seq_length or 512))
        self._spans_tokenizer = spans_tokenizer
        self.texts_encoded = 0

    @property
    def identity(self) -> EmbedderIdentity:
        return self._identity

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._query_prefix)

    def embed_passages_with_tokens(
        self, texts: Sequence[str]
    ) -> tuple[Vectors, list[TokenStates]]:
        return self._encode_with_tokens(texts, self._passage_prefix)

    def embed_query_with_tokens(self, text: str) -> tuple[Vectors, TokenStates]:
        vectors, states = self._encode_with_tokens([text], self._query_prefix)
        return vectors[0], states[0]

    def passage_token_spans(self, text: str) -> list[tuple[int, int]]:
        prefix = self._passage_prefix
        offsets = self._spans_tokenizer.encode(prefix + text).offsets
        return stored_token_spans(offsets, prefix, self._skip[prefix])

    def _encode_with_tokens(
        self, texts: Sequence[str], prefix: str
    ) -> tuple[Vectors, list[TokenStates]]:
        """Pooled vectors exactly as `encode` makes them (the model's own pooling modules run),
        plus the states of layer `TOKEN_LAYER` without special and prefix tokens.

        `encode` cannot return them: it hands every text the hidden states of its whole batch,
        and only when the shared model config asks for them, which threads answering questions
        at the same time must not toggle. So the transformer is called here with
        `output_hidden_states=True` for this call alone, then the remaining modules pool.
        """
        import torch

        dim = self._identity.dim
        vectors = np.zeros((len(texts), dim), dtype=np.float32)
        states: list[TokenStates] = [np.zeros((0, dim), dtype=np.float32)] * len(texts)
        if not texts:
            return vectors, states
        first: Any = self._model[0]
        transformer: Any = getattr(first, "model", None) or first.auto_model
        layer = min(TOKEN_LAYER, int(transformer.config.num_hidden_layers))
        skip = self._skip[prefix]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        # `tokenize` was renamed `preprocess` in sentence-transformers 6 (the old name warns).
        preprocess = getattr(self._model, "preprocess", None) or self._model.tokenize
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            features = preprocess([prefix + texts[i] for i in rows])
            inputs = {k: features[k] for k in _MODEL_INPUTS if k in features}
            with torch.inference_mode():
                out = transformer(**inputs, output_hidden_states=True, return_dict=True)
                features["token_embeddings"] = out.last_hidden_state
                for module in list(self._model)[1:]:
                    features = module(features)
            pooled = features["sentence_embedding"].float().numpy()
            hidden = out.hidden_states[layer].float().numpy()
            lengths = features["attention_mask"].sum(dim=1).tolist()
            for j, i in enumerate(rows):
                vectors[i] = pooled[j] / max(float(np.linalg.norm(pooled[j])), 1e-12)
                states[i] = text_token_states(hidden[j], int(lengths[j]), skip)
        self.texts_encoded += len(texts)
        return vectors, states

    def _encode(self, texts: Sequence[str], prefix: str) -> Vectors:
        if len(texts) == 0:
            return np.zeros((0, self._identity.dim), dtype=np.float32)
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        self.texts_encoded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)
