"""Optional generative answers through any LangChain chat model, checked against the sources.

The model sees numbered passages and must cite them as [n]. Its output is then verified:
a sentence survives only if every [n] it carries names a passage it was given and holds a
quote from it — a quoted span, or the sentence itself when it copies its passage — found
verbatim there. Anything else is dropped; if nothing survives (or the model
fails), the caller falls back to the extractive answer.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from nlp.sentences import split_sentences
from rag.answering.answer import Answer, Citation
from rag.answering.question import Question
from rag.provider_errors import describe_provider_error
from rag.retrieval.hits import Hit
from rag.settings import RagSettings

log = logging.getLogger(__name__)

_MARK = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"«([^»]{8,})»|“([^”]{8,})”|\"([^\"]{8,})\"")

SYSTEM_PROMPT = (
    "You answer questions about news using ONLY the numbered passages given. "
    "Every sentence you write must quote, in double quotes, the exact words of the passage "
    "that supports it, copied character for character in the passage's language, and end "
    "with that passage's number, like [1] or [2][3]. If the passages do not answer the "
    "question, reply exactly: NO_ANSWER. Answer in {language}, in at most three sentences."
)


def build_messages(question: Question, hits: Sequence[Hit]) -> list[tuple[str, str]]:
    language = "Russian" if question.language == "ru" else "English"
    passages = "\n\n".join(
        f"[{i + 1}] {h.document.title} ({h.document.date or 'date unknown'}):\n{h.chunk.text}"
        for i, h in enumerate(hits)
    )
    return [
        ("system", SYSTEM_PROMPT.format(language=language)),
        ("human", f"Passages:\n\n{passages}\n\nQuestion: {question.text}"),
    ]


@dataclass(frozen=True)
class Verified:
    """A sentence of the model's reply, the passages it cites, and its quote from each."""

    sentence: str
    marks: tuple[int, ...]
    quotes: dict[int, str]  # passage number -> a span of it found verbatim in the sentence


def _quotes_of(sentence: str) -> list[str]:
    """The spans the sentence quotes; a sentence with none is its own quote (it may copy its
    passage word for word)."""
    quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(sentence)]
    if quoted:
        return quoted
    body = _MARK.sub("", sentence).strip().rstrip(".!?…").strip()
    return [body] if len(body) >= 8 else []


def verified_sentences(text: str, hits: Sequence[Hit]) -> list[Verified]:
    """Sentences of the model's reply that cite passages they were given and quote each of
    them: every quote is found verbatim in a passage the sentence cites, and every passage it
    cites holds one of its quotes."""
    kept: list[Verified] = []
    for start, end in split_sentences(text):
        sentence = text[start:end].strip()
        marks = tuple(dict.fromkeys(int(m) for m in _MARK.findall(sentence)))
        if not marks or any(m < 1 or m > len(hits) for m in marks):
            continue
        quotes = _quotes_of(sentence)
        found: dict[int, str] = {}
        for quote in quotes:
            where = next((m for m in marks if quote in hits[m - 1].chunk.text), None)
            if where is None:
                break
            found.setdefault(where, quote)
        else:
            if set(found) == set(marks):  # a quote from every passage it cites
                kept.append(Verified(sentence, marks, found))
    return kept


def make_chat_model(settings: RagSettings) -> Any:
    """A LangChain chat model from NEWSBOT_LLM_*, or None when none is configured or usable.

    Needs `langchain` and the provider's LangChain package; a missing package or a bad setting
    leaves the extractive answerer in charge rather than stopping the service.
    """
    if not (settings.llm_provider and settings.llm_model):
        return None
    if settings.llm_provider == "llamacpp":
        return _local_chat_model(settings)
    try:
        from langchain.chat_models import init_chat_model
    except ImportError:
        log.warning("NEWSBOT_LLM_* is set but langchain is not installed: answering extractively")
        return None

    kwargs: dict[str, Any] = {"timeout": settings.llm_timeout_s}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if settings.llm_api_key:
        kwargs["api_key"] = settings.llm_api_key.get_secret_value()
    try:
        return init_chat_model(settings.llm_model, model_provider=settings.llm_provider, **kwargs)
    except Exception as exc:  # unknown provider, missing provider package, bad arguments
        log.warning(
            "cannot create the LLM chat model (%s); answers stay extractive",
            describe_provider_error(exc, settings.llm_api_key),
        )
        return None


def _local_chat_model(settings: RagSettings) -> Any:
    """A GGUF model run in-process (`rag.chat_models.llamacpp`), or None if it cannot be."""
    from rag.chat_models.llamacpp import LlamaCppChatModel, model_path

    if importlib.util.find_spec("xllamacpp") is None:
        log.warning("NEWSBOT_LLM_PROVIDER=llamacpp needs xllamacpp; answers stay extractive")
        return None
    try:
        model_path(settings.llm_model or "")
    except FileNotFoundError as exc:
        log.warning("cannot run the local LLM (%s); answers stay extractive", exc)
        return None
    return LlamaCppChatModel(model=settings.llm_model or "")


def generate(
    chat_model: Any,
    question: Question,
    hits: Sequence[Hit],
    api_key: SecretStr | None = None,
) -> Answer | None:
    """A verified generative answer, or None so the caller uses the extractive one."""
    try:
        reply = chat_model.invoke(build_messages(question, hits))
    except Exception as exc:  # any provider failure means: fall back
        log.warning(
            "LLM call failed (%s); falling back to the extractive answer",
            describe_provider_error(exc, api_key),
        )
        return None
    text = str(getattr(reply, "content", reply)).strip()
    if not text or "NO_ANSWER" in text:
        return None
    kept = verified_sentences(text, hits)
    if not kept:
        return None
    used = sorted({m for v in kept for m in v.marks})
    renumber = {old: new for new, old in enumerate(used, start=1)}
    sentences = [_MARK.sub(lambda m: f"[{renumber[int(m.group(1))]}]", v.sentence) for v in kept]
    quote_of: dict[int, str] = {}
    for v in kept:
        for mark, quote in v.quotes.items():
            quote_of.setdefault(mark, quote)
    citations = []
    for old in used:
        hit = hits[old - 1]
        citations.append(
            Citation(
                n=renumber[old],
                chunk_id=hit.chunk.chunk_id,
                doc_id=hit.document.doc_id,
                title=hit.document.title,
                date=hit.document.date,
                source=hit.document.source,
                quote=quote_of[old],  # the words the model took from it, verbatim
                language=hit.document.language,
            )
        )
    return Answer(
        question=question.text,
        language=question.language,
        answered=True,
        answer=" ".join(sentences),
        citations=citations,
        mode="generative",
    )
