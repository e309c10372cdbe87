"""The real bot end to end: aiogram long polling against a local Bot API server, the real
engine over a FAISS index of the bundled corpus, the real SQLite database."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.app import create_bot, create_dispatcher, create_services, create_webhook_app
from bot.services import Services
from index.settings import IndexSettings
from rag.answering.engine import AnswerEngine
from rag.settings import RagSettings
from tests.bot_harness import ADMIN, bot_settings, private_index, running_bot
from tests.telegram_server import FakeTelegram, post_webhook_update

WEBHOOK_SECRET = "s3cret-token-of-at-least-32-chars_x"
RU_USER = 7101
EN_USER = 7102


@pytest.fixture
def indexed(
    bundled_index: tuple[IndexSettings, AnswerEngine],
) -> tuple[IndexSettings, AnswerEngine]:
    return bundled_index


@pytest.fixture
def tg(fake_telegram: FakeTelegram) -> FakeTelegram:
    return fake_telegram


@pytest.fixture
async def bot_services(
    tg: FakeTelegram, indexed: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> AsyncIterator[Services]:
    index_settings, engine = indexed
    async with running_bot(tg, index_settings, engine, tmp_path) as (services, _, _):
        yield services


def _markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_russian_conversation_with_citations_quotes_and_feedback(
    tg: FakeTelegram, bot_services: Services
) -> None:
    tg.push_message(RU_USER, "/start", language_code="ru")
    (welcome,) = await tg.wait_sent(RU_USER)
    assert "источники" in welcome["text"].lower()
    examples = [b["text"] for row in welcome["reply_markup"]["keyboard"] for b in row]
    assert examples and all(q.endswith("?") for q in examples)
    # About the newest articles of the live index, Russian ones first for a Russian user.
    docs = bot_services.engine.retriever.snapshot.documents.values()
    newest = max((d for d in docs if d.language == "ru"), key=lambda d: (d.date or "", d.doc_id))
    assert " ".join(newest.title.split())[:40] in examples[0]

    tg.push_message(RU_USER, "Кто подписал соглашение с ZGC?", language_code="ru")
    sent = await tg.wait_sent(RU_USER, count=2)
    answer = sent[1]
    assert "Валетов" in answer["text"]
    assert "Источники" in answer["text"] and "21.09.2020" in answer["text"]
    assert _markers(answer["text"]) == {1}
    assert any(c.method == "sendChatAction" for c in tg.calls)

    quotes = next(b for b in _buttons(answer) if b["text"] == "Показать цитаты")
    tg.push_callback(RU_USER, quotes["callback_data"], answer)
    quoted = (await tg.wait_sent(RU_USER, count=3))[2]
    quotes_found = re.findall(r"<blockquote>(.*?)</blockquote>", quoted["text"], re.S)
    assert quotes_found
    cited = bot_services.engine.retriever.snapshot.chunks_of("000_d237f05f24a2a3fe")
    for quote in map(html.unescape, quotes_found):
        assert any(quote in chunk.text for chunk in cited), quote

    thumbs_up = next(b for b in _buttons(answer) if b["text"] == "👍")
    tg.push_callback(RU_USER, thumbs_up["callback_data"], answer)
    await tg.wait_for("answerCallbackQuery", count=2)
    cases = await bot_services.storage.export_feedback()
    assert [(c["question"], c["rating"]) for c in cases] == [("Кто подписал соглашение с ZGC?", 1)]


async def test_english_question_over_russian_article(
    tg: FakeTelegram, bot_services: Services
) -> None:
    tg.push_message(EN_USER, "Who signed the ZGC agreement?", language_code="en")
    (answer,) = await tg.wait_sent(EN_USER)
    assert "Anatoly Valetov" in answer["text"]
    assert "Sources" in answer["text"] and "[1]" in answer["text"]
    assert any(b["text"] == "Show quotes" for b in _buttons(answer))


async def test_follow_up_question_uses_the_previous_turn(
    tg: FakeTelegram, bot_services: Services
) -> None:
    tg.push_message(RU_USER, "Кто подписал соглашение с ZGC?")
    await tg.wait_sent(RU_USER)
    tg.push_message(RU_USER, "а когда?")
    follow_up = (await tg.wait_sent(RU_USER, count=2))[1]
    assert "21.09.2020" in follow_up["text"]
    turn = await bot_services.storage.last_turn(RU_USER)
    assert turn is not None and "ZGC" in turn.question and "когда" in turn.question


async def test_group_mention_is_answered_in_the_group(
    tg: FakeTelegram, bot_services: Services
) -> None:
    group = -100123
    tg.push_message(
        EN_USER,
        "@newsbot_test_bot who signed the ZGC agreement?",
        language_code="en",
        chat_id=group,
        chat_type="supergroup",
    )
    (answer,) = await tg.wait_sent(group)
    assert "Valetov" in answer["text"]
    user = await bot_services.storage.get_user(EN_USER)
    assert user is not None and user.chat_id == EN_USER  # the group is not the user's chat


async def test_unanswerable_question_is_refused_plainly(
    tg: FakeTelegram, bot_services: Services
) -> None:
    tg.push_message(EN_USER, "What is the boiling point of liquid nitrogen?", language_code="en")
    (reply,) = await tg.wait_sent(EN_USER)
    assert "Sources" not in reply["text"]
    assert not _markers(reply["text"])


async def test_check_a_true_and_a_false_claim(tg: FakeTelegram, bot_services: Services) -> None:
    tg.push_message(RU_USER, "/check Москва и Пекин заключили соглашение о сотрудничестве")
    (true_claim,) = await tg.wait_sent(RU_USER)
    assert "Подтверждается" in true_claim["text"]
    tg.push_message(RU_USER, "/check Соглашение с ZGC подписал Собянин")
    false_claim = (await tg.wait_sent(RU_USER, count=2))[1]
    assert "Опровергается" in false_claim["text"]
    assert "Валетов" in false_claim["text"]  # the contradicting quote is shown
    tg.push_message(RU_USER, "/check")
    usage = (await tg.wait_sent(RU_USER, count=3))[2]
    example = re.search(r"<code>/check (.+?)</code>", usage["text"])
    assert example is not None  # the newest article's title, as a claim to try
    titles = {d.title for d in bot_services.engine.retriever.snapshot.documents.values()}
    assert html.unescape(example[1]) in {" ".join(t.split()) for t in titles}
    forwarded = {
        "message_id": 900,
        "date": 1_700_000_000,
        "chat": {"id": RU_USER, "type": "private"},
        "text": "Moscow signed an agreement with a Japanese association.",
    }
    tg.push_message(RU_USER, "/check", reply_to=forwarded)
    replied = (await tg.wait_sent(RU_USER, count=4))[3]
    assert "Refuted" in replied["text"] and "Japanese" in replied["text"]


async def test_inline_query_returns_a_cited_article(
    tg: FakeTelegram, bot_services: Services
) -> None:
    tg.push_inline_query(EN_USER, "Who signed the ZGC agreement?", language_code="en")
    (call,) = await tg.wait_for("answerInlineQuery")
    (result,) = call.params["results"]
    assert result["type"] == "article"
    assert "Valetov" in result["title"]
    body = result["input_message_content"]["message_text"]
    assert "[1]" in body and "Sources" in body


async def test_latest_lists_agreements_newest_first(
    tg: FakeTelegram, bot_services: Services
) -> None:
    tg.push_message(EN_USER, "/latest 3", language_code="en")
    (reply,) = await tg.wait_sent(EN_USER)
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", reply["text"])
    assert dates and dates == sorted(dates, reverse=True)
    assert len(re.findall(r"^\[\d\]", reply["text"], re.M)) == 3


async def test_non_text_empty_and_huge_messages_get_clear_replies(
    tg: FakeTelegram, bot_services: Services
) -> None:
    sticker = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    tg.push_message(EN_USER, None, language_code="en", sticker=sticker)
    tg.push_message(EN_USER, "   ", language_code="en")
    tg.push_message(EN_USER, "word " * 2000, language_code="en")
    tg.push_message(EN_USER, "/frobnicate", language_code="en")
    replies = await tg.wait_sent(EN_USER, count=4)
    texts = [r["text"] for r in replies]
    assert "only understand text" in texts[0]
    assert "empty" in texts[1]
    assert "too long" in texts[2] and "at most 2000" in texts[2]
    assert "Unknown command" in texts[3]
    tg.push_message(EN_USER, "Who signed the ZGC agreement?", language_code="en")
    assert "Valetov" in (await tg.wait_sent(EN_USER, count=5))[4]["text"]


async def test_flood_gets_one_polite_reply(
    tg: FakeTelegram, indexed: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> None:
    index_settings, engine = indexed
    async with running_bot(
        tg, index_settings, engine, tmp_path, rate_limit_count=2, rate_limit_window_s=60
    ):
        for _ in range(6):
            tg.push_message(EN_USER, "/help", language_code="en")
        await tg.wait_sent(EN_USER, count=3)
        await asyncio.sleep(0.5)
        texts = [m["text"] for m in tg.sent(EN_USER)]
        assert len(texts) == 3
        assert sum("Too many messages" in t for t in texts) == 1


async def test_telegram_errors_429_and_500_are_retried(
    tg: FakeTelegram, bot_services: Services
) -> None:
    tg.fail_next("sendMessage", 429, retry_after=1)
    tg.fail_next("sendMessage", 500)
    tg.push_message(EN_USER, "/help", language_code="en")
    (reply,) = await tg.wait_sent(EN_USER)
    assert "Hello" in reply["text"]
    statuses = [c.status for c in tg.calls if c.method == "sendMessage"]
    assert statuses == [429, 500, 200]


async def test_unexpected_error_gets_an_apology_with_an_id_that_the_log_has(
    tg: FakeTelegram, bot_services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tg.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    tg.push_message(EN_USER, "/help", language_code="en")
    (apology,) = await tg.wait_sent(EN_USER)
    match = re.search(r"Error id: <code>(\w+)</code>", apology["text"])
    assert match is not None
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # secrets: tests/test_security.py
    tg.push_message(EN_USER, "/help", language_code="en")
    assert "Hello" in (await tg.wait_sent(EN_USER, count=2))[1]["text"]


async def test_private_bot_tells_strangers(
    tg: FakeTelegram, indexed: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> None:
    index_settings, engine = indexed
    async with running_bot(
        tg, index_settings, engine, tmp_path, allowed_user_ids=frozenset({RU_USER})
    ) as (services, _, _):
        tg.push_message(EN_USER, "Who signed the ZGC agreement?", language_code="en")
        tg.push_message(RU_USER, "/help")
        (stranger,) = await tg.wait_sent(EN_USER)
        assert "private" in stranger["text"]
        (friend,) = await tg.wait_sent(RU_USER)
        assert "Здравствуйте" in friend["text"]
        assert await services.storage.get_user(EN_USER) is None  # strangers are not recorded


async def test_admin_ingests_a_file_and_it_is_answered_without_restart(
    tg: FakeTelegram,
    indexed: tuple[IndexSettings, AnswerEngine],
    tmp_path: Path,
) -> None:
    source_settings, engine = indexed
    # A copy of the index, so that this test's ingest leaves the shared one as it was.
    index_settings = private_index(source_settings, tmp_path / "data")
    article = (
        "Казань и Ташкент подписали соглашение о нанотехнологиях\n\n"
        "12.03.2021\n\n"
        "Мэр Казани Ильсур Метшин и хоким Ташкента Джахонгир Артыкходжаев подписали "
        "соглашение о совместном центре нанотехнологий. Центр откроется в 2022 году и "
        "примет 300 исследователей.\n"
    )
    async with running_bot(tg, index_settings, engine.reloaded(index_settings), tmp_path) as (
        services,
        _,
        _,
    ):
        tg.push_message(RU_USER, "/subscribe")
        await tg.wait_sent(RU_USER)
        document = tg.add_file(article.encode(), "kazan.txt")
        tg.push_message(EN_USER, None, language_code="en", document=document, caption="/ingest")
        (refused,) = await tg.wait_sent(EN_USER)
        assert "administrators only" in refused["text"]

        tg.push_message(ADMIN, None, language_code="en", document=document, caption="/ingest")
        done = (await tg.wait_sent(ADMIN, count=2, timeout=90))[1]
        assert "1 added" in done["text"] and "6 documents" in done["text"]

        tg.push_message(ADMIN, "Сколько исследователей примет центр нанотехнологий в Казани?")
        answer = (await tg.wait_sent(ADMIN, count=3))[2]
        assert "300" in answer["text"]
        assert "Казань и Ташкент подписали соглашение" in answer["text"]
        assert len(services.engine.retriever.snapshot.documents) == 6

        tg.push_message(ADMIN, "/stats", language_code="en")
        stats = (await tg.wait_sent(ADMIN, count=4))[3]
        assert "Documents: 6" in stats["text"]
        # An ingested agreement is news for subscribers too.
        alert = (await tg.wait_sent(RU_USER, count=2))[1]
        assert "Ташкент" in alert["text"] and "Казань и Ташкент подписали" in alert["text"]
        assert "Subscriptions: 1" in stats["text"] and "Alerts sent: " in stats["text"]


async def test_graceful_shutdown_finishes_the_answer_in_flight(
    tg: FakeTelegram, indexed: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> None:
    index_settings, engine = indexed
    async with running_bot(tg, index_settings, engine, tmp_path):
        tg.push_message(EN_USER, "Who signed the ZGC agreement?", language_code="en")
        await tg.wait_for("sendChatAction")
    # polling has stopped: the answer was still delivered
    assert any("Valetov" in m["text"] for m in tg.sent(EN_USER))


async def test_webhook_mode_checks_the_secret(
    tg: FakeTelegram, indexed: tuple[IndexSettings, AnswerEngine], tmp_path: Path
) -> None:
    index_settings, engine = indexed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = bot_settings(
        tg,
        tmp_path,
        webhook_url="https://bot.example.org/telegram/webhook",
        webhook_secret=WEBHOOK_SECRET,
        webhook_host="127.0.0.1",
        webhook_port=port,
    )
    services = await create_services(settings, index_settings, RagSettings(), engine=engine)
    bot = create_bot(settings)
    app = create_webhook_app(bot, create_dispatcher(services), settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        (hook,) = await tg.wait_for("setWebhook")
        assert hook.params["url"] == settings.webhook_url
        assert hook.params["secret_token"] == WEBHOOK_SECRET
        url = f"http://127.0.0.1:{port}{settings.webhook_path}"
        update = tg.message_update(EN_USER, "Who signed the ZGC agreement?", language_code="en")
        assert await post_webhook_update(url, update, secret="wrong") == 401
        assert await post_webhook_update(url, update) == 401
        assert not tg.sent(EN_USER)
        assert await post_webhook_update(url, update, secret=WEBHOOK_SECRET) == 200
        (answer,) = await tg.wait_sent(EN_USER)
        assert "Valetov" in answer["text"]
    finally:
        await runner.cleanup()
