"""Every reply the bot can send, in both languages, through the fake Bot API's HTML parser.

Each message must parse as Telegram HTML, fit in 4096 characters after parsing, use only the
tags we mean to use, and show hostile values from users and the corpus verbatim, as text.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Any

import pytest
from aiogram.utils.formatting import Code

from bot.agreement_line import agreement_line
from bot.formatting import (
    MESSAGE_LIMIT,
    alert_message,
    answer_body,
    answer_messages,
    answer_plain,
    check_messages,
    latest_messages,
    quotes_messages,
    short_title,
    subscriptions_message,
    topic_reason,
)
from bot.i18n import catalogues, keys, plural_keys, read_catalogue
from bot.services import newest_titles
from bot.telegram_html import to_html, to_plain
from bot.texts import (
    EXAMPLE_TITLE_CHARS,
    LANGUAGES,
    example_question,
    phrase,
    plain,
    template,
    text,
)
from index.documents import Document
from rag.alerts.agreements import Agreement
from rag.alerts.stories import StoryAlert
from rag.alerts.topics import MatchReason, TopicMatch
from rag.answering.answer import Answer, Citation
from rag.factcheck.facts import Mismatch
from rag.factcheck.types import CheckReport, ClaimVerdict, Evidence
from tests.telegram_server import parse_html

HOSTILE = "<b>&\"'</a>"
ALLOWED_TAGS = {"b", "i", "code", "a", "blockquote"}
URL = "https://example.org/a?b=1&c=<2>&d=\"'"


def hostile(name: str) -> str:
    """A value Telegram's parser would choke on if it were not escaped, unique per use."""
    return f"{HOSTILE} {name} &amp; &lt;"


def rendered(message: str) -> tuple[str, list[dict[str, Any]]]:
    """The text the user sees and its entities, after checking what Telegram checks."""
    plain_text, entities = parse_html(message)  # raises on anything Telegram answers 400 to
    assert plain_text.strip(), "Telegram refuses an empty message"
    assert len(plain_text.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT
    tags = set(re.findall(r"</?([a-zA-Z-]+)", message))
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    return plain_text, entities


def seen(messages: list[str]) -> str:
    return "\n\n".join(rendered(m)[0] for m in messages)


def _caller_fields(template: str) -> list[str]:
    """Placeholders the caller fills; one naming another entry of the catalogue is filled by it,
    a plural entry's count `n` is passed on its own."""
    fields = [f for _, f, _, _ in Formatter().parse(template) if f is not None]
    return [f for f in fields if f not in keys() and f != "n"]


PLURAL_COUNTS = (1, 2, 5, 21)


def _cases() -> list[tuple[str, int | None]]:
    """Every entry once, a plural one once per count."""
    return [
        (key, n)
        for key in sorted(keys())
        for n in (PLURAL_COUNTS if key in plural_keys() else (None,))
    ]


def _catalogue(language: str) -> dict[str, tuple[str, ...]]:
    """Each msgid of the .po file and its strings (one, or one per plural form)."""
    entries: dict[str, tuple[str, ...]] = {}
    for m in read_catalogue(catalogues().po_files()[language]):
        assert not m.fuzzy
        key, strings = m.id, m.string
        if isinstance(key, (tuple, list)):
            assert key[1] == key[0]  # a plural entry's msgid_plural is its key too
            key = key[0]
        if key:
            forms = strings if isinstance(strings, (tuple, list)) else (strings,)
            entries[key] = tuple(str(f or "") for f in forms)
    return entries


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in Formatter().parse(template) if f}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_msgid_is_translated_in_both_languages_with_the_same_placeholders(
    language: str,
) -> None:
    entries, english = _catalogue(language), _catalogue("en")
    assert set(entries) == set(english) == keys()
    forms = {"ru": 3, "en": 2}[language]
    for key, strings in entries.items():
        assert len(strings) == (forms if key in plural_keys() else 1), key
        assert all(s.strip() for s in strings), key
        for s in strings:
            assert _fields(s) == _fields(english[key][0]), (key, s)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("key", "n"), _cases())
def test_every_text_parses_and_shows_hostile_values_verbatim(
    key: str, n: int | None, language: str
) -> None:
    entry = template(key, language, n)
    values = {name: hostile(name) for name in _caller_fields(entry)}
    shown, _ = rendered(text(key, language, n, **values))
    for value in values.values():
        assert value in shown
    if n is not None:
        assert str(n) in shown
    if not any(f for _, f, _, _ in Formatter().parse(entry)):
        assert shown == entry  # words with nothing to fill are shown as written


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("key", "n"), _cases())
def test_plain_text_is_what_the_html_shows(key: str, n: int | None, language: str) -> None:
    values = {name: hostile(name) for name in _caller_fields(template(key, language, n))}
    shown = parse_html(text(key, language, n, **values))[0]
    assert plain(key, language, n, **values) == shown


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", {1: "1 символ,", 2: "2 символа,", 5: "5 символов,", 21: "21 символ,"}),
        ("en", {1: "1 character,", 2: "2 characters,", 5: "5 characters,", 21: "21 characters,"}),
    ],
)
def test_plural_forms_come_from_the_catalogue(language: str, words: dict[int, str]) -> None:
    for n, expected in words.items():
        assert expected in plain("too_long", language, n, limit=10)
    sources = {n: plain("story_sources", language, n, markers="[1]") for n in PLURAL_COUNTS}
    assert len(set(sources.values())) == len(sources)
    if language == "ru":
        assert sources[21].startswith("Эту новость опубликовали 21 источник ")
        assert "11 источников" in plain("story_sources", "ru", 11, markers="")


def test_a_plural_entry_needs_its_count_and_a_missing_key_is_an_error() -> None:
    with pytest.raises(TypeError):
        plain("too_long", "en", limit=1)
    with pytest.raises(TypeError):
        plain("empty", "en", 3)
    with pytest.raises(KeyError):
        plain("no such entry", "en")


def test_an_unknown_language_gets_english() -> None:
    assert plain("empty", "de") == plain("empty", "en") != plain("empty", "ru")


@pytest.mark.parametrize("language", LANGUAGES)
def test_examples_are_questions_about_the_newest_articles(language: str) -> None:
    def doc(n: int, lang: str, date: str | None) -> Document:
        return Document(f"d{n}", f"{HOSTILE} title {n}", "t", "a.txt", lang, date)

    docs = [
        doc(1, "ru", "2020-01-01"),
        doc(2, "en", "2021-05-01"),
        doc(3, "ru", None),
        doc(4, "ru", "2022-03-03"),
        doc(5, "en", "2019-01-01"),
    ]
    titles = newest_titles(docs, 2)
    assert titles == {
        "ru": [f"{HOSTILE} title 4", f"{HOSTILE} title 1"],
        "en": [f"{HOSTILE} title 2", f"{HOSTILE} title 5"],
    }
    assert newest_titles(docs[:2], 3)["en"] == [f"{HOSTILE} title 2", f"{HOSTILE} title 1"]
    question = example_question("  a  long " + "word " * 40, language)
    assert question.endswith("?") and "…" in question and "  " not in question
    assert len(question) < EXAMPLE_TITLE_CHARS + 40
    assert HOSTILE in example_question(HOSTILE, language)  # a button's text is plain


def test_usage_texts_show_their_angle_brackets() -> None:
    assert "/subscribe <topic>" in rendered(text("no_subscriptions", "en"))[0]
    assert "/subscribe <тема>" in rendered(text("no_subscriptions", "ru"))[0]
    assert "/unsubscribe <topic>" in rendered(text("unsubscribe_usage", "en"))[0]
    assert "/ingest <url>" in rendered(text("ingest_usage", "ru"))[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_emphasis_is_markup_not_text(language: str) -> None:
    start, entities = rendered(text("start", language))
    italic = [start[e["offset"] : e["offset"] + e["length"]] for e in entities]
    assert italic == [plain("help_claim", language), plain("help_topic", language)]
    example = Code("/check " + hostile("title"))
    usage, entities = rendered(text("check_usage", language, example=example))
    assert [e["type"] for e in entities] == ["code"] and "/check " + hostile("title") in usage
    broken, entities = rendered(text("index_unavailable", language))
    assert "newsbot index --rebuild" in broken and entities[0]["type"] == "code"


@pytest.mark.parametrize("language", LANGUAGES)
def test_error_apology_has_its_id_as_code_in_chat_and_as_text_in_a_popup(language: str) -> None:
    error_id = hostile("id")
    apology = phrase("error", language, error_id=Code(error_id))
    shown, entities = rendered(to_html(apology))
    (code,) = entities
    assert code["type"] == "code"
    assert shown[code["offset"] : code["offset"] + code["length"]] == error_id
    assert error_id in to_plain(apology) and "<code>" not in to_plain(apology)


def _citation(n: int, source: str, language: str) -> Citation:
    return Citation(
        n=n,
        chunk_id=f"d{n}#0",
        doc_id=f"d{n}",
        title=hostile(f"title {n}"),
        date="2020-09-21" if n % 2 else None,
        source=source,
        quote=hostile(f"quote {n}"),
        language=language,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_answer_with_citations_and_its_quotes(language: str) -> None:
    citations = [_citation(1, URL, language), _citation(2, hostile("data/file.txt"), language)]
    answer = Answer("q", language, True, hostile("answer") + " [1] [2]", citations)
    (message,) = answer_messages(answer, language)
    shown, entities = rendered(message)
    assert hostile("answer") in shown and plain("sources", language) in shown
    for c in citations:
        assert c.title in shown
    assert hostile("data/file.txt") in shown  # a file path is text
    assert [e["url"] for e in entities if e["type"] == "text_link"] == [URL]
    quotes = seen(quotes_messages(answer, language))
    assert all(c.quote in quotes and c.title in quotes for c in citations)
    assert plain("date_unknown", language) in quotes


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_story_told_by_several_sources_says_so_in_the_answers_language(language: str) -> None:
    citations = [_citation(1, URL, language), _citation(2, URL, language)]
    answer = Answer("q", language, True, hostile("answer") + " [1]", citations)
    assert answer_body(answer) == answer.answer  # one source: nothing to say
    answer.story_sources = [1, 2]
    story = plain("story_sources", language, 2, markers="[1][2]")
    assert story.endswith("[1][2].") and story[0] in "Э2"
    shown = seen(answer_messages(answer, "en" if language == "ru" else "ru"))
    assert f"{hostile('answer')} [1] {story}" in shown
    terminal = answer_plain(Answer.from_json(answer.to_json()))
    assert terminal.startswith(f"{hostile('answer')} [1] {story}\n")
    assert f"{plain('sources', language)}:" in terminal


def test_only_web_addresses_become_links() -> None:
    for source in ("javascript:alert(1)", "tg://user?id=1", "ftp://x.org/a", "/etc/passwd"):
        answer = Answer("q", "en", True, "a [1]", [_citation(1, source, "en")])
        shown, entities = rendered(answer_messages(answer, "en")[0])
        assert source in shown and not any(e["type"] == "text_link" for e in entities)


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusal_with_closest_topics_and_without(language: str) -> None:
    topics = [hostile("topic 1"), hostile("topic 2")]
    answer = Answer("q", language, False, "", closest_topics=topics)
    shown = seen(answer_messages(answer, language))
    assert plain("no_answer", language) in shown and plain("closest", language) in shown
    assert all(f"• {t}" in shown for t in topics)
    bare = Answer("q", language, False, "")
    assert seen(answer_messages(bare, language)) == plain("no_answer", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_huge_answer_is_split_into_messages_that_all_parse(language: str) -> None:
    citations = [_citation(n, URL, language) for n in range(1, 40)]
    body = " ".join(hostile(f"sentence {n}") for n in range(400))
    answer = Answer("q", language, True, body, citations)
    messages = answer_messages(answer, language) + quotes_messages(answer, language)
    assert len(messages) > 3
    shown = seen(messages)
    assert all(hostile(f"sentence {n}") in shown for n in range(400))
    assert all(c.quote in shown for c in citations)


def _evidence(n: int, language: str) -> Evidence:
    return Evidence(
        doc_id=f"d{n}",
        chunk_id=f"d{n}#0",
        title=hostile(f"evidence title {n}"),
        date="2021-01-02",
        source=URL if n % 2 else hostile("file.txt"),
        quote=hostile(f"evidence {n}"),
        language=language,
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("verdict", ["supported", "refuted", "not_in_corpus"])
def test_check_report_for_each_verdict(language: str, verdict: str) -> None:
    mismatch = Mismatch(hostile("kind"), hostile("claimed"), hostile("found"))
    claim = ClaimVerdict(
        claim=hostile("claim"),
        verdict=verdict,
        confidence=0.875,
        evidence=[_evidence(1, language), _evidence(2, language)],
        mismatches=[mismatch] if verdict == "refuted" else [],
        sources_disagree=verdict == "refuted",
    )
    report = CheckReport("t", language, [claim], verdict, claims_found=7)
    shown = seen(check_messages(report, language))
    assert plain(f"verdict_{verdict}", language) in shown and "88%" in shown
    assert hostile("claim") in shown and plain("claims_truncated", language, n=1, total=7) in shown
    assert hostile("evidence 1") in shown and hostile("evidence title 2") in shown
    if verdict == "refuted":
        assert f"({mismatch.kind}): " in shown and f"«{mismatch.claim_value}»" in shown
        assert f"«{mismatch.source_value}»" in shown
        assert plain("sources_disagree", language) in shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_check_report_with_several_claims_and_with_none(language: str) -> None:
    claims = [
        ClaimVerdict(hostile(f"claim {n}"), v, 0.5, [], [])
        for n, v in enumerate(["supported", "refuted"])
    ]
    shown = seen(check_messages(CheckReport("t", language, claims, "refuted"), language))
    assert plain("overall", language) in shown and hostile("claim 1") in shown
    (none,) = check_messages(CheckReport("t", language, [], "not_in_corpus"), language)
    assert rendered(none)[0] == plain("no_claims", language)


def _alert(also: int, language: str) -> StoryAlert:
    def doc(n: int) -> Document:
        source = URL if n % 2 else hostile(f"file {n}")
        return Document(f"d{n}", hostile(f"doc {n}"), "text", source, language, "2020-09-18")

    agreement = Agreement(
        doc_id="d1",
        kind="agreement",
        status="signed",
        parties=(hostile("party A"), hostile("party B")),
        date="2020-09-18",
        place=hostile("place"),
        sentence=hostile("signed sentence") * 60,  # over ALERT_QUOTE_CHARS: shortened
        language=language,
    )
    return StoryAlert("d1", agreement, doc(1), tuple(doc(n) for n in range(2, 2 + also)))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("with_topic", [True, False])
@pytest.mark.parametrize("also", [0, 3])
def test_alert_with_and_without_topic_and_other_reports(
    language: str, with_topic: bool, also: int
) -> None:
    alert = _alert(also, language)
    topic = hostile("topic") if with_topic else None
    match = (
        TopicMatch(topic, 1.0, (MatchReason("mention", hostile("written")),), "lexical")
        if topic
        else None
    )
    shown, entities = rendered(alert_message(alert, topic, match, language))
    assert agreement_line(alert.agreement, language) in shown and hostile("doc 1") in shown
    assert hostile("signed sentence") in shown and "…" in shown
    if match is not None:
        assert topic is not None and topic in shown and topic_reason(match, language) in shown
        assert hostile("written") in shown
    else:
        assert plain("alert_all", language) in shown
    assert (plain("also_reported", language) in shown) == bool(also)
    assert all(hostile(f"doc {n}") in shown for n in range(2, 2 + also))
    assert any(e["type"] == "blockquote" for e in entities)


@pytest.mark.parametrize("language", LANGUAGES)
def test_latest_list(language: str) -> None:
    docs = [
        Document(f"d{n}", hostile(f"agreement {n}") * 8, "t", URL if n % 2 else "a.txt", language)
        for n in range(1, 21)
    ]
    shown = seen(latest_messages(docs, language))
    assert shown.startswith(plain("latest_title", language))
    assert all(f"[{n}] {hostile(f'agreement {n}')}" in shown for n in range(1, 21))


@pytest.mark.parametrize("language", LANGUAGES)
def test_subscriptions_list(language: str) -> None:
    (shown, _) = rendered(subscriptions_message([None, hostile("topic")], language))
    assert shown == "\n".join(
        [
            plain("subscriptions", language),
            f"• {plain('all_agreements', language)}",
            f"• {hostile('topic')}",
        ]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_inline_result_body_parses_and_its_title_is_plain(language: str) -> None:
    answer = Answer(
        "q", language, True, hostile("first") + ". Second [1].", [_citation(1, URL, "ru")]
    )
    rendered(answer_messages(answer, language)[0])  # the article's message_text, parse_mode HTML
    assert short_title(answer.answer) == hostile("first") + "."  # titles have no parse mode
    assert plain("inline_no_answer", language) == template("inline_no_answer", language)
