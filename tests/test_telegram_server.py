"""The local Bot API server, driven by the real aiogram Bot and Dispatcher.

The bot's end-to-end tests trust this server to behave like Telegram, so these tests pin down that
aiogram understands every answer: results parse into its types and errors become the exceptions
aiogram raises against api.telegram.org.
"""

from __future__ import annotations

import asyncio
import html
import socket
import time
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    ReplyParameters,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.telegram_server import FakeTelegram, make_bot, parse_html, post_webhook_update


def _keyboard(data: str = "more:1") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="More", callback_data=data)]]
    )


async def test_get_me(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    me = await telegram_bot.get_me()
    assert (me.id, me.is_bot, me.username) == (999, True, "newsbot_test_bot")
    assert fake_telegram.calls[-1].method == "getMe"
    assert fake_telegram.calls[-1].status == 200


async def test_send_message_recorded_with_decoded_markup(
    telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    message = await telegram_bot.send_message(
        42,
        "<b>Hi</b> 👋 <a href='https://e.x/1'>src</a>",
        parse_mode="HTML",
        reply_markup=_keyboard(),
    )
    assert message.text == "Hi 👋 src"
    assert message.chat.id == 42
    assert message.from_user is not None and message.from_user.id == 999
    assert message.reply_markup is not None
    assert [(e.type, e.offset, e.length) for e in message.entities or []] == [
        ("bold", 0, 2),
        ("text_link", 6, 3),  # offsets in UTF-16 units: the emoji counts 2
    ]
    call = fake_telegram.calls[-1]
    assert call.method == "sendMessage"
    assert call.params["chat_id"] == 42
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "More", "callback_data": "more:1"}]]
    }
    [sent] = fake_telegram.sent(42)
    assert sent["text"].startswith("<b>Hi</b>")
    assert sent["plain_text"] == "Hi 👋 src"
    assert sent["parse_mode"] == "HTML"
    assert sent["message_id"] == message.message_id


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("a&nbsp;b", 'Unsupported HTML entity "&nbsp;"'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_bad_html_is_refused(
    telegram_bot: Bot, fake_telegram: FakeTelegram, text: str, error: str
) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as caught:
        await telegram_bot.send_message(1, text, parse_mode="HTML")
    assert error in caught.value.message
    assert fake_telegram.calls[-1].status == 400
    assert fake_telegram.sent() == []


async def test_escaped_and_rich_html_is_accepted(telegram_bot: Bot) -> None:
    escaped = html.escape('1 < 2 & "x" > 0')
    message = await telegram_bot.send_message(1, escaped, parse_mode="HTML")
    assert message.text == '1 < 2 & "x" > 0'
    rich = (
        "<blockquote expandable><i>q</i></blockquote><tg-spoiler>s</tg-spoiler>"
        '<span class="tg-spoiler">t</span><pre><code class="language-python">x=1</code></pre>'
        "AT&T &#128512;"
    )
    message = await telegram_bot.send_message(1, rich, parse_mode="HTML")
    assert message.text == "qstx=1AT&T 😀"
    kinds = [(e.type, e.language) for e in message.entities or []]
    assert ("expandable_blockquote", None) in kinds
    assert ("pre", "python") in kinds


def test_parse_html_offsets_are_utf16() -> None:
    plain, entities = parse_html("😀<b>жир</b>")
    assert plain == "😀жир"
    assert entities == [{"type": "bold", "offset": 2, "length": 3}]


async def test_text_length_and_empty_text(telegram_bot: Bot) -> None:
    await telegram_bot.send_message(1, "я" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await telegram_bot.send_message(1, "я" * 4097)
    # Markup does not count: 4096 visible characters inside a tag are fine.
    await telegram_bot.send_message(1, f"<b>{'a' * 4096}</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await telegram_bot.send_message(1, "<b> </b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await telegram_bot.send_message(1, "")


async def test_callback_data_over_64_bytes(telegram_bot: Bot) -> None:
    await telegram_bot.send_message(1, "ok", reply_markup=_keyboard("x" * 64))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await telegram_bot.send_message(1, "no", reply_markup=_keyboard("ж" * 33))


async def test_retry_after(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await telegram_bot.send_message(1, "a")
    assert caught.value.retry_after == 3
    assert fake_telegram.sent() == []
    await telegram_bot.send_message(1, "a")
    assert [c.status for c in fake_telegram.calls] == [429, 200]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, TelegramForbiddenError),
        (500, TelegramServerError),
        (502, TelegramServerError),
        (400, TelegramBadRequest),
        (409, TelegramConflictError),
    ],
)
async def test_injected_errors(
    telegram_bot: Bot, fake_telegram: FakeTelegram, status: int, error: type[Exception]
) -> None:
    fake_telegram.fail_next("sendMessage", status, times=2)
    for _ in range(2):
        with pytest.raises(error):
            await telegram_bot.send_message(1, "a")
    await telegram_bot.send_message(1, "a")


async def test_failure_scoped_to_one_chat(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", 403, chat_id=2)
    await telegram_bot.send_message(1, "a")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await telegram_bot.send_message(2, "a")
    await telegram_bot.send_message(3, "a")
    await telegram_bot.send_message(2, "a")  # the rule was used up
    fake_telegram.block(5)
    for _ in range(2):
        with pytest.raises(TelegramForbiddenError):
            await telegram_bot.send_message(5, "a")
    assert [m["chat"]["id"] for m in fake_telegram.sent()] == [1, 3, 2]


async def test_fail_ratio_is_seeded(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_ratio("sendMessage", 429, 0.2, seed=1)
    failed = 0
    for _ in range(60):
        try:
            await telegram_bot.send_message(1, "a")
        except TelegramRetryAfter as exc:
            assert exc.retry_after == 1
            failed += 1
    assert 3 <= failed <= 25
    assert len(fake_telegram.sent()) == 60 - failed


async def test_get_updates_in_order_and_confirmed_by_offset(
    telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    ids = [fake_telegram.push_message(7, f"m{i}", username="u") for i in range(3)]
    updates = await telegram_bot.get_updates()
    assert [u.update_id for u in updates] == ids
    assert [u.message.text for u in updates if u.message] == ["m0", "m1", "m2"]
    first = updates[0].message
    assert first is not None and first.from_user is not None
    assert (first.chat.id, first.from_user.language_code, first.from_user.username) == (
        7,
        "ru",
        "u",
    )
    assert [u.message.message_id for u in updates if u.message] == [1, 2, 3]
    assert fake_telegram.pending_updates == 3  # not confirmed yet: returned again
    assert len(await telegram_bot.get_updates(limit=2)) == 2
    assert await telegram_bot.get_updates(offset=ids[-1] + 1) == []
    assert fake_telegram.pending_updates == 0


async def test_commands_carry_a_bot_command_entity(
    telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push_message(7, "/start@newsbot_test_bot payload")
    [update] = await telegram_bot.get_updates()
    assert update.message is not None
    assert [(e.type, e.length) for e in update.message.entities or []] == [("bot_command", 23)]


async def test_long_poll_returns_early(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(telegram_bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    fake_telegram.push_message(7, "late")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert time.monotonic() - started < 1.5
    started = time.monotonic()
    assert await telegram_bot.get_updates(offset=updates[0].update_id + 1, timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_webhook_blocks_polling(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="HTTPS URL"):
        await telegram_bot.set_webhook("http://127.0.0.1:8080/hook")
    await telegram_bot.set_webhook("https://bot.example.com/hook", secret_token="s3cret")
    info = await telegram_bot.get_webhook_info()
    assert info.url == "https://bot.example.com/hook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await telegram_bot.get_updates()
    await telegram_bot.delete_webhook(drop_pending_updates=True)
    assert await telegram_bot.get_updates() == []


async def test_file_download(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    document = fake_telegram.add_file("Новость дня".encode(), "news.txt")
    fake_telegram.push_message(1, None, document=document, caption="/ingest")
    [update] = await telegram_bot.get_updates()
    assert update.message is not None and update.message.document is not None
    assert update.message.document.file_name == "news.txt"
    file = await telegram_bot.get_file(update.message.document.file_id)
    assert file.file_path is not None and file.file_path.endswith(".txt")
    downloaded = await telegram_bot.download(update.message.document.file_id)
    assert downloaded is not None
    assert downloaded.read().decode() == "Новость дня"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await telegram_bot.get_file("nope")


async def test_send_document_upload(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    upload = BufferedInputFile(b"a,b\n1,2\n", filename="report.csv")
    message = await telegram_bot.send_document(
        1, upload, caption="<i>report</i>", parse_mode="HTML"
    )
    assert message.document is not None and message.caption == "report"
    assert fake_telegram.calls[-1].params["document"] == {
        "filename": "report.csv",
        "content": b"a,b\n1,2\n",
    }
    downloaded = await telegram_bot.download(message.document.file_id)
    assert downloaded is not None and downloaded.read() == b"a,b\n1,2\n"
    assert fake_telegram.sent(1)[0]["caption"] == "<i>report</i>"


async def test_edit_and_delete(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    message = await telegram_bot.send_message(1, "draft", reply_markup=_keyboard())
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await telegram_bot.edit_message_text(
            "draft", chat_id=1, message_id=message.message_id, reply_markup=_keyboard()
        )
    edited = await telegram_bot.edit_message_text(
        "final", chat_id=1, message_id=message.message_id
    )
    assert not isinstance(edited, bool)
    assert edited.text == "final" and edited.reply_markup is None  # no markup: keyboard removed
    assert [m["method"] for m in fake_telegram.sent(1)] == ["sendMessage", "editMessageText"]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await telegram_bot.edit_message_text("x", chat_id=1, message_id=999)
    assert await telegram_bot.delete_message(1, message.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await telegram_bot.delete_message(1, message.message_id)


async def test_answers_need_a_live_query(telegram_bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await telegram_bot.answer_callback_query("unknown")


async def test_dispatcher_round_trip(telegram_bot: Bot, fake_telegram: FakeTelegram) -> None:
    """A real Dispatcher polls the server: echo, a button press, an inline query."""
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(
            f"<b>echo:</b> {html.escape(message.text or '')}",
            parse_mode="HTML",
            reply_markup=_keyboard(),
        )

    @router.callback_query(F.data == "more:1")
    async def more(query: CallbackQuery) -> None:
        await query.answer("ok")
        assert isinstance(query.message, Message)
        await query.message.edit_text("more!")

    @router.inline_query()
    async def inline(query: InlineQuery) -> None:
        content = InputTextMessageContent(message_text="<b>x</b>", parse_mode="HTML")
        await query.answer(
            [InlineQueryResultArticle(id="1", title="t", input_message_content=content)]
        )

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(telegram_bot, handle_signals=False, close_bot_session=False)
    )
    try:
        fake_telegram.push_message(42, "hi <there>", language_code="en")
        [sent] = await fake_telegram.wait_sent(42, timeout=5)
        assert sent["plain_text"] == "echo: hi <there>"
        fake_telegram.push_callback(42, "more:1", sent)
        [answer] = await fake_telegram.wait_for("answerCallbackQuery", timeout=5)
        assert answer.params["text"] == "ok"
        await fake_telegram.wait_sent(42, count=2, timeout=5)
        assert fake_telegram.sent(42)[-1]["text"] == "more!"
        fake_telegram.push_inline_query(43, "query")
        [inline_answer] = await fake_telegram.wait_for("answerInlineQuery", timeout=5)
        assert inline_answer.params["results"][0]["input_message_content"]["parse_mode"] == "HTML"
        await fake_telegram.wait_confirmed(timeout=5)
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 5)
    get_updates = [c for c in fake_telegram.calls if c.method == "getUpdates"]
    assert set(get_updates[0].params["allowed_updates"]) == {
        "message",
        "callback_query",
        "inline_query",
    }


async def test_webhook_helper_against_aiogram_handler(
    telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    router = Router()

    @router.message()
    async def reply(message: Message) -> None:
        await message.answer("pong")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dispatcher, telegram_bot, secret_token="s3cret").register(app, "/hook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    try:
        update = fake_telegram.message_update(5, "ping")
        assert await post_webhook_update(url, update, "wrong") == 401
        assert await post_webhook_update(url, update, "s3cret") == 200
        [sent] = await fake_telegram.wait_sent(5, timeout=5)
        assert sent["text"] == "pong"
    finally:
        await runner.cleanup()


async def _raw_post(url: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=data) as response:
        return response.status, await response.json()


async def test_unknown_method_and_wrong_token(fake_telegram: FakeTelegram) -> None:
    base = fake_telegram.base_url
    status, body = await _raw_post(f"{base}/bot{fake_telegram.token}/sendTelepathy", {"a": "1"})
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    status, body = await _raw_post(f"{base}/bot{fake_telegram.token}/GETME", {})
    assert (status, body["result"]["id"]) == (200, 999)  # method names are case-insensitive
    other = FakeTelegram(token="42:other")
    other.base_url = base
    bot = make_bot(other)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bot.get_me()
        with pytest.raises(TelegramUnauthorizedError):
            await bot.send_message(1, "a")
    finally:
        await bot.session.close()
    assert [(c.method, c.status) for c in fake_telegram.calls][-2:] == [
        ("getMe", 401),
        ("sendMessage", 401),
    ]
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/file/bot42:other/documents/file_1.txt") as response:
            assert response.status == 401
        async with session.get(f"{base}/file/bot{fake_telegram.token}/nope") as response:
            assert response.status == 404


async def test_wait_for_timeout_explains(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    await telegram_bot.send_message(1, "a")
    with pytest.raises(AssertionError, match=r"sendMessage -> 200"):
        await fake_telegram.wait_for("sendDocument", timeout=0.1)


async def test_commands_actions_and_replies(
    telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    commands = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="ask", description="Ask"),
    ]
    assert await telegram_bot.set_my_commands(commands, language_code="ru")
    assert [c.command for c in await telegram_bot.get_my_commands(language_code="ru")] == [
        "start",
        "ask",
    ]
    assert fake_telegram.commands["default/ru"][0] == {"command": "start", "description": "Начать"}
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await telegram_bot.set_my_commands([BotCommand(command="Ask", description="x")])
    assert await telegram_bot.send_chat_action(1, "typing")
    fake_telegram.push_message(1, "question")
    [update] = await telegram_bot.get_updates()
    assert update.message is not None
    answer = await update.message.reply("answer")
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "question"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await telegram_bot.send_message(1, "x", reply_parameters=ReplyParameters(message_id=77))


async def test_newer_poll_terminates_older(telegram_bot: Bot) -> None:
    older = asyncio.create_task(telegram_bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    newer = asyncio.create_task(telegram_bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(older, 2)
    assert await newer == []


async def test_restarted_polling_sees_each_update_once(
    telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    """A bot restarted on the same server gets only the updates it has not confirmed yet."""
    seen: list[str] = []

    async def record(message: Message) -> None:
        seen.append(message.text or "")

    for round_, text in enumerate(("first", "second"), start=1):
        router = Router()
        router.message.register(record)
        dispatcher = Dispatcher()
        dispatcher.include_router(router)
        polling = asyncio.create_task(
            dispatcher.start_polling(telegram_bot, handle_signals=False, close_bot_session=False)
        )
        fake_telegram.push_message(1, text)
        await fake_telegram.wait_confirmed(timeout=5)
        for _ in range(50):
            if len(seen) == round_:
                break
            await asyncio.sleep(0.01)
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 5)
    assert seen == ["first", "second"]
