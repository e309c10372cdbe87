"""Latency of `AnswerEngine.ask` (warm) at 1k, 10k and 100k chunks, and memory per chunk.

Why: the bot answers one question at a time on 2 CPU cores; the targets are p50 <= 60 ms and
p95 <= 150 ms at 100k chunks. The breakdown comes from `answer.timings_ms` (embed: analyse +
e5 query vector; retrieve: FAISS + BM25 + name keys + fusion; answer: sentence split, sentence
embeddings, NER, composing).

Corpus: real chunk texts (933 Wikinews articles + XQuAD and TyDi paragraphs, cleaned and
chunked by the project pipeline), the question's own paragraphs first. Past the distinct texts
the documents are repeated under new ids ("<id>~<copy>"): BM25 and name keys run over real
text, with posting lists as long as the repetition makes them (pessimistic for BM25). Embedding
100k chunks is out of reach on 2 cores (~35 chunks/s), so only the first `--real` chunks get
real e5 vectors and token codes (cached in var/cache/bench/, .npz, no pickle); every other row
is a real vector plus small Gaussian noise, re-normalised, with the token codes of its text's
real chunk (or of another real chunk), so the token re-ranking reads as much as it would.
Exact FAISS search costs the same for any vectors of that shape, so the dense cost is real;
which chunks are retrieved past the real ones is not meaningful (the answer step still reads
real sentences).

Each size is measured in a fresh subprocess (model loaded first, then RSS before/after
loading the engine), so RSS growth is not hidden by memory an earlier size freed.

    .venv/bin/python bench/query_latency.py [--sizes 1000 10000 100000] [--real 3000]
        [--questions 60] [--passes 2] [--profile] [--keep]

Measured at load average 4-7 on 2 cores: 11 min 50 s with `--profile`, of which 5 min embedding
the real subset once (cached afterwards; ~1.5 min on idle cores); the 100k generation writes in
~10 s and its engine loads in ~20 s; most of the rest is the questions (3 sizes x 130 asks).
`--profile` adds a cProfile pass over the questions at the largest size (~1 min).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import inspect
import io
import json
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.chunking import chunk_document, passage_text
from index.cleaning import clean_document
from index.documents import Chunk, Document
from index.embedder import EmbedderIdentity, TokenEmbedder
from index.embedder_loader import load_embedder
from index.loaders import load_path
from index.onnx_embedder import INT8_BACKEND
from index.runtime import configure_threads
from index.settings import REPO_ROOT, IndexSettings
from index.store import read_current, write_generation
from index.tokens import TOKEN_LAYER, ChunkTokens, TokenCodec, pack
from index.torch_embedder import BACKEND
from nlp.sentences import split_sentences

EVAL = Path("/work/shared/eval")
WIKINEWS = EVAL / "nerel-wikinews-ru" / "nerel_v1.1_wikinews_ru.jsonl"
XQUAD = EVAL / "converted" / "xquad"
TYDI = EVAL / "converted" / "tydiqa-goldp"
QUESTION_FILES = (
    XQUAD / "questions.ru-ru.jsonl",
    XQUAD / "questions.en-en.jsonl",
    XQUAD / "questions.en-ru.jsonl",
    TYDI / "questions.ru-ru.jsonl",
    TYDI / "questions.en-en.jsonl",
)
CACHE_DIR = REPO_ROOT / "var" / "cache" / "bench"
BENCH_DIR = REPO_ROOT / "var" / "bench"
NOISE = 0.02  # per dimension; |noise| ~ 0.4, cosine to the source vector ~ 0.93
F32 = npt.NDArray[np.float32]


# ------------------------------------------------------------------------------ inputs


def questions(per_file: int) -> list[dict[str, str]]:
    """`per_file` questions spread evenly over each file (RU and EN, same- and cross-language)."""
    out: list[dict[str, str]] = []
    for path in QUESTION_FILES:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        step = max(1, len(rows) // per_file)
        for row in rows[::step][:per_file]:
            out.append({"q": row["question"], "ctx": row["context_id"], "set": path.stem})
    return out


def real_documents(first_ids: set[str]) -> list[Document]:
    """Cleaned documents of all sources: the questions' paragraphs first, then interleaved."""
    sources = [
        load_path(WIKINEWS),
        load_path(XQUAD / "corpus.jsonl"),
        load_path(TYDI / "corpus.jsonl"),
    ]
    cleaned = [
        [d for raw in s.documents if (d := clean_document(raw)) is not None] for s in sources
    ]
    first = [d for docs in cleaned for d in docs if d.doc_id in first_ids]
    rest = [[d for d in docs if d.doc_id not in first_ids] for docs in cleaned]
    mixed: list[Document] = []
    for i in range(max(len(r) for r in rest)):
        mixed.extend(r[i] for r in rest if i < len(r))
    return first + mixed


def corpus(
    base: list[Document], settings: IndexSettings, n: int
) -> tuple[list[Document], list[Chunk]]:
    """The first `n` chunks of `base` chunked, repeated under new doc ids past its end."""
    per_doc = [
        chunk_document(d, settings.chunk_max_chars, settings.chunk_overlap_sentences) for d in base
    ]
    docs: list[Document] = []
    chunks: list[Chunk] = []
    copy = 0
    while len(chunks) < n:
        for doc, cs in zip(base, per_doc, strict=True):
            if not cs:
                continue
            if copy:
                doc_id = f"{doc.doc_id}~{copy}"
                doc = replace(doc, doc_id=doc_id)
                cs = [replace(c, chunk_id=f"{doc_id}#{c.n}", doc_id=doc_id) for c in cs]
            docs.append(doc)
            chunks.extend(cs[: n - len(chunks)])
            if len(chunks) >= n:
                break
        copy += 1
    return docs, chunks


def real_vectors(texts: list[str], settings: IndexSettings) -> tuple[F32, ChunkTokens]:
    """e5 vectors of `texts` (title + chunk, as the builder embeds them) and their coded token
    states, cached by content (embedding 3k chunks takes ~2 min)."""
    parts = [settings.embedding_model, settings.embedding_backend, *texts]
    key = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    path = CACHE_DIR / f"passages-tokens-{len(texts)}-{key[:16]}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            cached = ChunkTokens(TokenCodec(z["codebook"]), z["codes"], z["offsets"], TOKEN_LAYER)
            return z["vectors"], cached
    t0 = time.perf_counter()
    configure_threads(settings, indexing=True)
    embedder = load_embedder(settings)
    assert isinstance(embedder, TokenEmbedder)
    vectors, states = embedder.embed_passages_with_tokens(texts)
    codec = TokenCodec.train(np.vstack(states))
    codes, offsets = pack([codec.encode(st) for st in states])
    print(f"embedded {len(texts)} real chunks in {time.perf_counter() - t0:.0f} s", flush=True)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(path, vectors=vectors, codes=codes, offsets=offsets, codebook=codec.codebook)
    return vectors, ChunkTokens(codec, codes, offsets, TOKEN_LAYER)


def tokens_for(chunks: list[Chunk], real: dict[str, int], tokens: ChunkTokens) -> ChunkTokens:
    """Every row gets the codes of its text's real chunk (others: of a real chunk in turn), so
    the re-ranking reads as many tokens per chunk as it would in a real index. Their places in
    the text are stored as unknown (-1): an index without any would have every chunk tokenised
    by its next update (index/embedding_pass.py `with_middles`), which a real index never is."""
    rows = [real.get(c.text, i % len(tokens)) for i, c in enumerate(chunks)]
    codes, offsets = pack([tokens.codes_of(r) for r in rows])
    middles = np.full(len(codes), -1, dtype=np.int32)
    return ChunkTokens(tokens.codec, codes, offsets, TOKEN_LAYER, middles)


def vectors_for(chunks: list[Chunk], real: dict[str, F32], seed: int = 7) -> F32:
    """Real vectors for embedded texts; noisy copies of real ones for every other row."""
    rng = np.random.default_rng(seed)
    pool = np.stack(list(real.values()))
    out = np.empty((len(chunks), pool.shape[1]), dtype=np.float32)
    synthetic: list[int] = []
    for row, c in enumerate(chunks):
        vec = real.get(c.text)
        if vec is not None and "~" not in c.doc_id:
            out[row] = vec
        else:
            out[row] = vec if vec is not None else pool[rng.integers(len(pool))]
            synthetic.append(row)
    if synthetic:
        noisy = out[synthetic] + NOISE * rng.standard_normal((len(synthetic), out.shape[1]))
        out[synthetic] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    return out


def sentence_args(docs: list[Document], chunks: list[Chunk], vectors: F32) -> dict[str, Any]:
    """`sentences`/`sentence_vectors` for `write_generation` where the store keeps them.

    Each sentence gets its chunk's vector plus noise: the answer step only gathers these rows
    and takes a dot product, so its cost does not depend on them (which sentence wins does).
    """
    if "sentences" not in inspect.signature(write_generation).parameters:
        return {}
    from index.documents import SentenceSpan

    rng = np.random.default_rng(11)
    rows_of: dict[str, list[int]] = {}
    for row, c in enumerate(chunks):
        rows_of.setdefault(c.doc_id, []).append(row)
    splits: dict[str, list[tuple[int, int]]] = {}  # by text: copies share their splits
    sentences: list[SentenceSpan] = []
    source_rows: list[int] = []
    for doc in docs:
        spans = splits.get(doc.text)
        if spans is None:
            spans = splits[doc.text] = split_sentences(doc.text)
        mine = rows_of[doc.doc_id]
        for start, end in spans:
            covering = [r for r in mine if chunks[r].start <= start < chunks[r].end]
            sentences.append(SentenceSpan(doc.doc_id, start, end))
            source_rows.append(covering[0] if covering else mine[0])
    svecs = vectors[source_rows] + NOISE * rng.standard_normal(
        (len(source_rows), vectors.shape[1])
    )
    svecs /= np.linalg.norm(svecs, axis=1, keepdims=True)
    return {"sentences": sentences, "sentence_vectors": svecs.astype(np.float32)}


# ------------------------------------------------------------------------------ measuring


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(data_dir: Path, qfile: Path, passes: int, profile: bool) -> dict[str, Any]:
    """Load the engine on `data_dir` and time every question `passes` times (after a warm-up)."""
    from rag.answering.engine import AnswerEngine
    from rag.settings import RagSettings

    settings = IndexSettings(data_dir=data_dir)
    configure_threads(settings)  # as the bot does at start-up (index/runtime.py)
    embedder = load_embedder(settings)
    embedder.embed_queries(["warm-up"])
    before = rss_mb()
    t0 = time.perf_counter()
    engine = AnswerEngine.from_settings(settings, RagSettings(), embedder=embedder)
    load_s = time.perf_counter() - t0
    after_load = rss_mb()
    qs = [q["q"] for q in json.loads(qfile.read_text(encoding="utf-8"))]
    for q in qs[:10]:
        engine.ask(q)
    rows: list[dict[str, float]] = []
    answered = 0
    for _ in range(passes):
        for q in qs:
            t = time.perf_counter()
            ans = engine.ask(q)
            wall = (time.perf_counter() - t) * 1000
            rows.append({**ans.timings_ms, "wall": wall})
            answered += ans.answered
    result: dict[str, Any] = {
        "n": len(engine.retriever.snapshot),
        "load_s": load_s,
        "rss_load_mb": after_load - before,  # the engine: snapshot, BM25, name keys
        "rss_growth_mb": rss_mb() - before,  # plus what the first questions load (NER, ...)
        "answered": answered / len(rows),
        "rows": rows,
    }
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        for q in qs:
            engine.ask(q)
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).sort_stats("cumulative")
        stats.print_stats(40)
        buf.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(25)
        result["profile"] = buf.getvalue()
    return result


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p))


def report(results: list[dict[str, Any]], disk: dict[int, int]) -> None:
    print()
    head = f"{'chunks':>8} {'':>4} {'total':>7} {'embed':>7} {'retrieve':>9} {'answer':>7}"
    print("latency per question, ms (wall total; parts from answer.timings_ms)")
    print(head)
    for r in results:
        rows = r["rows"]
        for p in (50, 95):
            print(
                f"{r['n']:>8} p{p:<3} {pct([x['wall'] for x in rows], p):7.1f} "
                f"{pct([x['embed'] for x in rows], p):7.1f} "
                f"{pct([x['retrieve'] for x in rows], p):9.1f} "
                f"{pct([x['answer'] for x in rows], p):7.1f}"
            )
    print()
    print("memory: disk = generation files; RSS = growth of the process while loading the engine")
    print("(and after the questions, which also load NER); 'marginal' = per chunk beyond the")
    print("smallest size, i.e. without the size-independent models")
    print(
        f"{'chunks':>8} {'disk MB':>8} {'disk B/chunk':>13} {'RSS load MB':>12} "
        f"{'RSS all MB':>11} {'RSS B/chunk':>12} {'marginal B/chunk':>17} {'load s':>7} "
        f"{'answered':>9}"
    )
    small = results[0]
    for r in results:
        n = r["n"]
        extra = r["rss_growth_mb"] - small["rss_growth_mb"]
        marginal = f"{extra * 2**20 / (n - small['n']):17.0f}" if n > small["n"] else f"{'-':>17}"
        print(
            f"{n:>8} {disk[n] / 2**20:8.1f} {disk[n] / n:13.0f} {r['rss_load_mb']:12.1f} "
            f"{r['rss_growth_mb']:11.1f} {r['rss_growth_mb'] * 2**20 / n:12.0f} {marginal} "
            f"{r['load_s']:7.1f} {r['answered']:9.0%}"
        )
    big = results[-1]
    p50 = pct([x["wall"] for x in big["rows"]], 50)
    p95 = pct([x["wall"] for x in big["rows"]], 95)
    verdict = "PASS" if p50 <= 60 and p95 <= 150 else "MISS"
    print(
        f"\nat {big['n']} chunks: p50 {p50:.0f} ms (<= 60), p95 {p95:.0f} ms (<= 150): {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--real", type=int, default=3000, help="chunks with real e5 vectors")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    parser.add_argument("--keep", action="store_true", help="keep the generations in var/bench")
    parser.add_argument(
        "--exact-max",
        type=int,
        help="override exact_search_max_chunks (past it the store builds HNSW instead of Flat)",
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child process
    parser.add_argument("--qfile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure is not None:
        out = measure(args.measure, args.qfile, args.passes, args.profile)
        print("RESULT " + json.dumps(out))
        return

    settings = IndexSettings()
    if args.exact_max is not None:
        settings = settings.model_copy(update={"exact_search_max_chunks": args.exact_max})
    qs = questions(max(1, args.questions // len(QUESTION_FILES)))
    base = real_documents({q["ctx"] for q in qs})
    docs, chunks = corpus(base, settings, max(args.sizes))
    distinct = list(dict.fromkeys(c.text for c in chunks))
    print(
        f"{len(qs)} questions; {len(base)} real documents -> {len(distinct)} distinct chunk "
        f"texts; {len(chunks)} chunks with repetition"
    )
    embedded = distinct[: args.real]
    doc_title = {d.doc_id: d.title for d in docs}
    title_of: dict[str, str] = {}
    for c in chunks:
        title_of.setdefault(c.text, doc_title[c.doc_id])
    real_vecs, real_tokens = real_vectors(
        [passage_text(title_of.get(t, ""), t) for t in embedded], settings
    )
    real = dict(zip(embedded, real_vecs, strict=True))
    real_row = {t: i for i, t in enumerate(embedded)}
    print(
        f"real e5 vectors for {len(real)} chunk texts; other rows: a real vector + N(0, "
        f"{NOISE}^2) per dim, re-normalised (dense search cost is shape-only; BM25 on real text)"
    )
    backend = INT8_BACKEND if settings.embedding_backend == "onnx-int8" else BACKEND
    identity = EmbedderIdentity(
        model=settings.embedding_model, backend=backend, dim=int(next(iter(real.values())).size)
    )

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="latency-", dir=BENCH_DIR))
    qfile = work / "questions.json"
    qfile.write_text(json.dumps(qs, ensure_ascii=False), encoding="utf-8")
    results: list[dict[str, Any]] = []
    disk: dict[int, int] = {}
    try:
        for n in sorted(args.sizes):
            some = chunks[:n]
            owners = {c.doc_id for c in some}
            some_docs = [d for d in docs if d.doc_id in owners]
            data_dir = work / f"n{n}"
            t0 = time.perf_counter()
            vecs = vectors_for(some, real)
            # Any: the sentence arguments exist only in stores that keep sentence vectors.
            write: Any = write_generation
            gen = write(
                data_dir / "index",
                identity,
                some_docs,
                some,
                vecs,
                {},
                settings,
                **sentence_args(some_docs, some, vecs),
                tokens=tokens_for(some, real_row, real_tokens),
            )
            write_s = time.perf_counter() - t0
            assert read_current(data_dir / "index") == gen.name
            disk[n] = sum(f.stat().st_size for f in gen.iterdir() if f.is_file())
            kind = json.loads((gen / "manifest.json").read_text())["faiss"]
            print(f"{n} chunks: {kind} generation written in {write_s:.1f} s", flush=True)
            cmd = [sys.executable, __file__, "--measure", str(data_dir), "--qfile", str(qfile)]
            cmd += ["--passes", str(args.passes)]
            if args.profile and n == max(args.sizes):
                cmd.append("--profile")
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr)
                raise SystemExit(f"measuring {n} chunks failed ({proc.returncode})")
            line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
            results.append(json.loads(line[len("RESULT ") :]))
            if "profile" in results[-1]:
                print(results[-1]["profile"])
    finally:
        if args.keep:
            print(f"generations kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(results, disk)


if __name__ == "__main__":
    main()
