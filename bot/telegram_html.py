"""Formatting nodes (aiogram.utils.formatting) to the HTML Telegram parses, and back to plain text.

`Text.as_html()` is almost right, but it writes a link's URL into `href="..."` unescaped (a `"`
ends the attribute, `&lt;` changes the URL) and it orders entities by offset only, so a node
nested at the start of its parent (`Bold(Italic("a"), "b")`) comes out as broken tags
(aiogram issue #1516). The decoration below fixes both; all text is still escaped by aiogram.
"""

from __future__ import annotations

import html

from aiogram.utils.formatting import Text
from aiogram.utils.text_decorations import HtmlDecoration


class _TelegramHtml(HtmlDecoration):
    def link(self, value: str, link: str) -> str:
        return super().link(value, html.escape(link, quote=True))


_HTML = _TelegramHtml()


def to_html(node: Text) -> str:
    """The message text for parse_mode=HTML: only b, i, code, a href and blockquote tags."""
    plain, entities = node.render()
    # Outer entities first: a parent and the child it starts with share an offset.
    entities.sort(key=lambda e: (e.offset, -e.length))
    return _HTML.unparse(plain, entities)


def to_plain(node: Text) -> str:
    """What the user sees, for places with no parse mode (buttons, pop-ups, inline titles)."""
    return node.render(_collect_entities=False)[0]
