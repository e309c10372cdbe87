"""Everything the bot says on its own, in Russian and English: one table of plain-text templates.

Templates hold no markup. A value is inserted as a formatting node, so a string from a user or the
corpus is escaped by construction; emphasis is a node too (`Code(error_id)`, or a styled entry of
the table named by its placeholder, see `_STYLED`).
"""

from __future__ import annotations

from string import Formatter
from typing import Any

from aiogram.utils.formatting import Code, Italic, Text

from bot.telegram_html import to_html, to_plain

LANGUAGES = ("ru", "en")

_TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "ru": (
            "Здравствуйте! Я отвечаю на вопросы о новостях по своей базе статей и всегда "
            "показываю источники: заголовок, дату и ссылку. Если в статьях ответа нет, я так и "
            "скажу.\n\n"
            "• Просто напишите вопрос, на русском или английском.\n"
            "• /check {help_claim} — проверю утверждение по новостям.\n"
            "• /latest — последние соглашения.\n"
            "• /subscribe [{help_topic}] — оповещения о новых соглашениях; /subscriptions, "
            "/unsubscribe.\n"
            "• /lang ru|en — язык интерфейса.\n\n"
            "Например, нажмите на вопрос внизу."
        ),
        "en": (
            "Hello! I answer questions about the news from my collection of articles and always "
            "show the sources: title, date and link. If the articles do not answer, I say so.\n\n"
            "• Just type a question, in English or Russian.\n"
            "• /check {help_claim} — I check a claim against the news.\n"
            "• /latest — the newest agreements.\n"
            "• /subscribe [{help_topic}] — alerts on new agreements; /subscriptions, "
            "/unsubscribe.\n"
            "• /lang ru|en — interface language.\n\n"
            "For example, tap a question below."
        ),
    },
    "examples": {
        "ru": "Кто подписал соглашение с ZGC?|Чем Ленинградская область займётся вместе с Китаем?",
        "en": "Who signed the agreement with Beijing?|What did Moscow agree with Innobiz?",
    },
    "help_claim": {"ru": "утверждение", "en": "claim"},
    "help_topic": {"ru": "тема", "en": "topic"},
    "check_example": {
        "ru": "/check Соглашение с ZGC подписал Собянин",
        "en": "/check Moscow signed an agreement with Beijing",
    },
    "rebuild_command": {"ru": "newsbot index --rebuild", "en": "newsbot index --rebuild"},
    "lang_set": {"ru": "Язык интерфейса: русский.", "en": "Interface language: English."},
    "lang_usage": {
        "ru": "Использование: /lang ru или /lang en",
        "en": "Usage: /lang ru or /lang en",
    },
    "send_text": {
        "ru": "Я понимаю только текст: напишите вопрос словами.",
        "en": "I only understand text: please type your question.",
    },
    "unknown_command": {
        "ru": "Такой команды нет. /help — что я умею.",
        "en": "Unknown command. /help lists what I can do.",
    },
    "empty": {
        "ru": "Пустое сообщение: напишите вопрос.",
        "en": "The message is empty: please type a question.",
    },
    "too_long": {
        "ru": "Слишком длинный вопрос ({length} символов, максимум {limit}). Сократите его.",
        "en": "The question is too long ({length} characters, at most {limit}). "
        "Please shorten it.",
    },
    "rate_limited": {
        "ru": "Слишком много сообщений подряд. Подождите {seconds} с и спросите снова.",
        "en": "Too many messages in a row. Please wait {seconds} s and ask again.",
    },
    "private": {
        "ru": "Это закрытый бот: доступ только для приглашённых пользователей.",
        "en": "This bot is private: only invited users can use it.",
    },
    "error": {
        "ru": "Извините, что-то пошло не так. Код ошибки: {error_id}.",
        "en": "Sorry, something went wrong. Error id: {error_id}.",
    },
    "index_unavailable": {
        "ru": "Поиск по новостям сейчас недоступен: индекс повреждён или не построен. "
        "Администратор может выполнить {rebuild_command}.",
        "en": "News search is unavailable: the index is damaged or missing. "
        "An administrator can run {rebuild_command}.",
    },
    "sources": {"ru": "Источники", "en": "Sources"},
    "quotes": {"ru": "Цитаты", "en": "Quotes"},
    "date_unknown": {"ru": "дата неизвестна", "en": "date unknown"},
    "show_quotes": {"ru": "Показать цитаты", "en": "Show quotes"},
    "thanks": {"ru": "Спасибо за отзыв!", "en": "Thanks for the feedback!"},
    "expired": {
        "ru": "Этот ответ больше недоступен.",
        "en": "This answer is no longer available.",
    },
    "closest": {"ru": "Близкие темы в базе:", "en": "Closest topics in the collection:"},
    "check_usage": {
        "ru": "Напишите /check и утверждение, например: "
        "{check_example}. Можно ответить командой /check "
        "на пересланное сообщение.",
        "en": "Send /check followed by a claim, e.g. "
        "{check_example}. You can also reply /check "
        "to a forwarded message.",
    },
    "verdict_supported": {"ru": "✅ Подтверждается", "en": "✅ Supported"},
    "verdict_refuted": {"ru": "❌ Опровергается", "en": "❌ Refuted"},
    "verdict_not_in_corpus": {"ru": "❔ Нет в новостях", "en": "❔ Not in the news"},
    "overall": {"ru": "Итог", "en": "Overall"},
    "confidence": {"ru": "уверенность", "en": "confidence"},
    "mismatch": {"ru": "Расхождение", "en": "Mismatch"},
    "claim_says": {"ru": "в утверждении", "en": "claim"},
    "source_says": {"ru": "в источнике", "en": "source"},
    "sources_disagree": {
        "ru": "Источники расходятся между собой; сначала более новые.",
        "en": "The sources disagree with each other; newest first.",
    },
    "no_claims": {
        "ru": "Не нашёл в тексте утверждений, которые можно проверить.",
        "en": "I found no checkable claim in the text.",
    },
    "latest_title": {"ru": "Последние соглашения", "en": "Newest agreements"},
    "latest_none": {
        "ru": "В базе нет новостей о соглашениях.",
        "en": "The collection has no news about agreements.",
    },
    "admin_only": {
        "ru": "Эта команда доступна только администраторам.",
        "en": "This command is for administrators only.",
    },
    "ingest_usage": {
        "ru": "Использование: /ingest <url> или файл с подписью /ingest.",
        "en": "Usage: /ingest <url>, or a file sent with the caption /ingest.",
    },
    "ingest_too_big": {
        "ru": "Файл слишком большой ({size} байт, максимум {limit}).",
        "en": "The file is too big ({size} bytes, at most {limit}).",
    },
    "ingest_started": {"ru": "Индексирую…", "en": "Indexing…"},
    "ingest_done": {
        "ru": "Готово: добавлено {added}, изменено {changed}, удалено {removed}; "
        "всего документов {documents}, фрагментов {chunks}.",
        "en": "Done: {added} added, {changed} changed, {removed} removed; "
        "{documents} documents, {chunks} chunks in all.",
    },
    "ingest_nothing": {
        "ru": "Не нашёл в источнике читаемой статьи: {problems}",
        "en": "No readable article found in the source: {problems}",
    },
    "busy_indexing": {
        "ru": "Индекс уже обновляется; попробуйте позже.",
        "en": "The index is already being updated; try again later.",
    },
    "stats": {
        "ru": "Документов: {documents}\nФрагментов: {chunks}\nПользователей: {users}\n"
        "Подписок: {subscriptions}\nОтправлено оповещений: {alerts}\nОтветов: {answers}\n"
        "p95 времени ответа: {p95}\nОтзывы: 👍 {up} / 👎 {down}",
        "en": "Documents: {documents}\nChunks: {chunks}\nUsers: {users}\n"
        "Subscriptions: {subscriptions}\nAlerts sent: {alerts}\nAnswers: {answers}\n"
        "p95 answer time: {p95}\nFeedback: 👍 {up} / 👎 {down}",
    },
    "alert_all": {
        "ru": "Вы подписаны на все новые соглашения.",
        "en": "You subscribed to all new agreements.",
    },
    "alert_topic": {
        "ru": "Ваша тема «{topic}»: {reason}",
        "en": "Your topic “{topic}”: {reason}",
    },
    "also_reported": {"ru": "Об этом также сообщают", "en": "Also reported by"},
    "subscribed_all": {
        "ru": "Готово: буду присылать все новые соглашения. /unsubscribe all — отписаться.",
        "en": "Done: I will send you every new agreement. /unsubscribe all to stop.",
    },
    "subscribed_topic": {
        "ru": "Готово: буду присылать новые соглашения по теме «{topic}».",
        "en": "Done: I will send you new agreements about “{topic}”.",
    },
    "already_subscribed": {
        "ru": "Вы уже подписаны на это.",
        "en": "You are already subscribed to that.",
    },
    "subscriptions": {"ru": "Ваши подписки:", "en": "Your subscriptions:"},
    "all_agreements": {"ru": "все новые соглашения", "en": "all new agreements"},
    "no_subscriptions": {
        "ru": "Подписок нет. /subscribe — все новые соглашения, /subscribe <тема> — по теме.",
        "en": "No subscriptions. /subscribe for all new agreements, /subscribe <topic> for one "
        "topic.",
    },
    "unsubscribe_usage": {
        "ru": "Использование: /unsubscribe <тема> или /unsubscribe all",
        "en": "Usage: /unsubscribe <topic> or /unsubscribe all",
    },
    "unsubscribed": {"ru": "Отписал: {count}.", "en": "Removed: {count}."},
    "topic_too_long": {
        "ru": "Тема слишком длинная (максимум {limit} символов).",
        "en": "The topic is too long (at most {limit} characters).",
    },
    "ingest_too_big_unsized": {
        "ru": "Файл больше {limit} байт — это максимум для /ingest. Ничего не сохранено.",
        "en": "The file is larger than {limit} bytes, the most /ingest reads. Nothing was kept.",
    },
    "ingest_too_many": {
        "ru": "Не проиндексировано: в источнике {found} документов, а один /ingest добавляет "
        "не больше {limit}. Разделите его на части поменьше.",
        "en": "Not indexed: the source has {found} documents, and one /ingest adds at most "
        "{limit}. Split it into smaller parts.",
    },
    "inline_no_answer": {"ru": "Ответа в новостях нет", "en": "No answer in the news"},
}


def normalise_language(code: str | None) -> str:
    """Telegram's language_code ("ru", "en-US", "uk") to one of the bot's two languages."""
    if code and code.split("-")[0].lower() in {"ru", "uk", "be", "kk"}:
        return "ru"
    return "en"


# A placeholder that names another entry (`{help_claim}`) is filled with that entry, shown in the
# style given here: templates stay plain text, and a word and its emphasis are translated once.
_STYLED: dict[str, type[Text]] = {
    "help_claim": Italic,
    "help_topic": Italic,
    "check_example": Code,
    "rebuild_command": Code,
}


def phrase(key: str, language: str, **values: Any) -> Text:
    """The entry as a formatting node; each value is inserted as a node (a string is escaped).

    A value may itself be a node (`Code(error_id)`); a format spec (`{n:,}`) applies to the rest.
    """
    entry = _TEXTS[key]
    template = entry.get(language) or entry["en"]
    formatter = Formatter()
    nodes: list[Any] = []
    for literal, field, spec, conversion in formatter.parse(template):
        if literal:
            nodes.append(literal)
        if field is None:
            continue
        if field in values:
            value = values[field]
        elif field in _TEXTS:  # another entry of the table, in its style if it has one
            value = _STYLED.get(field, Text)(phrase(field, language))
        else:
            raise KeyError(f"text {key!r} needs a value for {{{field}}}")
        if isinstance(value, Text):
            nodes.append(value)
        else:
            nodes.append(
                formatter.format_field(formatter.convert_field(value, conversion), spec or "")
            )
    return Text(*nodes)


def text(key: str, language: str, **values: Any) -> str:
    """The entry as Telegram HTML, for messages sent with parse_mode=HTML."""
    return to_html(phrase(key, language, **values))


def plain(key: str, language: str, **values: Any) -> str:
    """The entry as the user reads it, for buttons, pop-ups and inline titles (no parse mode)."""
    return to_plain(phrase(key, language, **values))


def examples(language: str) -> list[str]:
    return plain("examples", language).split("|")
