"""Everything the bot says on its own, in Russian and English, from the gettext catalogues.

The entries (bot/locales/*/LC_MESSAGES/newsbot.po, read by bot.i18n) are plain-text templates
with no markup. A value is inserted as a formatting node, so a string from a user or the
corpus is escaped by construction; emphasis is a node too (`Code(error_id)`, or a styled entry
of the catalogue named by its placeholder, see `_STYLED`).
"""

from __future__ import annotations

from string import Formatter
from typing import Any

from aiogram.utils.formatting import Code, Italic, Text

from bot.i18n import DEFAULT_LOCALE, catalogues, keys, plural_keys
from bot.telegram_html import to_html, to_plain

LANGUAGES = ("ru", "en")


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
    "rebuild_command": Code,
}


def template(key: str, language: str, n: int | None = None) -> str:
    """The catalogue entry in `language` (the default one's if that has none); an entry with
    plural forms needs the count `n`, which picks the form."""
    if key not in keys():
        raise KeyError(f"no text {key!r} in the catalogues")
    plural = key in plural_keys()
    if plural != (n is not None):
        raise TypeError(f"text {key!r} {'needs' if plural else 'takes no'} a count n")
    locale = language if language in LANGUAGES else DEFAULT_LOCALE
    if n is None:
        return catalogues().gettext(key, locale=locale)
    return catalogues().gettext(key, key, n, locale=locale)


def phrase(key: str, language: str, n: int | None = None, **values: Any) -> Text:
    """The entry as a formatting node; each value is inserted as a node (a string is escaped).

    A value may itself be a node (`Code(error_id)`); a format spec (`{n:,}`) applies to the rest.
    A plural entry takes its count as `n`, shown where the entry says `{n}`.
    """
    if n is not None:
        values = {"n": n, **values}
    formatter = Formatter()
    nodes: list[Any] = []
    for literal, field, spec, conversion in formatter.parse(template(key, language, n)):
        if literal:
            nodes.append(literal)
        if field is None:
            continue
        if field in values:
            value = values[field]
        elif field in keys():  # another entry of the catalogue, in its style if it has one
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


def text(key: str, language: str, n: int | None = None, **values: Any) -> str:
    """The entry as Telegram HTML, for messages sent with parse_mode=HTML."""
    return to_html(phrase(key, language, n, **values))


def plain(key: str, language: str, n: int | None = None, **values: Any) -> str:
    """The entry as the user reads it, for buttons, pop-ups and inline titles (no parse mode)."""
    return to_plain(phrase(key, language, n, **values))


# A button's text; a longer title is cut at a word (the question still finds its article).
EXAMPLE_TITLE_CHARS = 80


def example_question(title: str, language: str) -> str:
    """A tap-able question about an article, from its title: reads well on any corpus."""
    title = " ".join(title.split())
    if len(title) > EXAMPLE_TITLE_CHARS:
        title = title[: EXAMPLE_TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"
    return plain("example_question", language, title=title)
