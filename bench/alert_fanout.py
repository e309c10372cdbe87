"""Agreement alerts under load: fan-out to many subscribers, and time from file to first alert.

Why: the alert path is the one place where the bot sends thousands of messages on its own, so it
is where Telegram's global limit (~30 messages/s across all chats), 429 flood control, duplicate
and lost alerts show up; none of that is visible with the four subscribers of the tests (issue
5, "Performance"). Here the production composition root (`create_services`, `create_bot`,
`create_dispatcher`, `run_polling`: long polling, the watcher started on startup, the paced
`Broadcaster`, the session's retry middleware, SQLite) runs over the bundled corpus, indexed into
a temp dir with the real e5 + USE models, and the watcher polls a temp watch folder.

1. Latency: `--rounds` agreement articles written here (not bundled ones), one per round, land in
   the watch folder (write, then rename) at a random point of the poll cycle, with
   `--latency-subscribers` subscribers; measured from the rename to the first alert's
   sendMessage arriving at the server, split into waiting for the poll, indexing, agreement
   detection, and the rest (subscriptions, topic match, claim, send). Target: <= poll + 5 s.
2. Fan-out: `--subscribers` more users (half ru, half en; every 10th also subscribed to a topic,
   so one user with two matching subscriptions must still get one message) are inserted directly
   through `Storage.touch_user` + `Storage.subscribe` (fast: no /subscribe round trips; the
   handler does the same two writes), then one more article lands while the server answers 429
   (retry_after=1) to `--fail-ratio` of sendMessage calls. Measured at the server: total time,
   messages/s overall, the most requests in any sliding 1 s window (all statuses, and 200s),
   duplicates (a chat alerted twice), losses (a subscriber never alerted), 429s absorbed. The
   worst 1 s window is split into first tries and re-sends after a 429, and cross-checked with
   the send times seen inside the bot and the bot's event-loop lag; alert rows already claimed
   when the first alert goes out are counted too (a claim survives a restart).

The Bot API server (tests/telegram_server.py) runs in a child process, so its arrival times
(`Call.at`, wall clock in both processes) are not skewed by the bot's busy event loop.

    .venv/bin/python bench/alert_fanout.py [--subscribers 10000] [--rate 25]
        [--poll-seconds 5] [--rounds 3] [--fail-ratio 0.05] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `tests.telegram_server`, `bench.bot_load` as a script
    sys.path.insert(0, str(REPO))

LATENCY_CHAT = 1  # latency subscribers: chats 1..L
FIRST_CHAT = 100_000  # fan-out subscribers: FIRST_CHAT + i
TOPICS = ("Узбекистан", "Uzbekistan", "Казань", "Tatarstan")  # every 10th user, on top of "all"

# One story each (distinct parties, dates weeks apart); none is in the bundled corpus.
FANOUT_ARTICLE = (
    "kazan_tashkent",
    "Ташкент",
    """Казань и Ташкент подписали соглашение о сотрудничестве

12.08.2024

Мэрия Казани и хокимият Ташкента подписали соглашение о сотрудничестве в сфере образования, \
туризма и цифровых технологий. Документ подписали мэр Казани Ильсур Метшин и хоким Ташкента \
Шавкат Умурзаков. Города договорились открыть совместный IT-акселератор и проводить ежегодный \
форум молодых предпринимателей начиная с 2025 года.
""",
)
LATENCY_ARTICLES = [
    (
        "ekb_almaty",
        "Екатеринбург",
        """Екатеринбург и Алматы подписали меморандум о сотрудничестве в сфере IT

03.06.2024

Администрация Екатеринбурга и акимат Алматы подписали меморандум о сотрудничестве в сфере \
информационных технологий. Документ подписали глава Екатеринбурга Алексей Орлов и аким Алматы \
Ерболат Досаев. Стороны создадут общую площадку для стартапов и обменяются опытом цифровизации \
городского транспорта.
""",
    ),
    (
        "tampere_gothenburg",
        "Tampere",
        """Tampere and Gothenburg sign a partnership agreement on smart-city pilots

24.06.2024

The cities of Tampere and Gothenburg signed a partnership agreement on Monday to run joint \
smart-city pilots. Tampere mayor Kalle Katainen and Gothenburg council chair Jonas Attenius \
signed the document. The pilots will test autonomous buses and sensor networks in both cities \
from 2025.
""",
    ),
    (
        "kaliningrad_minsk",
        "Калининград",
        """Калининград и Минск подписали соглашение о создании совместного технопарка

15.07.2024

Правительство Калининградской области и Минский горисполком подписали соглашение о создании \
совместного технопарка. Документ подписали губернатор Калининградской области Алексей \
Беспрозванных и председатель Мингорисполкома Владимир Кухарев. Технопарк \
разместит 30 компаний в области электроники и станкостроения.
""",
    ),
    (
        "porto_valencia",
        "Porto",
        """Porto and Valencia sign a memorandum of understanding on green hydrogen

05.09.2024

The cities of Porto and Valencia signed a memorandum of understanding on Thursday to develop \
green hydrogen for public transport. Porto mayor Rui Moreira and Valencia mayor Maria Jose \
Catala signed the memorandum. The first hydrogen buses will run in both cities in 2026.
""",
    ),
]


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most of `times` inside any half-open window [t, t + window) (sliding, not buckets)."""
    ts = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(ts):
        while t - ts[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


# ------------------------------------------------------------------ child: the Bot API server


async def serve(args: argparse.Namespace) -> None:
    """Child process: the Bot API server, driven by one-line commands on stdin."""
    from tests.telegram_server import FakeTelegram

    tg = FakeTelegram()
    print(f"URL {await tg.start()}", flush=True)

    def sends(since: float = 0.0, ok: bool = False) -> list[Any]:
        return [
            c
            for c in tg.calls
            if c.method == "sendMessage" and c.at >= since and (not ok or c.status == 200)
        ]

    async def until(condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    while command := (await asyncio.to_thread(sys.stdin.readline)).split():
        match command:
            case ["FAIL", ratio]:
                tg.fail_ratio("sendMessage", 429, float(ratio), retry_after=1, seed=args.seed)
                print("OK", flush=True)
            case ["FIRST", since, timeout]:  # the first sendMessage request at or after `since`
                await until(lambda: bool(sends(float(since))), float(timeout))
                found = sends(float(since))
                print(f"FIRST {found[0].at if found else 'none'}", flush=True)
            case ["WAIT", count, timeout]:  # successful sendMessage calls in all
                await until(lambda: len(sends(ok=True)) >= int(count), float(timeout))
                print(f"WAIT {len(sends(ok=True))}", flush=True)
            case ["DUMP"]:
                rows = [
                    [c.params.get("chat_id"), c.at, c.status, str(c.params.get("text", ""))[:400]]
                    for c in sends()
                ]
                print("CALLS " + json.dumps(rows, ensure_ascii=False), flush=True)
            case _:
                break
    await tg.stop()


# ------------------------------------------------------------------ parent: the bot


class WarningLog(logging.Handler):
    """Counts WARNING and above by logger and the start of the message; keeps a few."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[f"{record.name}: {record.getMessage()[:24]}"] += 1
        if len(self.first) < 5 and "flood control" not in record.getMessage():
            self.first.append(f"{record.levelname} {record.name}: {record.getMessage()[:300]}")


def timed(
    fn: Callable[..., Awaitable[Any]], sink: list[tuple[float, float]]
) -> Callable[..., Awaitable[Any]]:
    """`fn`, appending (start, end) wall-clock times of each call to `sink`."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.time()
        try:
            return await fn(*args, **kwargs)
        finally:
            sink.append((start, time.time()))

    return wrapper


def drop(folder: Path, name: str, text: str) -> float:
    """Write then rename, as a well-behaved producer does; the time the file landed."""
    partial = folder / f".{name}.part"
    partial.write_text(text, encoding="utf-8")
    partial.rename(folder / f"{name}.txt")
    return time.time()


async def run(args: argparse.Namespace, index_settings: Any, engine: Any, work: Path) -> Any:
    from pydantic import SecretStr

    from bot.app import create_bot, create_dispatcher, create_services, run_polling
    from bot.settings import BotSettings
    from rag.settings import RagSettings

    cmd = [sys.executable, __file__, "--serve", "--seed", str(args.seed)]
    child = await asyncio.create_subprocess_exec(
        *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=REPO, limit=2**27
    )
    assert child.stdout is not None and child.stdin is not None

    async def ask(command: str, prefix: str) -> str:
        assert child.stdout is not None and child.stdin is not None
        child.stdin.write(f"{command}\n".encode())
        await child.stdin.drain()
        while raw := await child.stdout.readline():
            text = raw.decode().rstrip("\n")
            if text.startswith(prefix):
                return text[len(prefix) :]
        raise SystemExit(f"the server process ended before answering {command!r}")

    url = (await child.stdout.readline()).decode().removeprefix("URL ").strip()
    watch = work / "watch"
    watch.mkdir()
    settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=SecretStr("123456:TEST-token"),
        telegram_api_url=url,
        database_url=f"sqlite+aiosqlite:///{work / 'bot.db'}",
        watch_dir=watch,
        poll_seconds=args.poll_seconds,
        alert_rate_per_s=args.rate,
    )
    services = await create_services(settings, index_settings, RagSettings(), engine=engine)
    storage = services.storage
    spans: dict[str, list[tuple[float, float]]] = {"ingest": [], "detect": [], "subs": []}
    for target, name, sink in (
        (services, "ingest_loaded", "ingest"),  # the watcher picked the file up .. index live
        (services, "story_alerts", "detect"),  # agreement detection and story grouping
        (storage, "active_subscriptions", "subs"),
    ):
        setattr(target, name, timed(getattr(target, name), spans[sink]))
    for chat in range(LATENCY_CHAT, LATENCY_CHAT + args.latency_subscribers):
        await storage.touch_user(chat, chat, "ru")
        await storage.subscribe(chat, chat, None)

    bot = create_bot(settings)
    departures: list[float] = []  # each sendMessage attempt leaving the bot (retries included)

    async def departure(make_request: Any, bot: Any, method: Any) -> Any:
        if type(method).__name__ == "SendMessage":
            departures.append(time.time())
        return await make_request(bot, method)

    bot.session.middleware(departure)  # inside the retry middleware: sees every attempt
    lags: list[tuple[float, float]] = []  # (when, how late) the bot's event loop woke

    async def loop_lag() -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append((time.time(), time.perf_counter() - t - 0.01))

    lag_task = asyncio.create_task(loop_lag())
    dp = create_dispatcher(services)
    logs = WarningLog()
    logging.getLogger().addHandler(logs)
    polling = asyncio.create_task(run_polling(bot, dp, handle_signals=False))
    rng = random.Random(args.seed)
    rounds: list[dict[str, Any]] = []
    fanout: dict[str, Any] = {}
    try:
        await asyncio.sleep(args.poll_seconds + 1)  # the watcher's first (empty) poll
        expected = 0
        for name, marker, text in LATENCY_ARTICLES[: args.rounds]:
            await asyncio.sleep(rng.uniform(0, args.poll_seconds))  # anywhere in the cycle
            landed = drop(watch, name, text)
            first = await ask(f"FIRST {landed} {args.poll_seconds + 120}", "FIRST ")
            expected += args.latency_subscribers
            done = int(await ask(f"WAIT {expected} 60", "WAIT "))
            rounds.append(
                {"article": name, "marker": marker, "landed": landed, "first": _num(first)}
                | {"sent_total": done, "expected_total": expected}
            )

        t = time.perf_counter()
        for i in range(args.subscribers):
            user = FIRST_CHAT + i
            await storage.touch_user(user, user, "ru" if i % 2 else "en")
            await storage.subscribe(user, user, None)
            if i % 10 == 0:
                await storage.subscribe(user, user, TOPICS[(i // 10) % len(TOPICS)])
        insert_s = time.perf_counter() - t

        await ask(f"FAIL {args.fail_ratio}", "OK")
        before = int(await ask("WAIT 0 0", "WAIT "))
        name, marker, text = FANOUT_ARTICLE
        landed = drop(watch, name, text)
        first = await ask(f"FIRST {landed} {args.poll_seconds + 300}", "FIRST ")
        # Recorded as sent when the first one goes out; the rest wait in the outbox as pending
        # rows, which a restart sends (bot/storage/outbox.py), so a crash now loses none.
        claimed_early = await storage.alerts_sent() - expected
        recipients = args.subscribers + args.latency_subscribers
        budget = recipients / args.rate * 1.5 + 120
        done = int(await ask(f"WAIT {before + recipients} {budget}", "WAIT "))
        finished = time.time()
        await asyncio.sleep(max(5.0, 2 * args.poll_seconds))  # late duplicates show up here
        fanout = {"landed": landed, "first": _num(first), "finished_wait": finished}
        fanout |= {"marker": marker, "insert_s": insert_s, "sent_total": done}
        fanout |= {"claimed_at_first_alert": claimed_early}
        fanout |= {"recipients": recipients, "alerts_in_db": await storage.alerts_sent()}
        calls = json.loads(await ask("DUMP", "CALLS "))
    finally:
        lag_task.cancel()
        await dp.stop_polling()
        await asyncio.wait_for(polling, 60)
        with contextlib.suppress(ConnectionError):
            child.stdin.write(b"STOP\n")
            await child.stdin.drain()
        await child.wait()
        logging.getLogger().removeHandler(logs)
    return {
        "rounds": rounds,
        "fanout": fanout,
        "calls": calls,
        "spans": spans,
        "departures": departures,
        "lags": lags,
        "log": {"counts": dict(logs.counts), "first": logs.first},
    }


def _num(text: str) -> float | None:
    return None if text == "none" else float(text)


# ------------------------------------------------------------------ analysis and report


def _span_after(spans: list[tuple[float, float]], t: float) -> tuple[float, float] | None:
    return next((s for s in sorted(spans) if s[0] >= t), None)


def latency_of(landed: float, first: float | None, spans: dict[str, Any]) -> dict[str, Any]:
    """File landed -> first alert request, and its parts (poll wait, index, detect, the rest)."""
    out: dict[str, Any] = {"total_s": None if first is None else first - landed}
    ingest = _span_after(spans["ingest"], landed)
    detect = _span_after(spans["detect"], landed)
    if first is not None and ingest and detect:
        out |= {
            "poll_wait_s": ingest[0] - landed,
            "index_s": ingest[1] - ingest[0],
            "detect_s": detect[1] - detect[0],
            "deliver_s": first - detect[1],
        }
    return out


def analyse(raw: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    calls = raw["calls"]  # [chat_id, at, status, text[:400]] of every sendMessage
    spans = raw["spans"]
    rounds = []
    for r in raw["rounds"]:
        got = [c for c in calls if c[2] == 200 and r["marker"] in c[3]]
        rounds.append(
            {"article": r["article"], "alerts": len(got)}
            | latency_of(r["landed"], r["first"], spans)
        )
    f = raw["fanout"]
    mine = [c for c in calls if c[1] >= f["landed"]]
    ok = [c for c in mine if c[2] == 200]
    foreign = [c for c in ok if f["marker"] not in c[3]]
    per_chat = Counter(c[0] for c in ok)
    expected = set(range(LATENCY_CHAT, LATENCY_CHAT + args.latency_subscribers))
    expected |= set(range(FIRST_CHAT, FIRST_CHAT + args.subscribers))
    times_all = [c[1] for c in mine]
    seen: set[int] = set()
    first_tries: list[float] = []
    retries: list[float] = []  # a chat's first request, and its re-sends after a 429
    for c in sorted(mine, key=lambda c: c[1]):
        (retries if c[0] in seen else first_tries).append(c[1])
        seen.add(c[0])
    times_ok = [c[1] for c in ok]
    span_s = max(times_ok) - min(times_ok) if len(times_ok) > 1 else float("nan")
    statuses = Counter(c[2] for c in mine)
    per_second = Counter(int(t - min(times_all)) for t in times_all) if times_all else Counter()
    leaving = [t for t in raw["departures"] if t >= f["landed"]]
    lag = [d for t, d in raw["lags"] if times_all and times_all[0] <= t <= times_all[-1]]
    total_latency = [r["total_s"] for r in rounds if r["total_s"] is not None]
    return {
        "config": {
            "subscribers": args.subscribers,
            "latency_subscribers": args.latency_subscribers,
            "rate_per_s": args.rate,
            "poll_seconds": args.poll_seconds,
            "fail_ratio": args.fail_ratio,
            "rounds": args.rounds,
            "seed": args.seed,
        },
        "insert_subscribers_s": f["insert_s"],
        "fanout": {
            "recipients": len(expected),
            "delivered": len(set(per_chat) & expected),
            "lost": len(expected - set(per_chat)),
            "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
            "chats_alerted_twice": sum(1 for n in per_chat.values() if n > 1),
            "unexpected_chats": len(set(per_chat) - expected),
            "other_messages": len(foreign),
            "alerts_in_db": f["alerts_in_db"],
            "claimed_at_first_alert": f.get("claimed_at_first_alert"),
            "requests": len(mine),
            "status_counts": {str(k): v for k, v in statuses.items()},
            "429s": statuses.get(429, 0),
            "landed_to_last_s": max(times_ok) - f["landed"] if ok else float("nan"),
            "first_to_last_s": span_s,
            "msgs_per_s": (len(ok) - 1) / span_s if span_s == span_s and span_s > 0 else 0.0,
            "max_1s_requests": max_in_window(times_all),
            "max_1s_ok": max_in_window(times_ok),
            "max_1s_first_tries": max_in_window(first_tries),
            "max_1s_retries": max_in_window(retries),
            "max_100ms_requests": max_in_window(times_all, 0.1),  # the pace allows rate/10
            "max_1s_leaving_bot": max_in_window(leaving),  # sent times seen by the bot
            "loop_lag_max_ms": max(lag, default=0.0) * 1000,
            "loop_lag_over_100ms": sum(1 for d in lag if d > 0.1),
            "seconds_over_rate": sum(1 for n in per_second.values() if n > args.rate),
            "latency": latency_of(f["landed"], f["first"], spans),
        },
        "rounds": rounds,
        "max_latency_s": max(total_latency) if total_latency else None,
        "log": raw["log"],
    }


def report(r: dict[str, Any]) -> None:
    c, f = r["config"], r["fanout"]
    print(
        f"\nalert fan-out: {c['subscribers']} subscribers (+{c['latency_subscribers']} of the "
        f"latency rounds), rate {c['rate_per_s']}/s, poll {c['poll_seconds']} s, 429 on "
        f"{c['fail_ratio']:.0%} of sendMessage; subscribers inserted via Storage in "
        f"{r['insert_subscribers_s']:.0f} s"
    )
    rows = [
        ("recipients / delivered", f"{f['recipients']} / {f['delivered']}"),
        ("lost (target 0)", f["lost"]),
        ("duplicates (target 0)", f"{f['duplicates']} ({f['chats_alerted_twice']} chats)"),
        ("unexpected chats / other messages", f"{f['unexpected_chats']} / {f['other_messages']}"),
        ("alerts rows in DB (all rounds)", f["alerts_in_db"]),
        ("claims already made at the first alert", f["claimed_at_first_alert"]),
        ("sendMessage requests / 429s absorbed", f"{f['requests']} / {f['429s']}"),
        ("file landed -> last alert", f"{f['landed_to_last_s']:.1f} s"),
        ("first -> last alert", f"{f['first_to_last_s']:.1f} s"),
        ("delivered msgs/s (first -> last)", f"{f['msgs_per_s']:.2f}"),
        ("max in any 1 s: requests / 200s (< 30)", f"{f['max_1s_requests']} / {f['max_1s_ok']}"),
        (
            "max in 1 s: first tries / 429 re-sends",
            f"{f['max_1s_first_tries']} / {f['max_1s_retries']}",
        ),
        ("max in any 100 ms: requests", f["max_100ms_requests"]),
        ("max in any 1 s: leaving the bot", f["max_1s_leaving_bot"]),
        (
            "bot loop lag: max / wake-ups > 100 ms",
            f"{f['loop_lag_max_ms']:.0f} ms / {f['loop_lag_over_100ms']}",
        ),
        ("whole seconds with > rate requests", f["seconds_over_rate"]),
        ("file landed -> first alert (fan-out)", _lat(f["latency"])),
    ]
    for label, value in rows:
        print(f"  {label:<42} {value}")
    print(f"\nfile landed -> first alert request (target <= {c['poll_seconds'] + 5:.0f} s):")
    for i, rd in enumerate(r["rounds"], 1):
        print(f"  round {i} {rd['article']:<20} {_lat(rd)}  ({rd['alerts']} alerts)")
    if r["max_latency_s"] is not None:
        verdict = "PASS" if r["max_latency_s"] <= c["poll_seconds"] + 5 else "MISS"
        print(f"  max {r['max_latency_s']:.2f} s: {verdict}")
    counts = r["log"]["counts"]
    print("log warnings: " + (", ".join(f"{k}.. x{v}" for k, v in counts.items()) or "none"))
    for line in r["log"]["first"]:
        print(f"log: {line}")
    ok = (
        f["lost"] == 0
        and f["duplicates"] == 0
        and f["max_1s_requests"] < 30
        and f["unexpected_chats"] == 0
    )
    print(f"fan-out: 0 lost, 0 duplicates, < 30 requests in any 1 s: {'PASS' if ok else 'MISS'}")


def _lat(d: dict[str, Any]) -> str:
    if d.get("total_s") is None:
        return "no alert"
    parts = ""
    if "poll_wait_s" in d:
        parts = (
            f" (poll wait {d['poll_wait_s']:.2f}, index {d['index_s']:.2f}, detect "
            f"{d['detect_s']:.2f}, deliver {d['deliver_s']:.2f})"
        )
    return f"{d['total_s']:.2f} s{parts}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="alert_rate_per_s")
    parser.add_argument("--poll-seconds", type=float, default=5.0, help="NEWSBOT_POLL_SECONDS")
    parser.add_argument("--rounds", type=int, default=3, choices=range(len(LATENCY_ARTICLES) + 1))
    parser.add_argument("--latency-subscribers", type=int, default=5)
    parser.add_argument("--fail-ratio", type=float, default=0.05, help="429 share, fan-out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--save", type=Path, help="write every sendMessage call here (JSON)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # child
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args))
        return
    logging.basicConfig(level=logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.ERROR)  # on the console; the WarningLog handler counts the rest

    from bench.bot_load import build_engine

    work = Path(tempfile.mkdtemp(prefix="alertfanout-"))
    try:
        t0 = time.perf_counter()
        index_settings, engine = build_engine(work)
        if not args.json:
            print(f"indexed the bundled corpus, engine warm in {time.perf_counter() - t0:.0f} s")
        raw = asyncio.run(run(args, index_settings, engine, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.save:
        args.save.write_text(json.dumps(raw, ensure_ascii=False))
    result = analyse(raw, args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        report(result)


if __name__ == "__main__":
    main()
