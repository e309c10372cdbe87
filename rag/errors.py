"""Typed errors of the answering layer; front ends show their message as is."""

from __future__ import annotations


class QuestionError(ValueError):
    """A question the engine will not process; the message is user-facing."""


class EmptyQuestionError(QuestionError):
    def __init__(self) -> None:
        super().__init__("Empty question: type a question in Russian or English.")


class QuestionTooLongError(QuestionError):
    def __init__(self, length: int, limit: int) -> None:
        self.length = length
        self.limit = limit
        super().__init__(
            f"The question is too long ({length} characters; the limit is {limit}). "
            "Ask one short question at a time."
        )
