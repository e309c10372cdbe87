"""Fact-check verdicts on claims made from public text: true, one value changed, or absent.

Why: the claims file (`tests/data/claims.jsonl`) was written with the comparison rules, over
the five bundled articles; this bench makes its claims from text nobody wrote rules for, the
way a press officer's claims arise, and counts the three errors a checker cannot afford — a
true claim called refuted, a changed one called supported, an absent fact called either.

Two corpora, each indexed by the production pipeline (`newsbot eval`'s index builder):

- XQuAD's 48 Russian articles (paragraphs joined), one paragraph of each held out of the
  index. True claims: an indexed Russian sentence as written, and its English original
  (XQuAD's translators wrote the Russian from it, so it is a human paraphrase across
  languages). Changed: one number, person or place of such a sentence replaced (another
  number; a person or place of another article). Absent: sentences of the held-out
  paragraph — the same article's topic and names, a fact the index does not hold.
- TERRa train's Russian news premises, a fifth of them held out. True: an entailed
  hypothesis (a human paraphrase) of an indexed premise. Changed: that hypothesis with one
  value replaced, the value also being in the premise. Absent: an entailed hypothesis of a
  held-out premise.

Each claim is a dev or a test row by its document (XQuAD article, TERRa premise); the test
half was frozen before any rule was tuned on the dev half, and is printed first. Rows are
made with a fixed seed; `--dump FILE` writes them (JSON lines, the claims-file format plus
the verdict given) to read the dev errors.

    .venv/bin/python bench/public_claims.py --xquad ../shared/eval/xquad \
        --terra ../shared/eval/terra-ru [--dump /tmp/claims.jsonl] [--split dev|test]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluation.retrieval import _build_eval_index, read_jsonl  # noqa: E402
from index.embedder import Embedder  # noqa: E402
from index.embedder_loader import load_embedder  # noqa: E402
from index.second_embedder import load_second_embedder  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from nlp.entities import Entity, RussianNer  # noqa: E402
from nlp.sentences import split_sentences  # noqa: E402
from rag.answering.engine import AnswerEngine  # noqa: E402
from rag.factcheck.checker import FactChecker  # noqa: E402
from rag.factcheck.types import NOT_IN_CORPUS, REFUTED, SUPPORTED  # noqa: E402
from rag.settings import RagSettings  # noqa: E402

SEED = 20261207
NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:[  ]\d{3})+(?![\w])|(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])")
# English names to swap: two or more capitalised words past the sentence start. Deliberately not
# the checker's own name finder (`nlp.entities.english_entities`): made with it, the claims
# changed whenever the code under test did, so two runs did not score the same claims.
ENGLISH_NAME = re.compile(r"(?<=[\s(\"“])[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+")
CITATION = re.compile(r"[:\[]\d|\d\]")  # Wikipedia's ":121,154" and "[3]" leftovers
EXPECTED = {"true": SUPPORTED, "changed": REFUTED, "absent": NOT_IN_CORPUS}
PER_ARTICLE = {"true": 2, "changed": 3, "absent": 3}  # per language, per XQuAD article


@dataclass(frozen=True)
class Claim:
    claim: str
    lang: str
    verdict: str  # expected
    kind: str  # "true" | "changed" | "absent", with what was changed after a colon
    split: str  # "dev" | "test"
    doc_ids: tuple[str, ...]
    corpus: str


def split_of(key: str) -> str:
    """Dev or test by a hash of the document, so a document's claims never straddle halves."""
    return "test" if hashlib.sha1(key.encode()).digest()[0] % 2 else "dev"


def sentences(text: str) -> list[str]:
    out = []
    for a, b in split_sentences(text):
        s = text[a:b].strip()
        if 6 <= len(s.split()) <= 45 and not CITATION.search(s):
            out.append(s)
    return out


def numbers(text: str) -> list[re.Match[str]]:
    return list(NUMBER.finditer(text))


def other_number(written: str, rng: random.Random) -> str:
    """A different value written the same way: a year moves by 2-9 years, else x2 to x4."""
    digits = re.sub(r"\D", "", written)
    if "," in written or "." in written:
        whole, _, frac = re.split(r"([.,])", written, maxsplit=1)
        return str(int(whole) + rng.randint(2, 9)) + written[len(whole)] + frac
    value = int(digits)
    if len(digits) == 4 and 1000 <= value <= 2100:
        return str(value + rng.choice((-1, 1)) * rng.randint(2, 9))
    new = value * rng.randint(2, 4) + (0 if value else rng.randint(2, 9))
    sep = next((c for c in written if not c.isdigit()), None)
    return f"{new:,}".replace(",", sep) if sep else str(new)


def change_number(text: str, rng: random.Random, keep: Callable[[str], bool]) -> str | None:
    found = [m for m in numbers(text) if keep(m.group())]
    if not found:
        return None
    m = rng.choice(found)
    return text[: m.start()] + other_number(m.group(), rng) + text[m.end() :]


def change_entity(
    text: str, entities: Sequence[Entity], pool: Sequence[str], rng: random.Random
) -> str | None:
    """One name replaced by a name of another document (same kind, nothing in common)."""
    if not entities or not pool:
        return None
    e = rng.choice(list(entities))
    words = {w.lower() for w in re.findall(r"\w+", e.normal)}
    choices = [p for p in pool if not words & {w.lower() for w in re.findall(r"\w+", p)}]
    if not choices:
        return None
    return text[: e.start] + rng.choice(choices) + text[e.end :]


def english_names(text: str) -> list[Entity]:
    return [
        Entity("NAME", m.group(), m.group(), m.start(), m.end())
        for m in ENGLISH_NAME.finditer(text)
    ]


def kinds_of(entities: Iterable[Entity], kind: str) -> list[Entity]:
    return [e for e in entities if e.kind == kind and len(e.text) > 2]


class Maker:
    """Entity lookups (cached NER) and the pools of names to swap in, per language."""

    def __init__(self, ner: RussianNer) -> None:
        self.ner = ner
        self.pools: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # lang, kind, doc
        self._cache: dict[tuple[str, str], list[Entity]] = {}

    def entities(self, text: str, lang: str) -> list[Entity]:
        key = (text, lang)
        if key not in self._cache:
            self._cache[key] = self.ner.entities(text) if lang == "ru" else english_names(text)
        return self._cache[key]

    def remember(self, doc: str, text: str, lang: str) -> None:
        for e in self.entities(text, lang):
            if e.kind in ("PER", "LOC", "NAME"):
                self.pools[(lang, "LOC" if e.kind == "LOC" else "PER", doc)].append(e.text)

    def pool(self, lang: str, kind: str, not_doc: str) -> list[str]:
        return sorted(
            {
                t
                for (la, k, d), ts in self.pools.items()
                if la == lang and k == kind and d != not_doc
                for t in ts
            }
        )

    def changed(
        self, text: str, lang: str, doc: str, rng: random.Random, source: str
    ) -> tuple[str, str] | None:
        """The text with one value changed that `source` (the article's text) also states."""
        ents = self.entities(text, lang)
        options: list[tuple[str, Callable[[], str | None]]] = [
            ("number", lambda: change_number(text, rng, lambda n: n in source)),
        ]
        for kind in ("PER", "LOC"):
            mine = [
                e
                for e in kinds_of(ents, kind if lang == "ru" or kind == "LOC" else "NAME")
                if lang != "ru" or e.text in source
            ]
            if mine:
                pool = self.pool(lang, kind, doc)
                options.append((kind.lower(), partial(change_entity, text, mine, pool, rng)))
        rng.shuffle(options)
        for what, make in options:
            out = make()
            if out and out != text:
                return what, out
        return None


def aligned(ru: str, en: str) -> list[tuple[str, str]]:
    """Sentence pairs of one XQuAD paragraph, when both split alike and their numbers agree."""
    rs, es = sentences(ru), sentences(en)
    if len(rs) != len(es):
        return []
    return [(r, e) for r, e in zip(rs, es, strict=True) if _digits(r) == _digits(e)]


def _digits(text: str) -> list[str]:
    return sorted(re.sub(r"\D", "", m.group()) for m in numbers(text))


def _take(claims: list[Claim], made: Iterable[Claim | None], limit: int) -> None:
    kept = 0
    for c in made:
        if c is not None and kept < limit:
            claims.append(c)
            kept += 1


def xquad_claims(
    xquad_dir: Path, maker: Maker, rng: random.Random
) -> tuple[list[dict[str, str]], list[Claim]]:
    ru = json.loads((xquad_dir / "xquad.ru.json").read_text(encoding="utf-8"))["data"]
    en = json.loads((xquad_dir / "xquad.en.json").read_text(encoding="utf-8"))["data"]
    docs, held = [], {}
    for i, (ra, ea) in enumerate(zip(ru, en, strict=True)):
        doc = f"xquad-ru-article-{i:02d}"
        held[doc] = rng.randrange(len(ra["paragraphs"]))
        kept = [p["context"] for j, p in enumerate(ra["paragraphs"]) if j != held[doc]]
        title = str(ra["title"]).replace("_", " ")
        docs.append({"id": doc, "lang": "ru", "title": title, "text": "\n\n".join(kept)})
        for rp, ep in zip(ra["paragraphs"], ea["paragraphs"], strict=True):
            maker.remember(doc, rp["context"], "ru")
            maker.remember(doc, ep["context"], "en")
    claims: list[Claim] = []
    for i, (ra, ea) in enumerate(zip(ru, en, strict=True)):
        doc = f"xquad-ru-article-{i:02d}"
        split = split_of(doc)
        pairs = [
            pair
            for j, (rp, ep) in enumerate(zip(ra["paragraphs"], ea["paragraphs"], strict=True))
            if j != held[doc]
            for pair in aligned(rp["context"], ep["context"])
        ]
        rng.shuffle(pairs)
        cut = len(pairs) // 2
        gone = ra["paragraphs"][held[doc]]["context"], ea["paragraphs"][held[doc]]["context"]

        def claim(text: str, lang: str, kind: str, doc: str = doc, split: str = split) -> Claim:
            return Claim(text, lang, EXPECTED[kind.split(":")[0]], kind, split, (doc,), "xquad")

        for li, lang in enumerate(("ru", "en")):
            _take(
                claims,
                (claim(p[li], lang, f"true:{lang}") for p in pairs[:cut]),
                PER_ARTICLE["true"],
            )
            changed = (maker.changed(p[li], lang, doc, rng, p[li]) for p in pairs[cut:])
            _take(
                claims,
                (claim(c[1], lang, f"changed:{c[0]}:{lang}") if c else None for c in changed),
                PER_ARTICLE["changed"],
            )
            _take(
                claims,
                (claim(s, lang, f"absent:{lang}") for s in sentences(gone[li])),
                PER_ARTICLE["absent"],
            )
    return docs, claims


def terra_claims(
    terra_dir: Path, maker: Maker, rng: random.Random, premises: int
) -> tuple[list[dict[str, str]], list[Claim]]:
    by_premise: dict[str, list[str]] = {}
    for row in read_jsonl(terra_dir / "terra_train.jsonl"):
        hyps = by_premise.setdefault(str(row["premise"]).strip('"'), [])
        if row["label"] == "entailment":
            hyps.append(str(row["hypothesis"]))
    chosen = sorted(by_premise, key=lambda p: hashlib.sha1(p.encode()).hexdigest())[:premises]
    docs, claims = [], []
    ids = {p: "terra-" + hashlib.sha1(p.encode()).hexdigest()[:12] for p in chosen}
    for premise in chosen:
        maker.remember(ids[premise], premise, "ru")
    for premise in chosen:
        doc = ids[premise]
        absent = hashlib.sha1(doc.encode()).digest()[1] % 5 == 0
        if not absent:
            docs.append({"id": doc, "lang": "ru", "title": "", "text": premise})
        for hyp in by_premise[premise]:
            base = Claim(hyp, "ru", "", "", split_of(doc), (doc,), "terra")
            if absent:
                claims.append(_as(base, "absent:ru"))
                continue
            claims.append(_as(base, "true:ru"))
            changed = maker.changed(hyp, "ru", doc, rng, premise)
            if changed:
                claims.append(_as(base, f"changed:{changed[0]}:ru", changed[1]))
    return docs, claims


def _as(base: Claim, kind: str, text: str | None = None) -> Claim:
    verdict = EXPECTED[kind.split(":")[0]]
    return Claim(
        text or base.claim, base.lang, verdict, kind, base.split, base.doc_ids, base.corpus
    )


def checker_over(
    name: str,
    docs: list[dict[str, str]],
    settings: IndexSettings,
    embedder: Embedder,
    second: Embedder | None,
) -> FactChecker:
    out = settings.data_dir / "bench" / f"claims-{name}"
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    eval_settings = _build_eval_index(corpus, "ru", settings, embedder, second)
    engine = AnswerEngine.from_settings(
        eval_settings, RagSettings(), embedder=embedder, second_embedder=second
    )
    return FactChecker.from_engine(engine)


def report(rows: Sequence[tuple[Claim, str]], title: str) -> list[str]:
    """One markdown row: right per expected class, and the three errors that cost trust."""

    def share(pred: Callable[[Claim, str], bool], among: Callable[[Claim], bool]) -> str:
        pool = [(c, v) for c, v in rows if among(c)]
        hits = sum(pred(c, v) for c, v in pool)
        return f"{hits / len(pool):.3f} ({hits}/{len(pool)})" if pool else "—"

    def group(g: str) -> Callable[[Claim], bool]:
        return lambda c: c.kind.startswith(g)

    return [
        f"| {title} | {len(rows)} | {share(lambda c, v: v == c.verdict, lambda c: True)} "
        f"| {share(lambda c, v: v == SUPPORTED, group('true'))} "
        f"| {share(lambda c, v: v == REFUTED, group('changed'))} "
        f"| {share(lambda c, v: v == NOT_IN_CORPUS, group('absent'))} "
        f"| {share(lambda c, v: v == REFUTED, group('true'))} "
        f"| {share(lambda c, v: v == SUPPORTED, group('changed'))} "
        f"| {share(lambda c, v: v != NOT_IN_CORPUS, group('absent'))} |"
    ]


HEADER = [
    "| claims | n | right | true supported | changed refuted | absent not in corpus "
    "| true called refuted | changed called supported | absent called either |",
    "|---|---|---|---|---|---|---|---|---|",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xquad", type=Path, required=True, help="folder of xquad.ru/en.json")
    parser.add_argument("--terra", type=Path, required=True, help="folder of terra_train.jsonl")
    parser.add_argument("--terra-premises", type=int, default=800)
    parser.add_argument("--split", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--dump", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = IndexSettings()
    embedder, second = load_embedder(settings), load_second_embedder(settings)
    rng = random.Random(SEED)
    maker = Maker(RussianNer())
    made = {
        "xquad": xquad_claims(args.xquad, maker, rng),
        "terra": terra_claims(args.terra, maker, rng, args.terra_premises),
    }
    results: list[tuple[Claim, str]] = []
    t0 = time.perf_counter()
    for name, (docs, claims) in made.items():
        checker = checker_over(name, docs, settings, embedder, second)
        for c in claims:
            if args.split in ("both", c.split):
                results.append((c, checker.check_claim(c.claim).verdict))
    seconds = time.perf_counter() - t0
    lines = list(HEADER)
    for split in ("test", "dev"):
        for corpus in ("xquad", "terra", None):
            rows = [(c, v) for c, v in results if c.split == split and corpus in (None, c.corpus)]
            if rows:
                lines += report(rows, f"{split} {corpus or 'all'}")
    print("\n".join(lines))
    kinds = Counter((c.split, c.kind, c.verdict == v) for c, v in results)
    for split in ("test", "dev"):
        per = sorted({k for s, k, _ in kinds if s == split})
        counts = [(k, kinds[(split, k, True)], kinds[(split, k, False)]) for k in per]
        print(f"{split}: " + ", ".join(f"{k} {r}/{r + w}" for k, r, w in counts))
    print(f"{len(results)} claims checked in {seconds:.0f} s (indexing included)")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for c, v in results:
                fh.write(json.dumps({**asdict(c), "given": v}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
