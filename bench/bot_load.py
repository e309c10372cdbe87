"""Load test of the real bot: simulated users ask questions through a local Bot API server.

Why: the engine's own latency (`query_latency.py`) says nothing about what a user waits for
when many people write at once. Here the production composition root (`create_services`,
`create_bot`, `create_dispatcher`, `run_polling`: long polling, middlewares, SQLite, the answer
pool) answers `--users` closed-loop users (each asks, waits for the reply in its chat, thinks
0..`--think-max` s, asks again; seeded) over the bundled corpus (data/corpus, indexed into a
temp dir with the real e5 model and the USE second embedder). Target (issue 4): p95 from
update to reply <= 1 s on 2 cores, zero lost updates.

The Bot API server (tests/telegram_server.py) and the users run in a child process, so they do
not share the bot's event loop or GIL (they still share the 2 cores, as Telegram would not).
Times are wall clock (`time.time()`) in both processes: the push of the update, the server's
`Call.at` of the reply's sendMessage (the one carrying the inline keyboard: the answer's last
part), and, inside the bot, when the update was dispatched, queued in the answer pool, started
and finished by the engine. The bot's rate limit is set to 1,000,000 per window so it never
interferes. The same-run baseline asks the engine directly, one question at a time.

    .venv/bin/python bench/bot_load.py [--users 200] [--questions-per-user 5]
        [--think-max 1.0] [--workers 2] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import json
import logging
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `tests.telegram_server` when run as bench/bot_load.py
    sys.path.insert(0, str(REPO))

RATE_LIMIT = 1_000_000  # per window: the limiter stays in the path but never refuses
WARMUP_CHAT = 1
FIRST_CHAT = 100_000

# Answered by the bundled corpus (Moscow-Beijing ZGC agreement, Innobiz, Leningrad region).
RU_CORPUS = [
    "Кто подписал соглашение с ZGC?",
    "Когда Московский инновационный кластер подписал соглашение с технопарком Китая?",
    "Кто руководит Московским инновационным кластером?",
    "Под чьим руководством прошло заседание наблюдательного совета МИК?",
    "На какие языки переведут цифровую платформу i.moscow?",
    "Какой конкурс запланирован в рамках соглашения с Чжунгуаньцунь?",
    "Когда пройдет финал российско-китайского конкурса инноваций?",
    "Сколько предприятий участвует в Московском инновационном кластере?",
    "Сколько технологичных компаний работает в Москве?",
    "Какая южнокорейская ассоциация договорилась с Москвой о совместных проектах?",
    "Что сказала Наталья Сергунина о сотрудничестве с Innobiz?",
    "Сколько заявок привлекла программа «Московский акселератор»?",
    "Кто возглавляет ассоциацию Innobiz?",
    "Что такое «Нанопарк Гатчина»?",
    "Какую должность занимает Дмитрий Ялов?",
    "Делегация какого китайского города посетила Ленинградскую область?",
    "Сколько научно-исследовательских предприятий объединяет кластер Ленинградской области?",
    "С агентствами каких городов Ленинградская область подписала соглашения?",
    "Какие направления сотрудничества предусматривает соглашение Москвы и Пекина?",
    "Кто такой Алексей Фурсин?",
    "Кто участвовал в видеоконференции с Пекином во время подписания соглашения?",
    "Какая доля участников кластера относится к малым и средним предприятиям?",
]
EN_CORPUS = [
    "Who signed the ZGC agreement?",
    "When did Moscow and Beijing sign the innovation agreement?",
    "Who chaired the supervisory board meeting of the Moscow Innovation Cluster?",
    "What is the Zhongguancun Science Park?",
    "Which languages will the i.moscow platform be translated into?",
    "What competition is planned under the agreement with ZGC Group?",
    "How many companies take part in the Moscow Innovation Cluster?",
    "Who heads the Moscow Innovation Cluster foundation?",
    "What did Moscow agree on with the South Korean association Innobiz?",
    "How many applications did the Moscow Accelerator programme attract?",
    "Who is the chairman of the Innobiz association?",
    "What is Nanopark Gatchina?",
    "Which Chinese city sent a delegation to the Leningrad region?",
    "What position does Dmitry Yalov hold?",
    "Which initiative of Putin and Xi Jinping does the Moscow-Beijing agreement implement?",
    "Where will the final of the Russian-Chinese innovation contest take place?",
    "Who operates the Moscow Innovation Cluster?",
    "What did Sobyanin say before the agreement was signed?",
]
# Not in the corpus: the bot should refuse (no citations).
OFF_CORPUS = [
    "Какая температура кипения жидкого азота?",
    "Кто выиграл чемпионат мира по футболу 2018 года?",
    "Сколько стоит проезд в московском метро?",
    "Какой город является столицей Австралии?",
    "Когда откроется новый терминал аэропорта Пулково?",
    "Какой сегодня курс доллара к рублю?",
    "What is the boiling point of liquid nitrogen?",
    "Who won the 2018 FIFA World Cup?",
    "What is the population of Tokyo?",
    "How tall is Mount Everest?",
    "What did Apple announce at WWDC this year?",
    "Who is the chief executive of Tesla?",
]
QUESTIONS = RU_CORPUS + EN_CORPUS + OFF_CORPUS


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p)) if values else float("nan")


def summary(values: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max of `values` in ms (input in seconds)."""
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50": pct(ms, 50),
        "p95": pct(ms, 95),
        "p99": pct(ms, 99),
        "mean": statistics.fmean(ms) if ms else float("nan"),
        "max": max(ms) if ms else float("nan"),
    }


# ------------------------------------------------------------------ child: server and users


@dataclass
class Pending:
    """One question of one user, as the Bot API server saw it."""

    user: int
    k: int
    q: int
    lang: str
    push: float
    typing: float | None = None
    reply: float | None = None
    parts: int = 0  # messages before the final one (long answers, apologies)
    cited: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


class ReplyWatcher:
    """Matches the bot's sendMessage/sendChatAction calls to the question waiting in that chat."""

    def __init__(self, tg: Any) -> None:
        self.tg = tg
        self.scanned = 0
        self.waiting: dict[int, Pending] = {}
        self.unexpected: Counter[int] = Counter()  # messages to a chat with nothing pending
        self.unexpected_texts: list[str] = []

    async def run(self) -> None:
        while True:
            self.scan()
            await asyncio.sleep(0.005)

    def scan(self) -> None:
        calls = self.tg.calls
        for call in calls[self.scanned :]:
            chat = call.params.get("chat_id")
            if call.status != 200 or not isinstance(chat, int):
                continue
            pending = self.waiting.get(chat)
            if call.method == "sendChatAction":
                if pending is not None and pending.typing is None:
                    pending.typing = call.at
            elif call.method == "sendMessage":
                text = str(call.params.get("text", ""))
                markup = call.params.get("reply_markup")
                final = isinstance(markup, dict) and "inline_keyboard" in markup
                if pending is None:
                    self.unexpected[chat] += 1
                    self.unexpected_texts.append(text[:100])
                elif final:
                    pending.reply = call.at
                    pending.cited = "[1]" in text
                    del self.waiting[chat]
                    pending.done.set()
                else:
                    pending.parts += 1
        self.scanned = len(calls)

    async def ask(self, chat: int, k: int, q: int, lang: str, timeout: float) -> Pending:
        pending = Pending(user=chat, k=k, q=q, lang=lang, push=time.time())
        self.waiting[chat] = pending
        self.tg.push_message(chat, QUESTIONS[q], language_code=lang)
        try:
            await asyncio.wait_for(pending.done.wait(), timeout)
        except TimeoutError:
            self.waiting.pop(chat, None)
        return pending


async def serve(args: argparse.Namespace) -> None:
    """Child process: the Bot API server, a warm-up question, then the users; RESULT on stdout."""
    from tests.telegram_server import FakeTelegram

    tg = FakeTelegram()
    print(f"URL {await tg.start()}", flush=True)
    watcher = ReplyWatcher(tg)
    scanning = asyncio.create_task(watcher.run())
    warm = await watcher.ask(WARMUP_CHAT, 0, 0, "ru", timeout=300)
    if warm.reply is None:
        raise SystemExit("the bot did not answer the warm-up question in 300 s")

    async def user(i: int) -> list[Pending]:
        rng = random.Random(args.seed * 100_003 + i)
        lang = rng.choice(("ru", "en"))
        out = []
        for k in range(args.questions_per_user):
            await asyncio.sleep(rng.uniform(0, args.think_max))
            q = rng.randrange(len(QUESTIONS))
            out.append(await watcher.ask(FIRST_CHAT + i, k, q, lang, args.reply_timeout))
        return out

    calls_before = len(tg.calls)
    started = time.time()
    per_user = await asyncio.gather(*(user(i) for i in range(args.users)))
    finished = time.time()
    await asyncio.sleep(2.0)  # late or duplicate replies show up as unexpected messages
    watcher.scan()
    non_ok = Counter(f"{c.method} {c.status}" for c in tg.calls[calls_before:] if c.status != 200)
    methods = Counter(c.method for c in tg.calls[calls_before:])
    names = [f.name for f in fields(Pending) if f.name != "done"]
    records = [{n: getattr(p, n) for n in names} for ps in per_user for p in ps]
    result = {
        "started": started,
        "finished": finished,
        "questions": records,
        "unexpected": sum(watcher.unexpected.values()),
        "unexpected_texts": watcher.unexpected_texts[:5],
        "non_ok_calls": dict(non_ok),
        "calls": dict(methods),
    }
    print("RESULT " + json.dumps(result), flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the parent stops polling first
    scanning.cancel()
    await tg.stop()


# ------------------------------------------------------------------ parent: the bot


CURRENT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "bench_update", default=None
)


class TimedPool(ThreadPoolExecutor):
    """The answer pool, recording when each job was queued, started and finished."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        record = CURRENT.get()
        queued = time.time()

        def run() -> Any:
            start = time.time()
            try:
                return fn(*args, **kwargs)
            finally:
                if record is not None:
                    record.update(submit=queued, start=start, end=time.time())

        return super().submit(run)


class CountingHandler(logging.Handler):
    """Counts WARNING and above; keeps the first few messages."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1
        if len(self.first) < 5:
            self.first.append(f"{record.levelname} {record.name}: {record.getMessage()[:200]}")


def build_engine(work: Path) -> tuple[Any, Any]:
    """Index data/corpus into `work` with the real e5 + USE models; the engine over it."""
    from index.builder import update_index
    from index.embedder_loader import load_embedder
    from index.provision import provision_e5
    from index.runtime import configure_threads
    from index.second_embedder import QUERY_THREADS, UseEmbedder
    from index.settings import DEFAULT_MODEL, IndexSettings
    from index.sources import load_sources
    from rag.answering.engine import AnswerEngine
    from rag.settings import RagSettings

    settings = IndexSettings(data_dir=work / "data", embedding_model=DEFAULT_MODEL)
    provision_e5(settings.model_dir)
    configure_threads(settings)  # as the bot does at start-up (index/runtime.py)
    embedder = load_embedder(settings)
    loaded = load_sources([str(REPO / "data" / "corpus")])
    update_index(
        settings,
        embedder,
        loaded.documents,
        second_embedder=UseEmbedder(threads=2),
        progress=False,
    )
    engine = AnswerEngine.from_settings(
        settings, RagSettings(), embedder=embedder, second_embedder=UseEmbedder(QUERY_THREADS)
    )
    engine.warm_up()
    return settings, engine


def engine_alone(engine: Any, passes: int) -> dict[str, Any]:
    """The same questions asked directly, one at a time: the bot's overhead is a ratio of it."""
    for q in QUESTIONS[:5]:
        engine.ask(q)
    times: list[float] = []
    parts: dict[str, list[float]] = defaultdict(list)
    for _ in range(passes):
        for q in QUESTIONS:
            t = time.perf_counter()
            answer = engine.ask(q)
            times.append(time.perf_counter() - t)
            for key in ("embed", "retrieve", "answer"):
                parts[key].append(answer.timings_ms[key] / 1000)
    return {"wall": summary(times), **{k: summary(v) for k, v in parts.items()}}


async def run_bot(
    args: argparse.Namespace, index_settings: Any, engine: Any, work: Path
) -> dict[str, Any]:
    """Start the child, the real bot against it, wait for the users; both sides' records."""
    from pydantic import SecretStr

    from bot.app import create_bot, create_dispatcher, create_services, run_polling
    from bot.settings import BotSettings
    from rag.settings import RagSettings

    cmd = [sys.executable, __file__, "--serve", "--users", str(args.users)]
    cmd += ["--questions-per-user", str(args.questions_per_user)]
    cmd += ["--think-max", str(args.think_max), "--seed", str(args.seed)]
    cmd += ["--reply-timeout", str(args.reply_timeout)]
    child = await asyncio.create_subprocess_exec(
        *cmd,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
        limit=2**26,  # the RESULT line holds every question's record
    )
    assert child.stdout is not None and child.stdin is not None

    async def line(prefix: str) -> str:
        assert child.stdout is not None
        while raw := await child.stdout.readline():
            text = raw.decode().rstrip("\n")
            if text.startswith(prefix):
                return text[len(prefix) :]
        raise SystemExit(f"the server process ended before {prefix.strip()!r}")

    url = await line("URL ")
    settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=SecretStr("123456:TEST-token"),
        telegram_api_url=url,
        database_url=f"sqlite+aiosqlite:///{work / 'bot.db'}",
        rate_limit_count=RATE_LIMIT,
        rate_limit_window_s=30.0,
        answer_workers=args.workers,
        answer_cache_size=args.cache_size,
    )
    services = await create_services(settings, index_settings, RagSettings(), engine=engine)
    services.answer_pool.shutdown()
    services.answer_pool = TimedPool(max(1, args.workers), thread_name_prefix="newsbot-answer")

    db_times: dict[str, list[float]] = defaultdict(list)
    storage = services.storage
    for name in ("touch_user", "last_turn", "log_answer", "save_turn"):
        setattr(storage, name, timed(getattr(storage, name), db_times[name]))

    bot = create_bot(settings)
    api_times: dict[str, list[float]] = defaultdict(list)

    async def api_timer(make_request: Any, bot: Any, method: Any) -> Any:
        t = time.perf_counter()
        try:
            return await make_request(bot, method)
        finally:
            api_times[type(method).__name__].append(time.perf_counter() - t)

    bot.session.middleware(api_timer)
    dp = create_dispatcher(services)
    updates: list[dict[str, Any]] = []

    async def probe(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        record: dict[str, Any] = {"chat": chat.id if chat else None, "dispatch": time.time()}
        token = CURRENT.set(record)
        try:
            return await handler(event, data)
        finally:
            record["done"] = time.time()
            updates.append(record)
            CURRENT.reset(token)

    dp.update.outer_middleware(probe)
    logs = CountingHandler()
    logging.getLogger().addHandler(logs)
    polling = asyncio.create_task(run_polling(bot, dp, handle_signals=False))
    try:
        result: dict[str, Any] = json.loads(await line("RESULT "))
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 60)
        with contextlib.suppress(ConnectionError):  # the child may have died already
            child.stdin.write(b"stop\n")
            await child.stdin.drain()
        await child.wait()
        logging.getLogger().removeHandler(logs)
    result["bot_updates"] = updates
    result["db"] = {k: summary(v) for k, v in db_times.items()}
    result["api"] = {k: summary(v) for k, v in api_times.items() if k != "GetUpdates"}
    result["log"] = {"counts": dict(logs.counts), "first": logs.first}
    result["cache"] = {"hits": services.answer_cache.hits, "misses": services.answer_cache.misses}
    return result


def timed(fn: Callable[..., Awaitable[Any]], sink: list[float]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            sink.append(time.perf_counter() - t)

    return wrapper


# ------------------------------------------------------------------ analysis and report


SEGMENTS = {
    "delivery": ("push", "dispatch"),  # long poll return, parsing, user upsert, chat lock
    "pre-ask": ("dispatch", "submit"),  # rate limit, routing, typing action, last_turn
    "pool queue": ("submit", "start"),  # waiting for a free answer worker
    "engine": ("start", "end"),  # engine.ask in the worker
    "post": ("end", "reply"),  # loop wake-up, log_answer, save_turn, format, sendMessage
}


def analyse(raw: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    questions = raw["questions"]
    by_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for u in raw["bot_updates"]:
        if u.get("chat") is not None and u["chat"] != WARMUP_CHAT:
            by_chat[u["chat"]].append(u)
    joined = []
    for q in questions:  # the bot-side record of a question: dispatched after its push
        if q["reply"] is None:
            continue
        candidates = [u for u in by_chat[q["user"]] if q["push"] <= u["dispatch"] <= q["reply"]]
        if candidates and "start" in candidates[0]:
            joined.append({**q, **candidates[0]})
    replied = [q for q in questions if q["reply"] is not None]
    latency = [q["reply"] - q["push"] for q in replied]
    window = max((q["reply"] for q in replied), default=raw["finished"]) - raw["started"]
    segments = {name: summary([j[b] - j[a] for j in joined]) for name, (a, b) in SEGMENTS.items()}
    slow_cut = pct([j["reply"] - j["push"] for j in joined], 95)
    slow = [j for j in joined if j["reply"] - j["push"] >= slow_cut]
    slow_share = {
        name: statistics.fmean([(j[b] - j[a]) / (j["reply"] - j["push"]) for j in slow])
        if slow
        else float("nan")
        for name, (a, b) in SEGMENTS.items()
    }
    in_corpus = [q for q in replied if q["q"] < len(RU_CORPUS) + len(EN_CORPUS)]
    off = [q for q in replied if q["q"] >= len(RU_CORPUS) + len(EN_CORPUS)]
    engine_in_bot = [j["end"] - j["start"] for j in joined]
    busy = sum(engine_in_bot)
    return {
        "config": {
            "users": args.users,
            "questions_per_user": args.questions_per_user,
            "think_max_s": args.think_max,
            "workers": args.workers,
            "cache_size": args.cache_size,
            "cache": raw.get("cache", {}),
            "rate_limit": f"{RATE_LIMIT} per 30 s (never reached)",
            "distinct_questions": len(QUESTIONS),
            "seed": args.seed,
        },
        "questions": len(questions),
        "replies": len(replied),
        "lost": len(questions) - len(replied),
        "unexpected_messages": raw["unexpected"],
        "unexpected_texts": raw["unexpected_texts"],
        "extra_parts": sum(q["parts"] for q in questions),
        "non_ok_calls": raw["non_ok_calls"],
        "log": raw["log"],
        "window_s": window,
        "replies_per_s": len(replied) / window if window > 0 else float("nan"),
        "latency": summary(latency),
        "first_reaction": summary([q["typing"] - q["push"] for q in replied if q["typing"]]),
        "segments": segments,
        "slowest_5pct_share": slow_share,
        "engine_in_bot": summary(engine_in_bot),
        "worker_utilisation": busy / (window * max(1, args.workers)) if window > 0 else 0.0,
        "cited_in_corpus": sum(q["cited"] for q in in_corpus) / max(1, len(in_corpus)),
        "cited_off_corpus": sum(q["cited"] for q in off) / max(1, len(off)),
        "db": raw["db"],
        "api": raw["api"],
    }


def row(label: str, s: dict[str, float]) -> str:
    return (
        f"  {label:<34} {s['p50']:8.0f} {s['p95']:8.0f} {s['p99']:8.0f} {s['mean']:8.0f}"
        f" {s['max']:8.0f}"
    )


def report(r: dict[str, Any]) -> None:
    c = r["config"]
    print(
        f"\nbot load: {c['users']} users x {c['questions_per_user']} questions, think 0-"
        f"{c['think_max_s']} s, answer_workers {c['workers']}, {c['distinct_questions']} "
        f"distinct RU/EN questions; rate limit {c['rate_limit']}; answer cache "
        f"{c['cache_size']} ({c['cache'].get('hits', 0)} hits, {c['cache'].get('misses', 0)} "
        "computed)"
    )
    log_counts = ", ".join(f"{k} {v}" for k, v in r["log"]["counts"].items()) or "none"
    print(
        f"questions {r['questions']}  replies {r['replies']}  lost {r['lost']}  "
        f"unexpected messages {r['unexpected_messages']}  extra parts {r['extra_parts']}  "
        f"non-200 calls {sum(r['non_ok_calls'].values())}  log warnings/errors: {log_counts}"
    )
    print(
        f"throughput {r['replies_per_s']:.1f} replies/s over {r['window_s']:.1f} s; answer "
        f"workers busy {r['worker_utilisation']:.0%}; cited: {r['cited_in_corpus']:.0%} of "
        f"corpus questions, {r['cited_off_corpus']:.0%} of off-corpus ones"
    )
    print(f"\n  {'ms':<34} {'p50':>8} {'p95':>8} {'p99':>8} {'mean':>8} {'max':>8}")
    print(row("update pushed -> reply at server", r["latency"]))
    print(row("update pushed -> typing action", r["first_reaction"]))
    print(row("engine alone (sequential)", r["baseline"]["wall"]))
    print(row("engine inside the bot", r["engine_in_bot"]))
    print("  where the time goes (per reply):")
    for name, s in r["segments"].items():
        print(row(f"  {name}", s))
    print("  storage calls:")
    for name, s in r["db"].items():
        print(row(f"  {name}", s))
    print("  Bot API round trips seen by the bot:")
    for name, s in r["api"].items():
        print(row(f"  {name}", s))
    share = ", ".join(f"{k} {v:.0%}" for k, v in r["slowest_5pct_share"].items())
    print(f"\nslowest 5% of replies, mean share: {share}")
    base = r["baseline"]["wall"]
    print(
        f"bot/engine ratio: p50 {r['latency']['p50'] / base['p50']:.1f}x, "
        f"p95 {r['latency']['p95'] / base['p95']:.1f}x"
    )
    for line in r["log"]["first"]:
        print(f"log: {line}")
    for text in r["unexpected_texts"]:
        print(f"unexpected: {text}")
    ok = r["latency"]["p95"] <= 1000 and r["lost"] == 0
    print(
        f"target p95 <= 1000 ms, 0 lost: p95 {r['latency']['p95']:.0f} ms, lost {r['lost']}: "
        f"{'PASS' if ok else 'MISS'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions-per-user", type=int, default=5)
    parser.add_argument(
        "--think-max",
        type=float,
        default=5.0,
        help="think time 0..this, s (typing a question takes people seconds; 1 is a flood)",
    )
    parser.add_argument("--workers", type=int, default=2, help="BotSettings.answer_workers")
    parser.add_argument(
        "--cache-size", type=int, default=2000, help="BotSettings.answer_cache_size (0: off)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reply-timeout", type=float, default=120.0, help="then: lost")
    parser.add_argument("--baseline-passes", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # child
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args))
        return

    work = Path(tempfile.mkdtemp(prefix="botload-"))
    try:
        t0 = time.perf_counter()
        index_settings, engine = build_engine(work)
        if not args.json:
            print(f"indexed the bundled corpus, engine warm in {time.perf_counter() - t0:.0f} s")
        baseline = engine_alone(engine, args.baseline_passes)
        raw = asyncio.run(run_bot(args, index_settings, engine, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = analyse(raw, args)
    result["baseline"] = baseline
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        report(result)


if __name__ == "__main__":
    main()
