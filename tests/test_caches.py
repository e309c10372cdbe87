"""Caches filled by use stay bounded, and results stay right past the bound (issue 10).

Each test lowers a cache's bound (a module constant, read when the object is built), pushes more
distinct keys through the public API than it holds, and compares the results with those of an
object that never had to evict.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from dataclasses import asdict
from typing import Any

import pytest
import Stemmer
from aiogram.types import TelegramObject, User

from bot import middlewares
from bot.middlewares import RateLimitMiddleware
from index.documents import Document
from index.settings import IndexSettings
from rag.alerts import stories as alerts
from rag.alerts.agreements import detect_agreement
from rag.alerts.stories import AgreementMemory
from rag.answering import extractive
from rag.answering.engine import AnswerEngine
from rag.factcheck import checker as factcheck
from rag.factcheck.checker import FactChecker
from rag.retrieval import lexical

_LETTERS = "абвгдежзиклмнопрстуфхцчшщыэюя"


def made_up_word(i: int) -> str:
    """A distinct Russian-looking word per `i` (what questions full of names and typos bring)."""
    middle = ""
    while True:
        middle += _LETTERS[i % len(_LETTERS)]
        i //= len(_LETTERS)
        if not i:
            return f"пере{middle}ования"


def test_tokenising_new_words_keeps_nothing() -> None:
    """Each question's words were kept forever (one entry per word form ever asked about)."""
    words = [made_up_word(i) for i in range(80_000)]
    tracemalloc.start()
    try:
        for start in range(0, 40_000, 20):  # questions of 20 new words; PyStemmer's own
            lexical.tokens(" ".join(words[start : start + 20]))  # bounded cache fills up
        gc.collect()
        warm = tracemalloc.get_traced_memory()[0]
        for start in range(40_000, 80_000, 20):
            lexical.tokens(" ".join(words[start : start + 20]))
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - warm
    finally:
        tracemalloc.stop()
    # Measured: +9.0 MB for these 40,000 words on the old code, -5 KB now.
    assert grown < 1_500_000, grown
    stemmer = Stemmer.Stemmer("russian")
    sample = words[::997]
    assert lexical.tokens(" ".join(sample)) == [stemmer.stemWord(w) for w in sample]
    assert lexical.tokens_batch([" ".join(sample), "и the"]) == [
        [stemmer.stemWord(w) for w in sample],
        [],  # stop words
    ]


CLAIMS = [
    "Московский инновационный кластер подписал соглашение с технопарком Китая.",
    "Moscow and Beijing signed an agreement on cooperation in innovation in 2020.",
    "Москва и ассоциация Innobiz договорились о совместных проектах.",
    "Ленинградская область и Китай будут вместе заниматься нанотехнологиями.",
]


@pytest.mark.slow
def test_fact_check_caches_stay_bounded(
    bundled_index: tuple[IndexSettings, AnswerEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, engine = bundled_index
    unbounded = FactChecker.from_engine(engine)
    want = [asdict(unbounded.check_claim(c)) for c in CLAIMS * 2]
    monkeypatch.setattr(factcheck, "FACTS_CACHE_SIZE", 4)
    monkeypatch.setattr(factcheck, "CONTEXTS_CACHE_SIZE", 2)
    bounded = FactChecker.from_engine(engine)
    got = [asdict(bounded.check_claim(c)) for c in CLAIMS * 2]  # the second pass re-computes
    assert len(unbounded._facts) > 4 and len(unbounded._contexts) > 2  # more keys than bounds
    assert len(bounded._facts) <= 4 and len(bounded._contexts) <= 2
    assert got == want


QUESTIONS = [
    "С каким технопарком Китая подписал соглашение Московский кластер?",
    "Who did Moscow sign an innovation agreement with?",
    "О чём договорились Москва и Innobiz?",
    "Чем будут вместе заниматься Ленинградская область и Китай?",
]


def _answers(engine: AnswerEngine) -> list[tuple[str, list[str]]]:
    answers = [engine.ask(q) for q in QUESTIONS * 2]
    return [(a.answer, [c.chunk_id for c in a.citations]) for a in answers]


@pytest.mark.slow
def test_places_cache_stays_bounded(
    bundled_index: tuple[IndexSettings, AnswerEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, engine = bundled_index

    def fresh_engine() -> AnswerEngine:
        return engine.reloaded(settings)  # the same models, a new answerer and its cache

    unbounded = fresh_engine()
    want = _answers(unbounded)
    monkeypatch.setattr(extractive, "PLACES_CACHE_SIZE", 2)
    bounded = fresh_engine()
    assert _answers(bounded) == want
    assert len(unbounded.answerer._places) > 2
    assert len(bounded.answerer._places) <= 2


def _report(i: int, agreement: bool) -> Document:
    if agreement:
        title = f"Технопарк {made_up_word(i).capitalize()} и МФТИ подписали соглашение"
        text = "Стороны подписали соглашение о сотрудничестве в Москве."
    else:
        title, text = f"Погода в городе {made_up_word(i).capitalize()}", "Ожидаются дожди."
    return Document(f"doc-{i}", title, text, "test", "ru", "2026-01-10", f"hash-{i}")


@pytest.mark.slow
def test_agreement_memory_stays_bounded(
    bundled_index: tuple[IndexSettings, AnswerEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    ner = bundled_index[1].ner
    documents = [_report(i, agreement=i % 3 == 0) for i in range(12)]
    want = [detect_agreement(d, ner) for d in documents]
    assert sum(a is not None for a in want) == 4
    monkeypatch.setattr(alerts, "MEMORY_SIZE", 3)
    memory = AgreementMemory(ner)
    assert [memory.of(d) for d in documents * 2] == want * 2
    assert len(memory._seen) <= 3
    # A changed version of a remembered document is detected again.
    changed = Document(**{**asdict(documents[-1]), "content_hash": "hash-changed"})
    assert memory.of(changed) == want[-1]


async def test_rate_limiter_forgets_users_and_still_limits_a_flood(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One user floods in every window while 40 new users write once each, three windows
    in a row: the limiter tracks at most its bound, and the flood is cut each time."""
    monkeypatch.setattr(middlewares, "RATE_LIMIT_USERS", 50)
    window = 0.5
    limiter = RateLimitMiddleware(count=2, window_s=window)
    passed: list[int] = []

    async def handler(_: TelegramObject, data: dict[str, Any]) -> None:
        passed.append(data["event_from_user"].id)

    async def send(user_id: int) -> None:
        user = User(id=user_id, is_bot=False, first_name="u")
        await limiter(handler, TelegramObject(), {"event_from_user": user})

    for window_no in range(3):
        for _ in range(5):
            await send(1)
        for user_id in range(100 + 40 * window_no, 140 + 40 * window_no):
            await send(user_id)
        assert len(limiter._seen) <= 50
        await asyncio.sleep(window * 1.2)
    assert passed.count(1) == 3 * 2  # two of five in each window
    assert len(set(passed) - {1}) == 120  # every other user's one message passed
    await send(1)
    assert len(limiter._seen) == 1  # the others' windows are over: forgotten
