"""Telegram HTML rendering: escaping, sources, and splitting long answers at block boundaries."""

from __future__ import annotations

import re

from bot.formatting import MESSAGE_LIMIT, answer_messages, display_date, pack, quotes_messages
from bot.handlers.ask import without_mention
from rag.answer import Answer, Citation
from tests.telegram_server import parse_html


def _citation(
    n: int, quote: str = "A <quoted> & fact.", source: str = "https://x.org/a?b=1&c=2"
) -> Citation:
    return Citation(
        n=n,
        chunk_id=f"doc{n}#0",
        doc_id=f"doc{n}",
        title=f"Title <{n}> & co",
        date="2020-09-21",
        source=source,
        quote=quote,
        language="en",
    )


def test_corpus_text_is_escaped_and_parses_as_telegram_html() -> None:
    answer = Answer("q", "en", True, "Moscow <b>signed</b> & agreed [1].", [_citation(1)])
    (message,) = answer_messages(answer, "en")
    parse_html(message)  # raises on anything Telegram would reject
    assert "&lt;b&gt;signed&lt;/b&gt; &amp; agreed [1]" in message
    assert '<a href="https://x.org/a?b=1&amp;c=2">Title &lt;1&gt; &amp; co</a>' in message
    (quotes,) = quotes_messages(answer, "en")
    parse_html(quotes)
    assert "<blockquote>A &lt;quoted&gt; &amp; fact.</blockquote>" in quotes


def test_file_sources_are_shown_as_text_not_links() -> None:
    answer = Answer("q", "ru", True, "Ответ [1].", [_citation(1, source="data/corpus/a.txt")])
    (message,) = answer_messages(answer, "ru")
    assert "<a " not in message and "data/corpus/a.txt" in message
    assert "21.09.2020" in message and "Источники" in message


def test_unknown_date_is_said_not_invented() -> None:
    assert display_date(None, "en") == "date unknown"
    assert display_date(None, "ru") == "дата неизвестна"
    assert display_date("2020-09-18", "ru") == "18.09.2020"


def test_long_answers_split_between_blocks_under_the_limit() -> None:
    citations = [_citation(n, quote="word " * 300) for n in range(1, 13)]
    answer = Answer("q", "en", True, "Answer " + "".join(f"[{c.n}]" for c in citations), citations)
    messages = quotes_messages(answer, "en")
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= MESSAGE_LIMIT
        parse_html(message)
    joined = "\n\n".join(messages)
    assert [int(n) for n in re.findall(r"^\[(\d+)\]", joined, re.M)] == list(range(1, 13))


def test_a_single_block_over_the_limit_is_cut_at_spaces_and_stays_valid() -> None:
    block = "<b>" + "&lt;tag&gt; and words " * 600 + "</b>"
    messages = pack([block], limit=1000)
    assert len(messages) > 5
    for message in messages:
        assert len(message) <= 1000
        parse_html(message)
    assert "".join(messages).count("&lt;tag&gt;") == 600


def test_a_mention_of_the_bot_is_not_part_of_the_question() -> None:
    assert without_mention("@NewsBot_test_bot, who signed?", "newsbot_test_bot") == "who signed?"
    assert without_mention("who signed? @newsbot_test_bot", "newsbot_test_bot") == "who signed?"
    assert without_mention("mail me at x@newsbot_test_bot.org", "newsbot_test_bot") == (
        "mail me at x@newsbot_test_bot.org"
    )
    assert without_mention("@newsbot_test_bot", "newsbot_test_bot") == ""
