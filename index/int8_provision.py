"""Export the provisioned fp32 e5 to ONNX and quantise it to int8, offline and once.

The graph keeps the two outputs the index uses: the last layer (mean-pooled into the chunk
vector) and layer `TOKEN_LAYER` (token states for late-interaction re-ranking). Quantisation is
onnxruntime's dynamic int8 with per-channel weights: activations are quantised per call, so no
calibration data is needed and the graph depends on the weights alone. The onnxruntime
transformer optimiser (attention fusion) before quantising gave no further speed here.

Built like the fp32 folder (index/atomic_folder.py): idempotent through a marker that records
the fp32 folder's own marker (so a rebuilt source rebuilds the graph), atomic, locked.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.atomic_folder import build_folder
from index.provision import MARKER_NAME, MODEL_FOLDER, provision_e5
from index.tokens import TOKEN_LAYER

log = logging.getLogger(__name__)

INT8_FOLDER = f"{MODEL_FOLDER}-onnx-int8"
GRAPH_NAME = "model-int8.onnx"
# Bump whenever the exported graph changes (outputs, opset, quantisation), to rebuild old ones.
INT8_FORMAT_VERSION = 1
_OPSET = 17


def int8_marker(source_folder: Path) -> dict[str, Any] | None:
    """What the graph is built from; None when the fp32 folder has no readable marker."""
    try:
        source = json.loads((source_folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {
        "format_version": INT8_FORMAT_VERSION,
        "token_layer": TOKEN_LAYER,
        "quantisation": "onnxruntime dynamic QInt8, per-channel weights",
        "source": source,
    }


def int8_is_up_to_date(target: Path, source_folder: Path) -> bool:
    try:
        marker = json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    expected = int8_marker(source_folder)
    return expected is not None and marker == expected and (target / GRAPH_NAME).is_file()


def provision_int8(model_dir: Path, *, force: bool = False) -> Path:
    """Build `model_dir/<model>-onnx-int8/` from the fp32 folder (provisioned first if needed)."""
    source = provision_e5(model_dir)
    target = Path(model_dir) / INT8_FOLDER
    marker = int8_marker(source)
    if marker is None:  # provision_e5 just wrote it; unreadable means a broken cache
        raise OSError(f"{source / MARKER_NAME} is unreadable")

    def write(tmp: Path) -> None:
        log.info("exporting %s to int8 ONNX", source)
        export_int8(source, tmp / GRAPH_NAME)

    return build_folder(
        target,
        MARKER_NAME,
        json.dumps(marker, indent=2),
        write,
        is_current=lambda: int8_is_up_to_date(target, source),
        force=force,
    )


def export_int8(source: Path, graph: Path) -> None:
    """fp32 BertModel -> ONNX (last layer, layer TOKEN_LAYER) -> int8 graph at `graph`."""
    import torch
    import transformers
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer
    from transformers import AutoModel

    class TwoLayers(torch.nn.Module):
        """The encoder with the two outputs the index reads."""

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, Any]:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True
            )
            return out.last_hidden_state, out.hidden_states[TOKEN_LAYER]

    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    bert = AutoModel.from_pretrained(str(source)).eval()
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    sample = [tokenizer.encode(t).ids for t in ("passage: пример", "passage: an example")]
    width = max(map(len, sample))
    ids = torch.tensor([s + [0] * (width - len(s)) for s in sample], dtype=torch.int64)
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sample])
    fp32 = graph.with_name("fp32.onnx")
    axes = {0: "batch", 1: "tokens"}
    with _quiet():
        torch.onnx.export(
            TwoLayers(bert),
            (ids, mask),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["last", "tokens"],
            dynamic_axes={n: axes for n in ("input_ids", "attention_mask", "last", "tokens")},
            opset_version=_OPSET,
            dynamo=False,
        )
        quantize_dynamic(str(fp32), str(graph), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter's and quantiser's advice (deprecations, "run pre-processing") is for
    developers of the export, not for whoever provisions; errors still raise."""
    quantiser_log = logging.getLogger()
    level = quantiser_log.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantiser_log.setLevel(max(level, logging.ERROR))
        try:
            yield
        finally:
            quantiser_log.setLevel(level)
