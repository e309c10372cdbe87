"""Telegram HTML rendering: escaping, sources, and splitting long answers at block boundaries."""

from __future__ import annotations

import re

from aiogram.utils.formatting import Bold, Italic, Text, TextLink

from bot.formatting import MESSAGE_LIMIT, answer_messages, display_date, pack, quotes_messages
from bot.handlers.ask import without_mention
from bot.telegram_html import to_html
from rag.answering.answer import Answer, Citation
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
        plain, _ = parse_html(message)
        assert len(plain) <= MESSAGE_LIMIT
    joined = "\n\n".join(messages)
    assert [int(n) for n in re.findall(r"^\[(\d+)\]", joined, re.M)] == list(range(1, 13))


def test_a_single_block_over_the_limit_is_cut_at_spaces_and_keeps_its_markup() -> None:
    block = Text("Intro ", Bold("<tag> and words " * 600), TextLink("link", url="https://x.org"))
    messages = pack([block], limit=1000)
    assert len(messages) > 5
    plains = []
    for message in messages:
        plain, entities = parse_html(message)
        assert len(plain) <= 1000 and plain == plain.strip()
        assert entities[0]["type"] == "bold"  # the bold run is bold in every piece
        plains.append(plain)
    assert " ".join(plains).count("<tag>") == 600
    assert parse_html(messages[-1])[1][-1] == {
        "type": "text_link",
        "url": "https://x.org",
        "offset": len(plains[-1]) - 4,
        "length": 4,
    }


def test_a_split_prefers_line_breaks_and_counts_astral_characters_twice() -> None:
    lines = [f"{n:03} " + "😀" * 20 for n in range(100)]
    messages = pack([Text("\n".join(lines))], limit=250)
    for message in messages:
        plain, _ = parse_html(message)
        assert len(plain.encode("utf-16-le")) // 2 <= 250
        assert all(line in lines for line in plain.split("\n"))  # whole lines only
    assert "\n".join(parse_html(m)[0] for m in messages) == "\n".join(lines)


def test_html_has_escaped_links_and_nested_tags_in_order() -> None:
    node = Text(Bold(Italic("a"), "b"), " ", TextLink("t", url='https://x.org/?q="1"&lt;'))
    html = to_html(node)
    assert html == '<b><i>a</i>b</b> <a href="https://x.org/?q=&quot;1&quot;&amp;lt;">t</a>'
    assert parse_html(html)[1][-1]["url"] == 'https://x.org/?q="1"&lt;'


def test_a_mention_of_the_bot_is_not_part_of_the_question() -> None:
    assert without_mention("@NewsBot_test_bot, who signed?", "newsbot_test_bot") == "who signed?"
    assert without_mention("who signed? @newsbot_test_bot", "newsbot_test_bot") == "who signed?"
    assert without_mention("mail me at x@newsbot_test_bot.org", "newsbot_test_bot") == (
        "mail me at x@newsbot_test_bot.org"
    )
    assert without_mention("@newsbot_test_bot", "newsbot_test_bot") == ""
