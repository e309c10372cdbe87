"""A Bot-API-compatible Telegram server on 127.0.0.1 for end-to-end tests of the real bot.

No machine here reaches Telegram and no maintained fake exists, so this one speaks the Bot API over
HTTP the way api.telegram.org does, and the real aiogram ``Bot`` is pointed at it with
``AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))`` (see :func:`make_bot`). It
records every call, queues updates for long polling, serves files, validates what the bot sends the
way Telegram does (text length, HTML markup, callback data, reply targets, "message is not
modified") so that formatting bugs fail the tests instead of production, and answers 429, 403 or
5xx on demand.

Known simplifications: Markdown/MarkdownV2 text is accepted unparsed; URLs, mentions and hashtags
in text are not turned into entities; updates are never pushed to a webhook (post them with
:func:`post_webhook_update`); any chat id is accepted as an existing chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import mimetypes
import random
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

__all__ = [
    "Call",
    "FakeTelegram",
    "HtmlParseError",
    "make_bot",
    "parse_html",
    "post_webhook_update",
]

JSONDict = dict[str, Any]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024

# Form fields that aiogram sends as JSON strings (nested objects and lists), as ints, as booleans.
_JSON_FIELDS = _words(
    "reply_markup entities caption_entities results allowed_updates "
    "link_preview_options reply_parameters commands scope media button menu_button "
    "rights input_message_content explanation_entities options"
)
_INT_FIELDS = _words(
    "chat_id from_chat_id message_id offset limit timeout user_id cache_time "
    "reply_to_message_id message_thread_id max_connections"
)
_BOOL_FIELDS = _words(
    "disable_notification protect_content show_alert is_personal drop_pending_updates "
    "disable_web_page_preview allow_sending_without_reply "
    "disable_content_type_detection allow_paid_broadcast"
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
# Update types Telegram leaves out when allowed_updates is empty or was never set.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = _words(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note"
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_BAD_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass
class Call:
    """One request the bot made: method name as Telegram spells it, decoded params, HTTP status."""

    method: str
    params: dict[str, Any]
    at: float
    status: int


class ApiError(Exception):
    """A Bot API error reply: HTTP status plus the ``{"ok": false, ...}`` body."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _api_error(
    status: int, description: str | None = None, retry_after: int | None = None
) -> ApiError:
    if status == 429:
        retry_after = 1 if retry_after is None else retry_after
        description = description or f"Too Many Requests: retry after {retry_after}"
    default = _DEFAULT_DESCRIPTIONS.get(status, "Internal Server Error" if status >= 500 else "")
    return ApiError(status, description or default or f"Error {status}", retry_after)


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --- HTML parse mode, after tdlib's parse_html ---------------------------------------------------

_HTML_TAGS = _words(
    "b strong i em u ins s strike del span tg-spoiler a code pre blockquote tg-emoji"
)
_SIMPLE_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "pre": "pre",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{0,31});")


class HtmlParseError(ValueError):
    """Markup Telegram refuses with "can't parse entities"."""


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(text: str, i: int) -> tuple[str | None, int]:
    """Decode the HTML entity at ``text[i]`` ("&"); (None, i) when it is a literal ampersand.

    Telegram knows only &lt; &gt; &amp; &quot; and numeric references and shows any other "&" as
    is. A well-formed but unknown named entity (``&nbsp;``) is refused here although Telegram would
    print it literally: it always means the bot escaped text for a browser, not for Telegram.
    """
    match = _HTML_ENTITY_RE.match(text, i)
    if match is None:
        return None, i
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), match.end()
        return None, i
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], match.end()
    offset = len(text[:i].encode())
    raise HtmlParseError(f'Unsupported HTML entity "&{body};" at byte offset {offset}')


def _decode_attribute(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded, end = _decode_entity(value, i)
            if decoded is not None:
                out.append(decoded)
                i = end
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram HTML into (plain text, entities with UTF-16 offsets) or raise HtmlParseError.

    Follows tdlib's parser rather than ``html.parser``: the latter silently accepts a bare ``<``,
    ``<br>`` and unknown tags, which are exactly the bugs Telegram answers with 400.
    """
    out: list[str] = []
    pos = 0  # UTF-16 length of `out`
    stack: list[tuple[str, JSONDict | None, int]] = []  # tag, entity (None: emits none), start
    entities: list[JSONDict] = []
    i, n = 0, len(text)

    def where(index: int) -> str:
        return f"at byte offset {len(text[:index].encode())}"

    while i < n:
        char = text[i]
        if char == "&":
            decoded, end = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded)
                pos += _utf16_len(decoded)
                i = end
                continue
        if char != "<":
            out.append(char)
            pos += _utf16_len(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            i += 1
            start = i
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            name = text[start:i].lower()
            while i < n and text[i].isspace():
                i += 1
            if not stack:
                raise HtmlParseError(f"Unexpected end tag {where(begin)}")
            if i >= n or text[i] != ">":
                raise HtmlParseError(f'Can\'t find end of tag "{name}" {where(begin)}')
            i += 1
            tag, entity, start_pos = stack.pop()
            if name and name != tag:
                raise HtmlParseError(
                    f'Unmatched end tag {where(begin)}, expected "</{tag}>", found "</{name}>"'
                )
            if entity is not None and pos > start_pos:
                entities.append({**entity, "offset": start_pos, "length": pos - start_pos})
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag {where(begin)}")
        name = text[start:i].lower()
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" {where(begin)}')
        attributes: dict[str, str] = {}
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag {where(begin)}")
            if text[i] == ">":
                i += 1
                break
            attr_start = i
            while i < n and not text[i].isspace() and text[i] not in "=>":
                i += 1
            attr_name = text[attr_start:i].lower()
            if not attr_name:
                raise HtmlParseError(f'Empty attribute name in the tag "{name}" {where(begin)}')
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != "=":
                attributes[attr_name] = ""
                continue
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i < n and text[i] in "'\"":
                close = text.find(text[i], i + 1)
                if close < 0:
                    raise HtmlParseError(f"Unclosed start tag {where(begin)}")
                attributes[attr_name] = _decode_attribute(text[i + 1 : close])
                i = close + 1
            else:
                value_start = i
                while i < n and not text[i].isspace() and text[i] != ">":
                    i += 1
                if i == value_start:
                    raise HtmlParseError(
                        f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                        f"{where(begin)}"
                    )
                attributes[attr_name] = _decode_attribute(text[value_start:i])
        stack.append((name, _start_entity(name, attributes, stack, where(begin)), pos))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _start_entity(
    name: str,
    attributes: dict[str, str],
    stack: list[tuple[str, JSONDict | None, int]],
    where: str,
) -> JSONDict | None:
    if name in _SIMPLE_ENTITY:
        return {"type": _SIMPLE_ENTITY[name]}
    if name == "span":
        if attributes.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" {where}')
        return {"type": "spoiler"}
    if name == "a":
        href = attributes.get("href", "")
        return {"type": "text_link", "url": href} if href else None
    if name == "code":
        language = attributes.get("class", "")
        parent = stack[-1] if stack else None
        if parent is not None and parent[0] == "pre" and parent[1] is not None:
            if language.startswith("language-"):
                parent[1]["language"] = language.removeprefix("language-")
            return None
        return {"type": "code"}
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attributes else "blockquote"}
    # tg-emoji
    emoji_id = attributes.get("emoji-id", "")
    if not emoji_id:
        raise HtmlParseError(f'Tag "tg-emoji" must have attribute "emoji-id" {where}')
    return {"type": "custom_emoji", "custom_emoji_id": emoji_id}


def _format_text(
    text: str, parse_mode: Any, entities: Any, *, limit: int, too_long: str
) -> tuple[str, list[JSONDict]]:
    """Apply a parse mode the way Telegram does: (plain text, entities) or a 400."""
    mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
    if mode == "html":
        try:
            plain, parsed = parse_html(text)
        except HtmlParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
    elif mode in ("", "markdown", "markdownv2"):
        plain = text
        parsed = [e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else []
    else:
        raise _bad("unsupported parse_mode")
    if len(plain) > limit:
        raise _bad(too_long)
    return plain, parsed


def _check_markup(markup: Any) -> None:
    """Refuse inline keyboards Telegram refuses (data over 64 bytes, bad URLs, bare buttons)."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise _bad("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.fullmatch(r"(https?|tg)://\S+", str(url)):
                raise _bad("BUTTON_URL_INVALID")
            if not any(key in button for key in _BUTTON_ACTIONS):
                raise _bad("text buttons are unallowed in the inline keyboard")


def _inline_markup(markup: Any) -> JSONDict | None:
    """What Message.reply_markup holds: inline keyboards only (reply keyboards are not echoed)."""
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return copy.deepcopy(markup)
    return None


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        with contextlib.suppress(ValueError):
            return json.loads(value)
        return value
    if key in _INT_FIELDS:
        with contextlib.suppress(ValueError):
            return int(value)
        return value
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str
    mime_type: str

    def document(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.content),
        }


@dataclass
class _FailRule:
    method: str
    status: int
    times: int
    retry_after: int | None
    description: str | None
    chat_id: int | None


@dataclass
class _RatioRule:
    status: int
    ratio: float
    retry_after: int
    rng: random.Random


class FakeTelegram:
    """The Bot API on 127.0.0.1: records calls, queues updates, serves files, fails on demand."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_id: int = 999,
        bot_username: str = "newsbot_test_bot",
    ) -> None:
        self.token = token
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "NewsBot",
            "username": bot_username,
        }
        self.base_url = ""
        self.calls: list[Call] = []
        self.webhook: JSONDict | None = None
        self.commands: dict[str, list[JSONDict]] = {}
        self.blocked: set[int] = set()
        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
        self._queries: dict[str, bool] = {}  # callback and inline query ids -> answered
        self._sent: list[JSONDict] = []
        self._fail_rules: list[_FailRule] = []
        self._ratio_rules: dict[str, _RatioRule] = {}
        self._serial = 0
        self._poll_generation = 0
        self._closing = False
        self._update_event = asyncio.Event()
        self._call_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Callable[[JSONDict], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "sendChatAction": self._send_chat_action,
                "answerCallbackQuery": self._answer_callback_query,
                "answerInlineQuery": self._answer_inline_query,
                "sendDocument": self._send_document,
                "getFile": self._get_file,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": lambda p: self.commands.get(self._commands_key(p), []),
                "deleteMyCommands": self._delete_my_commands,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyDescription": lambda _: True,
                "setMyShortDescription": lambda _: True,
                "setMyName": lambda _: True,
                "setChatMenuButton": lambda _: True,
                "close": lambda _: True,
                "logOut": lambda _: True,
                "getUpdates": lambda _: [],  # served by _get_updates, listed for the name
            }.items()
        }

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> str:
        """Serve on a free port of 127.0.0.1 and return the base URL for TelegramAPIServer."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._closing = False
        return self.base_url

    async def stop(self) -> None:
        """End pending long polls at once, then close the server."""
        self._closing = True
        self._notify_updates()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- queueing updates ----------------------------------------------------------------------

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    def push_update(self, update: JSONDict) -> int:
        """Queue a raw update (update_id assigned when missing) and wake a waiting long poll."""
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self._updates.append(update)
        self._notify_updates()
        return int(update["update_id"])

    def message_update(
        self,
        user_id: int,
        text: str | None = None,
        *,
        language_code: str | None = "ru",
        chat_id: int | None = None,
        first_name: str = "User",
        username: str | None = None,
        chat_type: str = "private",
        reply_to: JSONDict | None = None,
        **extra: Any,
    ) -> JSONDict:
        """Build (without queueing) a message update, e.g. to post it to the bot's webhook."""
        user = self._user(user_id, first_name, username, language_code)
        chat_id = user_id if chat_id is None else chat_id
        if chat_type == "private":
            chat: JSONDict = {"id": chat_id, "type": "private", "first_name": first_name}
            if username:
                chat["username"] = username
        else:
            chat = {"id": chat_id, "type": chat_type, "title": f"Chat {chat_id}"}
        self._chats[chat_id] = chat
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
        }
        if text is not None:
            message["text"] = text
        if reply_to is not None:
            message["reply_to_message"] = self._public_message(reply_to)
        message.update(copy.deepcopy(extra))
        for field in ("text", "caption"):
            command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", message.get(field) or "")
            entities = "entities" if field == "text" else "caption_entities"
            if command and entities not in message:
                length = _utf16_len(command.group(0))
                message[entities] = [{"type": "bot_command", "offset": 0, "length": length}]
        self._messages[(chat_id, message["message_id"])] = message
        update_id = self._next_update_id
        self._next_update_id += 1
        return {"update_id": update_id, "message": copy.deepcopy(message)}

    def push_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        language_code: str | None = "ru",
        chat_id: int | None = None,
        first_name: str = "User",
        username: str | None = None,
        chat_type: str = "private",
        reply_to: JSONDict | None = None,
        **extra: Any,
    ) -> int:
        """Queue a user's message (extra: sticker=, document=, caption=...); its update_id."""
        return self.push_update(
            self.message_update(
                user_id,
                text,
                language_code=language_code,
                chat_id=chat_id,
                first_name=first_name,
                username=username,
                chat_type=chat_type,
                reply_to=reply_to,
                **extra,
            )
        )

    def push_callback(
        self, user_id: int, data: str, message: JSONDict, *, language_code: str | None = "ru"
    ) -> int:
        """Queue a press on a button of `message` (one the bot sent, e.g. from sent())."""
        query_id = self._new_id("cbq")
        self._queries[query_id] = False
        current = self._public_message(message)
        return self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id, "User", None, language_code),
                    "message": current,
                    "chat_instance": str(abs(int(current["chat"]["id"])) + 7_000_000),
                    "data": data,
                }
            }
        )

    def push_inline_query(
        self, user_id: int, query: str, *, language_code: str | None = "ru"
    ) -> int:
        """Queue an inline query (``@bot query`` typed in any chat)."""
        query_id = self._new_id("inl")
        self._queries[query_id] = False
        return self.push_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self._user(user_id, "User", None, language_code),
                    "query": query,
                    "offset": "",
                }
            }
        )

    def add_file(
        self, content: bytes, file_name: str, mime_type: str = "text/plain"
    ) -> dict[str, Any]:
        """Register a downloadable file; returns the Document for push_message(document=...)."""
        return self._store_file(content, file_name, mime_type).document()

    # --- failure injection ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (for `chat_id` only, if given) with an error.

        429 always carries parameters.retry_after (default 1): aiogram raises TelegramRetryAfter
        only when it is non-zero.
        """
        self._fail_rules.append(
            _FailRule(method.lower(), status, times, retry_after, description, chat_id)
        )

    def fail_ratio(
        self, method: str, status: int, ratio: float, *, retry_after: int = 1, seed: int = 0
    ) -> None:
        """Fail a seeded-random share of the calls of `method` (ratio 0 turns it off)."""
        if ratio <= 0:
            self._ratio_rules.pop(method.lower(), None)
            return
        self._ratio_rules[method.lower()] = _RatioRule(
            status, ratio, retry_after, random.Random(seed)
        )

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send/edit to that chat gets 403 until unblock()."""
        self.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self.blocked.discard(chat_id)

    # --- observing -----------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent or edited successfully, in order.

        Each is the Message Telegram returned plus what the bot asked for: ``text``/``caption`` as
        sent (markup included), ``plain_text``/``plain_caption`` as the user sees it, ``entities``,
        ``parse_mode``, ``reply_markup`` (any keyboard kind) and ``method``.
        """
        return [
            copy.deepcopy(entry)
            for entry in self._sent
            if chat_id is None or entry["chat"]["id"] == chat_id
        ]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 15.0,
        count: int = 1,
    ) -> list[Call]:
        """Wait for `count` successful calls of `method` matching `predicate`; returns all such.

        Calls are recorded when answered, so a long poll shows up only once it returns.
        """
        name = method.lower()
        matched: list[Call] = []
        scanned = 0

        def enough() -> bool:
            nonlocal scanned
            for call in self.calls[scanned:]:  # incremental: cheap for a 10,000-send bench
                ok = call.method.lower() == name and call.status == 200
                if ok and (predicate is None or predicate(call)):
                    matched.append(call)
            scanned = len(self.calls)
            return len(matched) >= count

        await self._wait(enough, timeout, f"{count} x {method}")
        return matched

    async def wait_sent(
        self, chat_id: int, *, count: int = 1, timeout: float = 15.0
    ) -> list[dict[str, Any]]:
        """Wait until `count` messages were sent (or edited) to `chat_id`; returns all of them."""
        seen = 0
        scanned = 0

        def enough() -> bool:
            nonlocal seen, scanned
            seen += sum(1 for e in self._sent[scanned:] if e["chat"]["id"] == chat_id)
            scanned = len(self._sent)
            return seen >= count

        await self._wait(enough, timeout, f"{count} messages to chat {chat_id}")
        return self.sent(chat_id)

    async def wait_confirmed(self, *, timeout: float = 15.0) -> None:
        """Wait until the bot confirmed every queued update (received, not necessarily handled)."""
        await self._wait(lambda: not self._updates, timeout, "all updates confirmed")

    def summary(self, last: int = 25) -> str:
        """The last calls, one a line, for assertion messages."""
        lines = []
        for call in self.calls[-last:]:
            params = {
                key: f"<{len(value['content'])} bytes>"
                if isinstance(value, dict) and isinstance(value.get("content"), bytes)
                else value
                for key, value in call.params.items()
            }
            text = json.dumps(params, ensure_ascii=False, default=str)
            lines.append(f"  {call.method} -> {call.status} {text[:200]}")
        return "\n".join(lines) or "  (no calls)"

    async def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._call_event
            if done():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {what}; "
                    f"{len(self.calls)} calls, the last ones:\n{self.summary()}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # --- HTTP ----------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.time()
        entry = self._methods.get(request.match_info["method"].lower())
        name = entry[0] if entry else request.match_info["method"]
        params: JSONDict = {}
        try:
            try:
                params = await self._read_params(request)
            except ValueError:
                raise _bad("can't parse request") from None
            if request.match_info["token"] != self.token:
                raise _api_error(401)
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            self._inject_failure(name, params)
            if name == "getUpdates":
                result = await self._get_updates(params, request)
            else:
                result = entry[1](params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.status, exc.body()
        self.calls.append(Call(name, params, at, status))
        self._notify_calls()
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        stored = self._file_paths.get(path)
        status = 200
        if request.match_info["token"] != self.token:
            status = 401
        elif stored is None:
            status = 404
        self.calls.append(Call("file", {"file_path": path}, time.time(), status))
        self._notify_calls()
        if stored is None or status != 200:
            return web.json_response(_api_error(status).body(), status=status)
        return web.Response(body=stored.content, content_type=stored.mime_type)

    async def _read_params(self, request: web.Request) -> JSONDict:
        params: JSONDict = dict(request.query)
        if request.content_type == "application/json":
            raw = await request.text()
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise _bad("can't parse request JSON object")
            params.update(body)
        elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            files: JSONDict = {}
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = {"filename": value.filename, "content": value.file.read()}
                else:
                    params[key] = value
            for key, value in list(params.items()):  # aiogram sends document=attach://<field>
                if isinstance(value, str) and value.startswith("attach://"):
                    attached = files.pop(value.removeprefix("attach://"), None)
                    if attached is not None:
                        params[key] = attached
            params.update(files)
        return {key: _decode_value(key, value) for key, value in params.items()}

    def _inject_failure(self, method: str, params: JSONDict) -> None:
        key = method.lower()
        chat_id = params.get("chat_id")
        if chat_id in self.blocked and key.startswith(("send", "edit", "copy", "forward")):
            raise _api_error(403)
        for rule in self._fail_rules:
            if rule.method == key and (rule.chat_id is None or rule.chat_id == chat_id):
                rule.times -= 1
                if rule.times <= 0:
                    self._fail_rules.remove(rule)
                raise _api_error(rule.status, rule.description, rule.retry_after)
        ratio = self._ratio_rules.get(key)
        if ratio is not None and ratio.rng.random() < ratio.ratio:
            raise _api_error(
                ratio.status, None, ratio.retry_after if ratio.status == 429 else None
            )

    # --- getUpdates ----------------------------------------------------------------------------

    async def _get_updates(self, params: JSONDict, request: web.Request) -> list[JSONDict]:
        """Long poll like Telegram: confirm below offset, wait up to timeout, newest poll wins."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), 50.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list) and allowed:  # an empty list keeps the previous setting
            self._allowed_updates = [str(kind) for kind in allowed]
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._notify_calls()  # wait_confirmed() watches the queue shrink
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # an older poll still waiting is terminated (409)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._update_event
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            if generation != self._poll_generation:
                raise _api_error(409)
            if request.transport is None or request.transport.is_closing():
                return []  # the client gave up (polling stopped): do not hold the handler
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.25))

    def _deliverable(self, limit: int) -> list[JSONDict]:
        """Up to `limit` queued updates of allowed types; others are dropped, as Telegram would."""
        kept = []
        for update in self._updates:
            kind = next((key for key in update if key != "update_id"), "")
            if (
                kind in self._allowed_updates
                if self._allowed_updates is not None
                else kind not in _OPT_IN_UPDATES
            ):
                kept.append(update)
        self._updates = kept
        return copy.deepcopy(kept[:limit])

    # --- messages ------------------------------------------------------------------------------

    def _get_me(self, _params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise _bad("message text is empty")
        plain, entities = _format(params, text, MAX_TEXT, "message is too long")
        if not plain.strip():
            raise _bad("message text is empty")
        markup = params.get("reply_markup")
        _check_markup(markup)
        message = self._new_bot_message(chat_id, params, markup)
        message["text"] = plain
        if entities:
            message["entities"] = entities
        self._messages[(chat_id, message["message_id"])] = copy.deepcopy(message)
        self._remember_sent("sendMessage", message, params, text=text)
        return message

    def _send_document(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        document = params.get("document")
        if isinstance(document, dict) and isinstance(document.get("content"), bytes):
            if not document["content"]:
                raise _bad("file must be non-empty")
            name = str(document.get("filename") or "document")
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            stored = self._store_file(document["content"], name, mime)
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]
        elif isinstance(document, str) and re.match(r"https?://", document):
            name = document.rstrip("/").rsplit("/", 1)[-1] or "document"
            stored = self._store_file(b"remote", name, "application/octet-stream")
        elif document:
            raise _bad("wrong file identifier/HTTP URL specified")
        else:
            raise _bad("there is no document in the request")
        caption = params.get("caption")
        markup = params.get("reply_markup")
        _check_markup(markup)
        message = self._new_bot_message(chat_id, params, markup)
        message["document"] = stored.document()
        if isinstance(caption, str) and caption:
            plain, entities = _format(
                params, caption, MAX_CAPTION, "message caption is too long", "caption_entities"
            )
            message["caption"] = plain
            if entities:
                message["caption_entities"] = entities
        self._messages[(chat_id, message["message_id"])] = copy.deepcopy(message)
        self._remember_sent("sendDocument", message, params, caption=caption)
        return message

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise _bad("message text is empty")
        plain, entities = _format(params, text, MAX_TEXT, "MESSAGE_TOO_LONG")
        if not plain.strip():
            raise _bad("message text is empty")
        markup = params.get("reply_markup")
        _check_markup(markup)
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        new_markup = _inline_markup(markup)
        if (
            message["text"] == plain
            and message.get("entities", []) == entities
            and message.get("reply_markup") == new_markup
        ):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = plain
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        self._set_markup(message, new_markup)
        message["edit_date"] = int(time.time())
        result = self._public_message(message)
        self._remember_sent("editMessageText", result, params, text=text)
        return result

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        markup = params.get("reply_markup")
        _check_markup(markup)
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        new_markup = _inline_markup(markup)
        if message.get("reply_markup") == new_markup:
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._set_markup(message, new_markup)
        message["edit_date"] = int(time.time())
        return self._public_message(message)

    def _delete_message(self, params: JSONDict) -> bool:
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        if self._messages.pop(key, None) is None:
            raise _bad("message to delete not found")
        return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        self._chat_id(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _answer_callback_query(self, params: JSONDict) -> bool:
        self._answer_query(params.get("callback_query_id"))
        if len(str(params.get("text") or "")) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        return True

    def _answer_inline_query(self, params: JSONDict) -> bool:
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not result.get("type"):
                raise _bad("RESULT_TYPE_INVALID")
            result_id = str(result.get("id") or "")
            if not 1 <= len(result_id.encode()) <= 64:
                raise _bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if result["type"] == "article" and not result.get("title"):
                raise _bad("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                text = str(content["message_text"] or "")
                plain, _ = _format(content, text, MAX_TEXT, "MESSAGE_TOO_LONG")
                if not plain.strip():
                    raise _bad("MESSAGE_EMPTY")
            _check_markup(result.get("reply_markup"))
        self._answer_query(params.get("inline_query_id"))
        return True

    def _answer_query(self, query_id: Any) -> None:
        key = str(query_id or "")
        if self._queries.get(key, True):  # unknown or already answered
            raise ApiError(400, _BAD_QUERY)
        self._queries[key] = True

    # --- files, commands, webhook --------------------------------------------------------------

    def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name.removeprefix("/")):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    @staticmethod
    def _commands_key(params: JSONDict) -> str:
        """Commands are stored per scope type and language: "default/", "all_private_chats/en"."""
        scope = params.get("scope")
        kind = scope.get("type", "default") if isinstance(scope, dict) else "default"
        return f"{kind}/{params.get('language_code') or ''}"

    def _set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params)
        match = re.fullmatch(r"https://[^/:]+(?::(\d+))?(/.*)?", url)
        if match is None:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if match.group(1) and match.group(1) not in ("80", "88", "443", "8443"):
            raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": params.get("max_connections", 40),
            "allowed_updates": params.get("allowed_updates"),
        }
        self._notify_updates()  # a long poll in flight now gets 409
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, _params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"]:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    # --- helpers -------------------------------------------------------------------------------

    def _notify_updates(self) -> None:
        event, self._update_event = self._update_event, asyncio.Event()
        event.set()

    def _notify_calls(self) -> None:
        event, self._call_event = self._call_event, asyncio.Event()
        event.set()

    def _new_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial:08d}"

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    @staticmethod
    def _user(
        user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def _store_file(self, content: bytes, file_name: str, mime_type: str) -> _StoredFile:
        serial = self._new_id("")
        suffix = (
            re.sub(r"[^A-Za-z0-9.]", "", file_name.rsplit(".", 1)[-1]) if "." in file_name else ""
        )
        stored = _StoredFile(
            file_id=f"BQACAgIAAxkBAAI{serial}",
            file_unique_id=f"AgAD{serial}",
            file_path=f"documents/file_{int(serial)}{'.' + suffix if suffix else ''}",
            content=bytes(content),
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def _chat_id(self, params: JSONDict) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if not isinstance(chat_id, int):
            raise _bad("chat not found")
        return chat_id

    def _chat(self, chat_id: int) -> JSONDict:
        if chat_id in self._chats:
            return copy.deepcopy(self._chats[chat_id])
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        return {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}

    def _new_bot_message(self, chat_id: int, params: JSONDict, markup: Any) -> JSONDict:
        """A new Message from the bot (not stored yet); 400 when the reply target is missing."""
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        reply_id = reply.get("message_id") or params.get("reply_to_message_id")
        target = None
        if reply_id:
            reply_chat = reply.get("chat_id", chat_id)
            target = self._messages.get((reply_chat, int(reply_id)))
            allow = reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            )
            if target is None and not allow:
                raise _bad("message to be replied not found")
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        if target is not None:
            message["reply_to_message"] = self._public_message(target, nested=False)
        self._set_markup(message, _inline_markup(markup))
        return message

    def _editable(self, params: JSONDict) -> JSONDict:
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None:
            raise _bad("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _bad("message can't be edited")
        return message

    @staticmethod
    def _set_markup(message: JSONDict, markup: JSONDict | None) -> None:
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup

    def _public_message(self, message: JSONDict, *, nested: bool = True) -> JSONDict:
        """The current state of a stored message (a sent() entry or a stale copy is accepted)."""
        chat = message.get("chat")
        current = None
        if isinstance(chat, dict) and "id" in chat and "message_id" in message:
            current = self._messages.get((int(chat["id"]), int(message["message_id"])))
        result = copy.deepcopy(current if current is not None else message)
        if current is None and "method" in message:  # a sent() entry of a deleted message
            for field in ("text", "caption"):
                if f"plain_{field}" in message:
                    result[field] = message[f"plain_{field}"]
            self._set_markup(result, _inline_markup(message.get("reply_markup")))
        for extra in ("method", "parse_mode", "plain_text", "plain_caption"):
            result.pop(extra, None)
        if not nested:
            result.pop("reply_to_message", None)
        return result

    def _remember_sent(
        self,
        method: str,
        message: JSONDict,
        params: JSONDict,
        *,
        text: str | None = None,
        caption: str | None = None,
    ) -> None:
        entry = copy.deepcopy(message)
        entry["method"] = method
        entry["parse_mode"] = params.get("parse_mode")
        entry["reply_markup"] = copy.deepcopy(params.get("reply_markup"))
        if text is not None:
            entry["plain_text"] = entry.get("text")
            entry["text"] = text
        if caption:
            entry["plain_caption"] = entry.get("caption")
            entry["caption"] = caption
        self._sent.append(entry)


def _format(
    params: JSONDict,
    text: str,
    limit: int,
    too_long: str,
    entities_field: str = "entities",
) -> tuple[str, list[JSONDict]]:
    return _format_text(
        text,
        params.get("parse_mode"),
        params.get(entities_field),
        limit=limit,
        too_long=too_long,
    )


class _LocalSession(AiohttpSession):
    """aiogram's session without the 250 ms grace sleep on close (there is no TLS on 127.0.0.1)."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(fake: FakeTelegram, **kwargs: Any) -> Bot:
    """A real aiogram Bot talking to `fake` (kwargs go to Bot, e.g. `default=`)."""
    api = TelegramAPIServer.from_base(fake.base_url)
    return Bot(fake.token, session=_LocalSession(api=api), **kwargs)


async def post_webhook_update(url: str, update: dict[str, Any], secret: str | None = None) -> int:
    """POST an update to the bot's webhook as Telegram does (secret in the header); HTTP status."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers=headers) as response,
    ):
        await response.read()
        return response.status
