"""Answers and fact-check reports as Telegram HTML messages (pure functions).

Everything that comes from the corpus or the user is escaped; markup is only ours. Messages are
packed from whole blocks (a paragraph, one source, one quote) so that a split never cuts a tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.texts import text
from rag.answer import Answer, Citation

if TYPE_CHECKING:
    from rag.alerts import StoryAlert
    from rag.factcheck import CheckReport, ClaimVerdict
    from rag.topics import TopicMatch

# Telegram's limit is 4096 characters of text after parsing; raw HTML is longer than that text,
# so packing by raw length keeps a margin by construction.
MESSAGE_LIMIT = 4096
_TAG = re.compile(r"<[^>]+>")


def esc(value: str) -> str:
    return html.escape(value, quote=False)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def display_date(iso: str | None, language: str) -> str:
    if not iso:
        return text("date_unknown", language)
    if language == "ru" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        year, month, day = iso.split("-")
        return f"{day}.{month}.{year}"
    return iso


def source_line(n: int | None, title: str, date: str | None, source: str, language: str) -> str:
    """`[n] Title — date — link`: the title links to the article when it has a URL."""
    prefix = f"[{n}] " if n is not None else ""
    when = display_date(date, language)
    if is_url(source):
        return f'{prefix}<a href="{_attr(source)}">{esc(title)}</a> — {esc(when)}'
    return f"{prefix}{esc(title)} — {esc(when)} — <i>{esc(source)}</i>"


def _hard_split(block: str, limit: int) -> list[str]:
    """A block too long for one message loses its markup and is cut at spaces."""
    plain = html.unescape(_TAG.sub("", block))
    pieces: list[str] = []
    budget = limit // 2  # escaping can double the length of text full of "&" or "<"
    while plain:
        if len(plain) <= budget:
            pieces.append(plain)
            break
        cut = plain.rfind(" ", 0, budget)
        cut = cut if cut > budget // 2 else budget
        pieces.append(plain[:cut])
        plain = plain[cut:].lstrip()
    return [esc(piece) for piece in pieces]


def pack(blocks: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks with blank lines into as few messages as fit under `limit` characters."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        parts = [block] if len(block) <= limit else _hard_split(block, limit)
        for part in parts:
            candidate = f"{current}\n\n{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = part
    if current:
        messages.append(current)
    return messages


def _sources_blocks(citations: Sequence[Citation], language: str) -> list[str]:
    lines = [source_line(c.n, c.title, c.date, c.source, language) for c in citations]
    return [f"<b>{text('sources', language)}</b>\n" + "\n".join(lines)]


def answer_messages(answer: Answer, ui_language: str) -> list[str]:
    """The answer with its [n] markers, then the sources block (or the closest topics)."""
    blocks = [esc(answer.answer)]
    if answer.citations:
        blocks += _sources_blocks(answer.citations, ui_language)
    elif answer.closest_topics:
        topics = "\n".join(f"• {esc(t)}" for t in answer.closest_topics)
        blocks.append(f"<b>{text('closest', ui_language)}</b>\n{topics}")
    return pack(blocks)


def quotes_messages(answer: Answer, ui_language: str) -> list[str]:
    """Each cited quote verbatim, under its source."""
    blocks = [f"<b>{text('quotes', ui_language)}</b>"]
    for c in answer.citations:
        head = source_line(c.n, c.title, c.date, c.source, ui_language)
        blocks.append(f"{head}\n<blockquote>{esc(c.quote)}</blockquote>")
    return pack(blocks)


def _claim_block(verdict: ClaimVerdict, language: str) -> str:
    lines = [
        f"<b>{text('verdict_' + verdict.verdict, language)}</b> "
        f"({text('confidence', language)} {verdict.confidence:.0%})",
        f"<i>{esc(verdict.claim)}</i>",
    ]
    for m in verdict.mismatches:
        lines.append(
            f"{text('mismatch', language)} ({esc(m.kind)}): "
            f"{text('claim_says', language)} «{esc(m.claim_value)}», "
            f"{text('source_says', language)} «{esc(m.source_value)}»"
        )
    if verdict.sources_disagree:
        lines.append(text("sources_disagree", language))
    for ev in verdict.evidence:
        lines.append(source_line(None, ev.title, ev.date, ev.source, language))
        lines.append(f"<blockquote>{esc(ev.quote)}</blockquote>")
    return "\n".join(lines)


def check_messages(report: CheckReport, ui_language: str) -> list[str]:
    """One block per claim (verdict, mismatch, evidence), then the overall verdict."""
    if not report.claims:
        return [text("no_claims", ui_language)]
    blocks = [_claim_block(v, ui_language) for v in report.claims]
    if len(report.claims) > 1:
        overall = text("verdict_" + report.verdict, ui_language)
        blocks.append(f"<b>{text('overall', ui_language)}: {overall}</b>")
    if report.note:
        blocks.append(f"<i>{esc(report.note)}</i>")
    return pack(blocks)


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
        why = text("alert_all", language)
    else:
        why = text(
            "alert_topic", language, topic=esc(topic), reason=esc(match.reason_for(language))
        )
    lines = [
        f"🤝 <b>{esc(alert.agreement.summary(language))}</b>",
        source_line(None, doc.title, doc.date, doc.source, language),
        f"<blockquote>{esc(quote)}</blockquote>",
        f"<i>{why}</i>",
    ]
    if alert.also:
        lines.append(f"<b>{text('also_reported', language)}</b>")
        lines += [source_line(None, d.title, d.date, d.source, language) for d in alert.also]
    return pack(["\n".join(lines)])[0]
