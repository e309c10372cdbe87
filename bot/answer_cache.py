"""Answers to repeated questions, computed once per index version.

News questions cluster: after a story breaks, many people ask the same thing within minutes.
Each distinct question costs a CPU slot (tens of ms on 2 cores, seconds of queueing under a
flood), so identical questions asked at the same time wait for one computation, and later ones
are served from a small LRU. The index version is part of the key: an ingest makes every cached
answer stale at once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace

from rag.answering.answer import Answer

Key = tuple[object, str]


def normalise(question: str) -> str:
    """Case, spacing and trailing punctuation do not change what is asked."""
    return " ".join(question.lower().split()).rstrip("?!.… ")


class AnswerCache:
    def __init__(self, size: int) -> None:
        self._size = size
        self._answers: OrderedDict[Key, Answer] = OrderedDict()
        self._pending: dict[Key, asyncio.Future[Answer]] = {}
        self.hits = 0
        self.misses = 0

    async def get(
        self, version: object, question: str, compute: Callable[[], Awaitable[Answer]]
    ) -> Answer:
        if self._size <= 0:
            return await compute()
        key = (version, normalise(question))
        cached = self._answers.get(key)
        if cached is not None:
            self._answers.move_to_end(key)
            self.hits += 1
            return _copy(cached)
        pending = self._pending.get(key)
        if pending is not None:
            self.hits += 1
            return _copy(await asyncio.shield(pending))
        self.misses += 1
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            answer = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._pending[key]
        future.set_result(answer)
        self._answers[key] = answer
        if len(self._answers) > self._size:
            self._answers.popitem(last=False)
        return _copy(answer)


def _copy(answer: Answer) -> Answer:
    return replace(answer, citations=list(answer.citations), timings_ms=dict(answer.timings_ms))
