"""Answers, fact-check reports and alerts as Telegram HTML messages (pure functions).

Messages are built from aiogram formatting nodes, so text from the corpus or the user is escaped
by construction and markup is only ours. They are packed by their length after parsing, from whole
blocks (a paragraph, one source, one quote); a block too long for one message is cut at a line
break or space, its entities clipped to each piece, so a split never cuts a tag.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import accumulate
from typing import TYPE_CHECKING

from aiogram.types import MessageEntity
from aiogram.utils.formatting import BlockQuote, Bold, Italic, Text, TextLink, as_list
from aiogram.utils.formatting import sizeof as utf16_len

from bot.agreement_line import agreement_line
from bot.telegram_html import to_html, to_plain
from bot.texts import phrase, plain
from nlp.places import name_ru
from rag.answering.answer import Answer, Citation
from rag.errors import QuestionError, QuestionTooLongError

if TYPE_CHECKING:
    from index.documents import Document
    from rag.alerts.stories import StoryAlert
    from rag.alerts.topics import MatchReason, TopicMatch
    from rag.factcheck.types import CheckReport, ClaimVerdict

# Telegram's limit: 4096 characters of text after parsing. Lengths here are UTF-16 code units,
# which are never fewer than the characters Telegram counts.
MESSAGE_LIMIT = 4096
_BLOCK_GAP = "\n\n"


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def display_date(iso: str | None, language: str) -> str:
    if not iso:
        return plain("date_unknown", language)
    if language == "ru" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        year, month, day = iso.split("-")
        return f"{day}.{month}.{year}"
    return iso


def source_line(n: int | None, title: str, date: str | None, source: str, language: str) -> Text:
    """`[n] Title — date — link`: the title links to the article when it has a web address."""
    prefix = f"[{n}] " if n is not None else ""
    when = display_date(date, language)
    if is_url(source):
        return Text(prefix, TextLink(title, url=source), " — ", when)
    return Text(prefix, title, " — ", when, " — ", Italic(source))


def _cut_points(body: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) character spans of `body`, each at most `limit` UTF-16 units, cut at a line
    break or else a space in the second half of the span, with the whitespace between dropped."""
    widths = [0, *accumulate(utf16_len(char) for char in body)]
    spans: list[tuple[int, int]] = []
    start, n = 0, len(body)
    while start < n:
        while start < n and body[start].isspace():
            start += 1
        if start == n:
            break
        end = max(start + 1, bisect_right(widths, widths[start] + limit) - 1)
        if end < n:
            half = start + (end - start) // 2
            cut = body.rfind("\n", half, end + 1)
            cut = cut if cut > start else body.rfind(" ", half, end + 1)
            end = cut if cut > start else end
        stop = end
        while stop > start and body[stop - 1].isspace():
            stop -= 1
        spans.append((start, stop))
        start = end
    return spans


def _clip(entities: list[MessageEntity], begin: int, end: int) -> list[MessageEntity]:
    """The entities over UTF-16 range [begin, end), shifted to start at 0, outer ones first."""
    clipped: list[MessageEntity] = []
    for e in entities:
        lo, hi = max(e.offset, begin), min(e.offset + e.length, end)
        if hi > lo:
            clipped.append(e.model_copy(update={"offset": lo - begin, "length": hi - lo}))
    return sorted(clipped, key=lambda e: (e.offset, -e.length))


def _hard_split(block: Text, limit: int) -> list[Text]:
    """A block too long for one message, cut into pieces that keep their markup."""
    body, entities = block.render()
    pieces: list[Text] = []
    for start, stop in _cut_points(body, limit):
        begin, end = utf16_len(body[:start]), utf16_len(body[:stop])
        pieces.append(Text.from_entities(body[start:stop], _clip(entities, begin, end)))
    return pieces


def pack(blocks: Iterable[Text], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks with blank lines into as few HTML messages as fit in `limit` after parsing."""
    messages: list[list[Text]] = []
    size = 0
    for block in blocks:
        block_size = len(block)
        if block_size == 0:
            continue
        parts = [block] if block_size <= limit else _hard_split(block, limit)
        for part in parts:
            part_size = len(part)
            if messages and size + len(_BLOCK_GAP) + part_size <= limit:
                messages[-1].append(part)
                size += len(_BLOCK_GAP) + part_size
            else:
                messages.append([part])
                size = part_size
    return [to_html(as_list(*parts, sep=_BLOCK_GAP)) for parts in messages]


def _sources_block(citations: Sequence[Citation], language: str) -> Text:
    lines = [source_line(c.n, c.title, c.date, c.source, language) for c in citations]
    return as_list(Bold(phrase("sources", language)), *lines)


def answer_text(answer: Answer) -> str:
    """What the engine found, in the words of the question's language: the answer (framed when
    the quote is in the other language, with the source's date when that answers "when"), or
    the refusal with the closest topics."""
    language = answer.language
    if not answer.answered:
        words = plain("no_answer", language)
        if answer.closest_topics:
            titles = "; ".join(
                plain("topic_quoted", language, title=t) for t in answer.closest_topics
            )
            words += " " + plain("closest_topics_inline", language, topics=titles)
        return words
    words = answer.answer
    if answer.quoted_language in ("ru", "en"):
        words = f"{plain('quoted_from_' + answer.quoted_language, language)} {words}"
    if answer.published:
        day = date.fromisoformat(answer.published).strftime("%d.%m.%Y")
        words += " " + plain("published_on", language, date=day)
    return words


def answer_body(answer: Answer) -> str:
    """The answer text, then (in its language) how many sources report the story, if any."""
    words = answer_text(answer)
    if len(answer.story_sources) < 2:
        return words
    markers = "".join(f"[{n}]" for n in answer.story_sources)
    story = plain("story_sources", answer.language, len(answer.story_sources), markers=markers)
    return f"{words} {story}"


def answer_plain(answer: Answer) -> str:
    """The answer for the terminal, in its language: text, quotes, sources."""
    lines = [answer_body(answer)]
    if answer.citations:
        language = answer.language
        unknown = plain("date_unknown", language)
        lines += ["", f"{plain('quotes', language)}:"]
        lines += [f"[{c.n}] «{c.quote}»" for c in answer.citations]
        lines += ["", f"{plain('sources', language)}:"]
        lines += [
            f"[{c.n}] {c.title} — {c.date or unknown} — {c.source}" for c in answer.citations
        ]
    return "\n".join(lines)


def answer_messages(answer: Answer, ui_language: str) -> list[str]:
    """The answer with its [n] markers, then the sources block (or the closest topics)."""
    blocks = [Text(answer_body(answer))]
    if answer.citations:
        blocks.append(_sources_block(answer.citations, ui_language))
    elif answer.closest_topics:
        topics = [Text("• ", t) for t in answer.closest_topics]
        blocks.append(as_list(Bold(phrase("closest", ui_language)), *topics))
    return pack(blocks)


def quotes_messages(answer: Answer, ui_language: str) -> list[str]:
    """Each cited quote verbatim, under its source."""
    blocks: list[Text] = [Bold(phrase("quotes", ui_language))]
    for c in answer.citations:
        head = source_line(c.n, c.title, c.date, c.source, ui_language)
        blocks.append(as_list(head, BlockQuote(c.quote)))
    return pack(blocks)


def _claim_block(verdict: ClaimVerdict, language: str) -> Text:
    lines: list[Text] = [
        Text(
            Bold(phrase("verdict_" + verdict.verdict, language)),
            " (",
            phrase("confidence", language),
            f" {verdict.confidence:.0%}",
            ", LLM)" if verdict.mode == "llm" else ")",
        ),
        Italic(verdict.claim),
    ]
    for m in verdict.mismatches:
        lines.append(
            Text(
                phrase("mismatch", language),
                f" ({m.kind}): ",
                phrase("claim_says", language),
                f" «{m.claim_value}», ",
                phrase("source_says", language),
                f" «{m.source_value}»",
            )
        )
    if verdict.sources_disagree:
        lines.append(phrase("sources_disagree", language))
    for ev in verdict.evidence:
        lines.append(source_line(None, ev.title, ev.date, ev.source, language))
        lines.append(BlockQuote(ev.quote))
    return as_list(*lines)


def question_error(exc: QuestionError, language: str) -> Text:
    """A question or claim the engines would not take, in the reader's words."""
    if isinstance(exc, QuestionTooLongError):
        return phrase("too_long", language, n=exc.length, limit=exc.limit)
    return phrase("empty", language)


def check_blocks(report: CheckReport, ui_language: str) -> list[Text]:
    """One block per claim (verdict, mismatch, evidence), then the overall verdict."""
    if not report.claims:
        return [phrase("no_claims", ui_language)]
    blocks = [_claim_block(v, ui_language) for v in report.claims]
    if len(report.claims) > 1:
        overall = phrase("verdict_" + report.verdict, ui_language)
        blocks.append(Bold(phrase("overall", ui_language), ": ", overall))
    if report.claims_found > len(report.claims):
        checked, total = len(report.claims), report.claims_found
        blocks.append(Italic(phrase("claims_truncated", ui_language, n=checked, total=total)))
    return blocks


def check_messages(report: CheckReport, ui_language: str) -> list[str]:
    return pack(check_blocks(report, ui_language))


def check_plain(report: CheckReport, ui_language: str) -> str:
    """The same report for a terminal (`newsbot check`)."""
    return "\n\n".join(to_plain(block) for block in check_blocks(report, ui_language))


def latest_messages(documents: Sequence[Document], language: str) -> list[str]:
    """/latest: a numbered source line per agreement, newest first."""
    lines = [
        source_line(i, d.title, d.date, d.source, language) for i, d in enumerate(documents, 1)
    ]
    return pack([Bold(phrase("latest_title", language)), *lines])


def subscriptions_message(topics: Sequence[str | None], language: str) -> str:
    """/subscriptions: one line per subscription; None is the one to every agreement."""
    lines = [Text("• ", topic or phrase("all_agreements", language)) for topic in topics]
    return to_html(as_list(phrase("subscriptions", language), *lines))


def _reason(reason: MatchReason, language: str) -> str:
    if reason.kind == "meaning":
        return plain("reason_meaning", language, cosine=f"{reason.cosine:.2f}")
    if reason.place is None:
        return plain("reason_mention", language, written=reason.written)
    name = name_ru(reason.place) if language == "ru" else reason.place
    # "упоминается Пекин", not "упоминается Пекин («Пекине»)": a case ending is no other name.
    if reason.written.lower().startswith(name.lower()[: max(4, len(name) - 2)]):
        return plain("reason_place", language, place=name)
    return plain("reason_place_as_written", language, place=name, written=reason.written)


def topic_reason(match: TopicMatch, language: str) -> str:
    """Why the article matched the topic, in the reader's language."""
    return "; ".join(_reason(r, language) for r in match.reasons)


def short_title(answer_text: str, limit: int = 64) -> str:
    """The first sentence of an answer, markers dropped, for an inline result's title."""
    first = re.split(r"(?<=[.!?])\s", re.sub(r"\s*\[\d+\]", "", answer_text), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


# An alert is one message: a runaway quote is shortened rather than split off.
ALERT_QUOTE_CHARS = 700


def alert_message(
    alert: StoryAlert, topic: str | None, match: TopicMatch | None, language: str
) -> str:
    """What was agreed, between whom, when; the source with its sentence; why it matched."""
    doc = alert.document
    quote = alert.agreement.sentence
    if len(quote) > ALERT_QUOTE_CHARS:
        quote = quote[: ALERT_QUOTE_CHARS - 1].rstrip() + "…"
    if topic is None or match is None:
        why = phrase("alert_all", language)
    else:
        why = phrase("alert_topic", language, topic=topic, reason=topic_reason(match, language))
    lines: list[Text] = [
        Text("🤝 ", Bold(agreement_line(alert.agreement, language))),
        source_line(None, doc.title, doc.date, doc.source, language),
        BlockQuote(quote),
        Italic(why),
    ]
    if alert.also:
        lines.append(Bold(phrase("also_reported", language)))
        lines += [source_line(None, d.title, d.date, d.source, language) for d in alert.also]
    return pack([as_list(*lines)])[0]
