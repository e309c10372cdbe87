"""The answer cache: one computation per question and index version, even when concurrent."""

from __future__ import annotations

import asyncio

import pytest

from bot.answer_cache import AnswerCache
from rag.answering.answer import Answer


def _counting(calls: list[str], delay: float = 0.0):  # type: ignore[no-untyped-def]
    async def compute(question: str) -> Answer:
        calls.append(question)
        await asyncio.sleep(delay)
        return Answer(question, "en", True, f"answer to {question} [1]")

    return compute


async def test_same_question_differently_typed_is_computed_once() -> None:
    cache, calls = AnswerCache(10), []
    compute = _counting(calls)
    first = await cache.get("v1", "Who signed?", lambda: compute("Who signed?"))
    second = await cache.get("v1", "  who   SIGNED ", lambda: compute("who signed"))
    assert calls == ["Who signed?"] and second.answer == first.answer
    second.citations.append(None)  # type: ignore[arg-type]
    assert (await cache.get("v1", "who signed", lambda: compute("x"))).citations == []


async def test_concurrent_identical_questions_share_one_computation() -> None:
    cache, calls = AnswerCache(10), []
    compute = _counting(calls, delay=0.05)
    answers = await asyncio.gather(
        *(cache.get("v1", "q", lambda: compute("q")) for _ in range(20))
    )
    assert calls == ["q"] and len({a.answer for a in answers}) == 1
    assert (cache.hits, cache.misses) == (19, 1)


async def test_a_new_index_version_and_eviction_recompute() -> None:
    cache, calls = AnswerCache(2), []
    compute = _counting(calls)
    for version, question in [("v1", "a"), ("v2", "a"), ("v2", "b"), ("v2", "c"), ("v2", "a")]:
        await cache.get(version, question, lambda q=question: compute(q))  # type: ignore[misc]
    assert calls == ["a", "a", "b", "c", "a"]


async def test_failures_are_not_cached_and_reach_every_waiter() -> None:
    cache = AnswerCache(10)

    async def broken() -> Answer:
        await asyncio.sleep(0.02)
        raise RuntimeError("engine down")

    results = await asyncio.gather(
        *(cache.get("v1", "q", broken) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    calls: list[str] = []
    await cache.get("v1", "q", lambda: _counting(calls)("q"))
    assert calls == ["q"]


async def test_size_zero_disables_the_cache() -> None:
    cache, calls = AnswerCache(0), []
    compute = _counting(calls)
    for _ in range(3):
        await cache.get("v1", "q", lambda: compute("q"))
    assert calls == ["q", "q", "q"]


@pytest.mark.parametrize("size", [1, 5])
async def test_cache_never_grows_past_its_size(size: int) -> None:
    cache = AnswerCache(size)
    calls: list[str] = []
    for n in range(20):
        await cache.get("v", str(n), lambda n=n: _counting(calls)(str(n)))  # type: ignore[misc]
    assert len(cache._answers) == size
