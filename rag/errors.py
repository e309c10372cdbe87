"""Typed errors of the answering layer: a code and values; front ends say it in their words.

The message is for logs and developers (English); a reader sees bot/'s rendering of `code`.
"""

from __future__ import annotations


class QuestionError(ValueError):
    """A question the engine will not process."""

    code = "bad_question"


class EmptyQuestionError(QuestionError):
    code = "empty_question"

    def __init__(self) -> None:
        super().__init__("Empty question: type a question in Russian or English.")


class QuestionTooLongError(QuestionError):
    code = "question_too_long"

    def __init__(self, length: int, limit: int) -> None:
        self.length = length
        self.limit = limit
        super().__init__(
            f"The question is too long ({length} characters; the limit is {limit}). "
            "Ask one short question at a time."
        )
