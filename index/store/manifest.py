"""The manifest of a generation (`manifest.json`): a strict pydantic model of its JSON, read
and written as format 3 has always had it, and the checks that decide whether a generation on
disk may be loaded at all.

Format history: 2 added sentence vectors and the `sentences` table (a format-1 index needs
`--rebuild`); the optional second channel (`second_embedder`, `use_vectors.npy`) was added within
format 2: absent = none. 3: chunk vectors embed "title\\ntext" (`passage_text`) and token states
may be stored; an older generation is re-embedded by the next `newsbot index`
(OutdatedIndexError). The documents' shingles (`shingles.npy`, `shingle_offsets.npy`,
index/dedup.py) were added within format 3: absent = regrouped from the texts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from index.embedder import EmbedderIdentity
from index.errors import IncompatibleIndexError, IndexError_, OutdatedIndexError
from index.store.ann import IndexKind
from index.store.layout import (
    DATA_FILES,
    MANIFEST_FILE,
    SECOND_VECTORS_FILE,
    SHINGLE_FILES,
    TOKEN_FILES,
    TOKEN_MIDDLES_FILE,
    corrupt,
    read_current,
)

FORMAT_VERSION = 3
SUPPORTED_FORMAT_VERSIONS = frozenset({FORMAT_VERSION})

Count = Annotated[int, Field(ge=0)]


class ManifestError(ValueError):
    """A manifest that does not have the expected shape (the caller maps it to corruption)."""


class _Strict(BaseModel):
    # strict: a count of "3" or `true` is malformed, not coerced; unknown keys are ignored.
    model_config = ConfigDict(strict=True, frozen=True)


class FileDigest(_Strict):
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size: int


class EmbedderEntry(_Strict):
    model: str
    backend: str
    dim: Annotated[int, Field(ge=1)]

    @classmethod
    def of(cls, identity: EmbedderIdentity) -> EmbedderEntry:
        return cls(model=identity.model, backend=identity.backend, dim=identity.dim)

    def identity(self) -> EmbedderIdentity:
        return EmbedderIdentity(model=self.model, backend=self.backend, dim=self.dim)


class TokensEntry(_Strict):
    layer: Count


class CountsEntry(_Strict):
    documents: Count
    chunks: Count
    sentences: Count


class ChunkingEntry(_Strict):
    max_chars: int
    overlap_sentences: int


class FaissEntry(_Strict):
    kind: IndexKind
    params: dict[str, float]


class Manifest(_Strict):
    """Everything needed to check a generation before trusting it; fields in the JSON's order.

    `files` holds exactly the files this manifest's channels imply (others listed are ignored).
    """

    format_version: int
    created_at: str
    embedder: EmbedderEntry
    second_embedder: EmbedderEntry | None = None  # the model of use_vectors.npy, if any
    tokens: TokensEntry | None = None  # the hidden layer of the stored token states, if any
    counts: CountsEntry
    chunking: ChunkingEntry
    faiss: FaissEntry
    files: dict[str, FileDigest]

    @field_validator("files", mode="before")
    @classmethod
    def _expected_files(cls, raw: Any, info: ValidationInfo) -> Any:
        if not isinstance(raw, dict):
            return raw  # reported as the wrong type
        second = info.data.get("second_embedder")
        tokens = info.data.get("tokens")
        if second is None and SECOND_VECTORS_FILE in raw:
            raise ValueError(f"{SECOND_VECTORS_FILE} is listed without a second embedder")
        if tokens is None and any(name in raw for name in (*TOKEN_FILES, TOKEN_MIDDLES_FILE)):
            raise ValueError("token files are listed without a token layer")
        shingles = any(name in raw for name in SHINGLE_FILES)  # optional, both or neither
        expected = [
            *DATA_FILES,
            *([SECOND_VECTORS_FILE] if second is not None else []),
            *(TOKEN_FILES if tokens is not None else ()),
            *([TOKEN_MIDDLES_FILE] if TOKEN_MIDDLES_FILE in raw else []),
            *(SHINGLE_FILES if shingles else ()),
        ]
        missing = [name for name in expected if name not in raw]
        if missing:
            raise ValueError(f"manifest lacks {missing[0]!r}")
        return {name: raw[name] for name in expected}

    @property
    def identity(self) -> EmbedderIdentity:
        return self.embedder.identity()

    @property
    def second_identity(self) -> EmbedderIdentity | None:
        return None if self.second_embedder is None else self.second_embedder.identity()

    @property
    def has_shingles(self) -> bool:
        return all(name in self.files for name in SHINGLE_FILES)

    @property
    def has_token_middles(self) -> bool:
        return TOKEN_MIDDLES_FILE in self.files

    @property
    def token_layer(self) -> int | None:
        return None if self.tokens is None else self.tokens.layer

    @property
    def n_documents(self) -> int:
        return self.counts.documents

    @property
    def n_chunks(self) -> int:
        return self.counts.chunks

    @property
    def n_sentences(self) -> int:
        return self.counts.sentences

    @property
    def chunk_max_chars(self) -> int:
        return self.chunking.max_chars

    @property
    def chunk_overlap_sentences(self) -> int:
        return self.chunking.overlap_sentences

    @property
    def index_kind(self) -> IndexKind:
        return self.faiss.kind

    @property
    def index_params(self) -> dict[str, float]:
        return self.faiss.params

    def to_json(self) -> dict[str, Any]:
        return self.model_dump()


class _Versioned(BaseModel):
    model_config = ConfigDict(strict=True)
    format_version: int


def _problem(exc: ValidationError) -> str:
    """The first validation error in the words the hand-written checks used."""
    error = exc.errors()[0]
    loc, kind = error["loc"], error["type"]
    field = repr(loc[-1]) if loc else "'format_version'"
    if kind in ("missing", "model_type") and not loc:
        return "manifest lacks 'format_version'"
    if kind == "missing":
        return f"manifest lacks {field}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "greater_than_equal":
        return "negative count or non-positive dimension"
    if kind == "literal_error" and isinstance(error["input"], str):
        return f"unknown faiss index kind {error['input']!r}"
    if loc == ("tokens",):  # not an object: its one field is missing
        return "manifest lacks 'layer'"
    if kind == "string_pattern_mismatch":
        return f"bad sha256 for {loc[-2]}"
    if loc[:2] == ("faiss", "params") and len(loc) == 3:
        return "faiss params must be numbers"
    return f"manifest field {field} has the wrong type"


def manifest_format_version(raw: Any) -> int:
    """The format version alone, read first so that a newer format is reported as such."""
    try:
        return _Versioned.model_validate(raw).format_version
    except ValidationError as exc:
        raise ManifestError(_problem(exc)) from None


def parse_manifest(raw: Any) -> Manifest:
    """Validate decoded manifest JSON; raises ManifestError on any deviation.

    A missing `second_embedder` (a generation written before it existed) means no second channel.
    """
    manifest_format_version(raw)
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(_problem(exc)) from None


def read_manifest(
    gen_dir: Path, expected: EmbedderIdentity | None, expected_second: EmbedderIdentity | None
) -> Manifest:
    """The generation's manifest, refused unless this version can read it and its embedders
    are the expected ones (None: not checked)."""
    try:
        raw = json.loads((gen_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise corrupt(gen_dir, f"{MANIFEST_FILE} is missing") from None
    except (OSError, ValueError) as exc:
        raise corrupt(gen_dir, f"{MANIFEST_FILE} is not valid JSON: {exc}") from exc
    try:
        version = manifest_format_version(raw)
        if 0 < version < FORMAT_VERSION:
            raise OutdatedIndexError(str(gen_dir), version)
        if version not in SUPPORTED_FORMAT_VERSIONS:
            raise IncompatibleIndexError(
                str(gen_dir),
                f"format version {version}; supported: {sorted(SUPPORTED_FORMAT_VERSIONS)}",
            )
        manifest = parse_manifest(raw)
    except ManifestError as exc:
        raise corrupt(gen_dir, str(exc)) from exc
    if expected is not None and manifest.identity != expected:
        raise IncompatibleIndexError(
            str(gen_dir),
            f"embedder {manifest.identity.as_dict()}, expected {expected.as_dict()}",
        )
    second = manifest.second_identity
    if expected_second is not None and second is not None and second != expected_second:
        raise IncompatibleIndexError(
            str(gen_dir),
            f"second embedder {second.as_dict()}, expected {expected_second.as_dict()}",
        )
    return manifest


def write_manifest(path: Path, manifest: Manifest) -> None:
    with path.open("w", encoding="utf-8") as f:
        json.dump(manifest.to_json(), f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def is_up_to_date(index_dir: Path) -> bool:
    """A live generation exists and is in this version's format (read from its manifest only,
    so `newsbot index --if-missing` stays instant on a large index)."""
    try:
        gen_dir = index_dir / read_current(index_dir)
        raw = json.loads((gen_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        return manifest_format_version(raw) == FORMAT_VERSION
    except (IndexError_, OSError, ValueError, ManifestError):
        return False
