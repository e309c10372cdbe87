"""Turning a scraped article into clean body paragraphs, a title, a date and a language.

Scraped news carries site furniture around the article: navigation, counters, share and
comment prompts, "related news" tails, repeated section names, notices about the site itself.
Answers quote the cleaned text verbatim, so the rules here remove whole lines only and never
rewrite characters inside a kept paragraph (whitespace runs aside).

The rules are general, by category (RU + EN), and data-driven: `LINE_RULES` lists compiled
patterns per category; each structural rule (repeats, header, tail, site notices) is a small
pure function over the list of lines.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from razdel import sentenize

from index.documents import Document, RawDocument
from nlp.dates import find_header_date, is_date_only_line, parse_date
from nlp.language import detect_language

# --- sizes ------------------------------------------------------------------------------------
BOILERPLATE_MAX_CHARS = 200  # furniture lines are short; longer lines are never pattern-dropped
HEADER_MAX_LINES = 4  # leading non-sentence lines treated as header (rubric, headline, date)
EDGE_LINES = 8  # site notices are looked for only this close to the start or the end
NOTICE_MAX_CHARS = 250
NOTICE_MAX_GAP = 5  # lines between two notice lines that belong to the same notice block
SECTION_NAME_MAX_WORDS = 4  # a short line repeated 2+ times is a section name / menu item
SECTION_NAME_MAX_CHARS = 40
SENTENCE_MIN_WORDS = 4
LONG_PARAGRAPH_WORDS = 25  # this many words make a paragraph real even without a final period
HEADLINE_MIN_WORDS = 5  # a rubric ("World", "Science news") is shorter than a headline
TITLE_MAX_CHARS = 120
MIN_FRAGMENT_BODY_WORDS = 5  # a text of fragments only is kept when it has at least this much

_FLAGS = re.IGNORECASE


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, _FLAGS) for p in patterns)


@dataclass(frozen=True)
class LineRule:
    """A category of site furniture: a line matching any pattern (searched) is dropped."""

    category: str
    patterns: tuple[re.Pattern[str], ...]
    max_chars: int = BOILERPLATE_MAX_CHARS

    def matches(self, bare: str) -> bool:
        return len(bare) <= self.max_chars and any(p.search(bare) for p in self.patterns)


_SOCIAL = (
    r"facebook|twitter|x|vk|вконтакте|вк|telegram|телеграм|whatsapp|viber|одноклассники|ok"
    r"|linkedin|reddit|email|e-mail|pinterest|дзен|mail\.ru"
)
_READ_ON = (
    r"читать далее|читать полностью|читать дальше|читать ещ[её]|подробнее|узнать больше"
    r"|read more|read full (?:story|article)|continue reading|learn more|more|далее"
    r"|читайте также|читайте ещ[её]|читайте нас|смотрите также|см\. также|see also|also read"
    r"|related(?: news| articles| stories| posts)?|по теме|ещ[её] по теме|похожие (?:новости"
    r"|материалы|статьи|публикации)|другие (?:новости|материалы)|последние новости"
    r"|more (?:news|stories)|latest news|top stories|самое (?:читаемое|популярное)|most read"
    r"|популярное|рекомендуем|recommended"
)

LINE_RULES: tuple[LineRule, ...] = (
    LineRule(
        "navigation",
        _rx(
            # breadcrumbs: "Главная / Новости / Экономика", "Home > News"
            r"^(?:главная(?: страница)?|на главную|home(?:page)?)"
            r"(?:\s*[/>»›|→\\]\s*[^/>»›|→]{1,60})*$",
            r"^(?:[^/>»›|→\n]{1,30}\s[/>»›|→]\s){2,}[^/>»›|→\n]{1,60}$",
            r"^(?:[←→<]\s*)?(?:назад|вперед|вперёд|наверх|back|back to top|to top|next|previous"
            r"|prev|следующая|предыдущая)(?:\s+(?:статья|новость|запись|страница|article|post"
            r"|story|page))?\s*[»›→←<>.]*$",
            r"^(?:[←→]\s*)?(?:предыдущая|следующая|previous|next)\s+(?:статья|новость|запись"
            r"|article|post|story)\b",
            r"^(?:меню|menu|поиск|search|войти|вход|login|log in|sign in|регистрация|register"
            r"|sign up|контакты|contacts|contact us|about us|о нас|о проекте|карта сайта"
            r"|sitemap|rss)$",
        ),
    ),
    LineRule("read_more", _rx(rf"^(?:{_READ_ON})\s*(?:[:.…»>→|-]+.{{0,150}})?$")),
    LineRule(
        "counter",
        _rx(
            r"^(?:просмотр\w*|views?|прочтени\w*|reads?|комментари\w*|comments?|лайк\w*|likes?)"
            r"\s*[:\-]?\s*\d[\d\s.,]*(?:k|к|тыс\.?)?$",
            r"^\d[\d\s.,]*(?:k|к|тыс\.?)?\s*(?:просмотр\w*|views?|прочтени\w*|reads?"
            r"|комментари\w*|comments?|лайк\w*|likes?)$",
            r"^\d{1,9}$",  # a bare number: a counter whose label was an icon
            r"^\d{1,2}\+$",  # age rating "18+"
        ),
    ),
    LineRule(
        "comment_prompt",
        _rx(
            r"(?:войдите|авторизуйтесь|зарегистрируйтесь|залогиньтесь).{0,60}комментар",
            r"чтобы (?:оставить|написать|добавить|отправить) комментари",
            r"комментари\w* (?:могут оставлять|доступны только)",
            r"^(?:оставить|добавить|написать|оставьте) (?:комментарий|отзыв|ответ)",
            r"^комментари[ийя]\s*(?:\(\d+\)|:?\s*\d*)$|^нет комментариев",
            r"(?:log ?in|sign ?in|logged in|register).{0,40}(?:post|leave|add|write).{0,10}"
            r"(?:comments?|reply)",
            r"^(?:leave|post|add|write) a (?:comment|reply)|^comments?\s*(?:\(\d+\)|:?\s*\d*)$"
            r"|^no comments",
        ),
    ),
    LineRule(
        "share_subscribe",
        _rx(
            rf"^(?:поделиться|поделитесь|share(?: this)?(?: (?:article|story|post))?|tweet"
            rf"|твитнуть|отправить другу|print|печать|версия для печати|print version|{_SOCIAL})"
            rf"(?:[\s,:|/•·]+(?:в|on|to|{_SOCIAL}))*[\s:]*$",
            r"^(?:подписывайтесь|подпишитесь|subscribe|follow us|следите за (?:нами|новостями)"
            r"|присоединяйтесь к нам|sign up for (?:our|the) newsletter|join us on)\b",
            r"^(?:нашли ошибку|нашли опечатку|заметили ошибку|found a (?:typo|mistake))",
        ),
    ),
    LineRule(
        "cookie",
        _rx(
            r"(?:cookie|куки|кукис).{0,200}(?:использ|принима|соглас|политик|accept|agree"
            r"|policy|consent)",
            r"(?:использ\w*|продолжая|we use|uses|by continuing).{0,200}(?:cookie|куки)",
        ),
        max_chars=400,
    ),
    LineRule(
        "source_stub",
        _rx(
            r"^(?:источник(?:\(и\)|и)?|source(?:\(s\)|s)?|фото|photo|фотография|видео|video"
            r"|автор|author|теги|tags|метки|рубрик[аи]|category|categories)\s*[:：]?\s*$",
            r"^(?:теги|метки|tags|ключевые слова|keywords)\s*:",
        ),
    ),
    LineRule(
        "partner",
        _rx(
            r"^(?:новости|материалы|статьи) партн[её]ров|^партн[её]рские (?:новости|материалы)"
            r"|^(?:partner|partners') (?:news|content|stories)|^from (?:our|the) partners"
            r"|^(?:sponsored|promoted)(?: content| stories| posts)?$|^реклама$|^advertis\w*$"
            r"|^на правах рекламы|^промо$|^спецпроект$",
        ),
    ),
    LineRule(
        "copyright",
        _rx(r"^(?:©|\(c\)|copyright)|все права защищены|all rights reserved"),
        max_chars=250,
    ),
    LineRule("hashtags", _rx(r"^(?:#[^\W_][\w-]*[\s,;]*)+$")),
    LineRule("symbols", _rx(r"^[\W_]*$")),  # "###", "***", "• • •"
)

# Site notices: addressed to the reader (or about a move) and about the website itself.
_READER_RE = re.compile(
    r"\b(?:вы|вас|вам|вами|ваш\w*|друзья|уважаемые|дорогие|you|your|dear)\b", _FLAGS
)
_SITE_RE = re.compile(
    r"\b(?:сайт\w*|веб-?сайт\w*|портал\w*|платформ\w*|домен\w*|website|site|portal|platform"
    r"|domain|web address)\b|(?<![@\w.-])(?:[\w-]+\.)+(?:ru|рф|su|com|org|net|info|io|me)\b",
    _FLAGS,
)
_MIGRATION_RE = re.compile(
    r"переех\w*|переезд\w*|перенес\w*|нов\w*\s+(?:адрес|платформ|сайт|домен|верси)\w*|moved"
    r"|migrat\w*|new (?:address|domain|website|site|platform|home)",
    _FLAGS,
)

_BULLET_RE = re.compile(r"^(?:[-–—•·*►▶>»]+\s*)+")
_MD_HEADING_RE = re.compile(r"^#{1,6}\s+(?=\S)")
_SPACES_RE = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE_RE = re.compile(r"[\u200b\u2060\ufeff]")
_WORD_RE = re.compile(r"[^\W_]+")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'»”’)\]]*$")
_STRONG_END_RE = re.compile(r"[.…][\"'»”’)\]]*$")
_OPEN_END_RE = re.compile(r"[.!?…:;\"'»”’)\]]$")


# --- line helpers -----------------------------------------------------------------------------


def normalise_line(line: str) -> str:
    """Whitespace runs -> one space, invisible marks removed, markdown heading marks dropped."""
    line = _INVISIBLE_RE.sub("", line)
    line = _SPACES_RE.sub(" ", line).strip()
    return _MD_HEADING_RE.sub("", line)


def _bare(line: str) -> str:
    """The line as rules see it: lower-case, without list bullets ("- Теги:")."""
    return _BULLET_RE.sub("", line).strip().lower()


def _words(line: str) -> int:
    return len(_WORD_RE.findall(line))


def is_sentence_like(line: str) -> bool:
    """A real paragraph: a finished sentence of a few words, or simply a long text."""
    words = _words(line)
    if words >= LONG_PARAGRAPH_WORDS:
        return True
    if _STRONG_END_RE.search(line):
        return words >= SENTENCE_MIN_WORDS
    # "?"/"!" also ends many headlines, so a short question is not enough.
    return bool(_SENTENCE_END_RE.search(line)) and words >= 2 * SENTENCE_MIN_WORDS


def split_lines(text: str) -> list[str]:
    """Normalised non-empty lines; lines of a hard-wrapped paragraph are joined back."""
    lines: list[str] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        previous: str | None = None
        for raw_line in block.split("\n"):
            line = normalise_line(raw_line)
            if not line:
                continue
            if previous is not None and not _OPEN_END_RE.search(previous) and line[0].islower():
                previous = f"{previous} {line}"
                lines[-1] = previous
                continue
            lines.append(line)
            previous = line
    return lines


def boilerplate_category(line: str) -> str | None:
    """The furniture category of one line, or None for content."""
    bare = _bare(line)
    if is_date_only_line(bare):
        return "date_line"
    for rule in LINE_RULES:
        if rule.matches(bare):
            return rule.category
    return None


def is_site_notice(line: str) -> bool:
    """A message to readers about the website itself (moved, new platform, new address)."""
    if len(line) > NOTICE_MAX_CHARS or not _SITE_RE.search(line):
        return False
    return bool(_READER_RE.search(line) or _MIGRATION_RE.search(line))


# --- structural rules (each: list of lines -> list of lines) ---------------------------------


def drop_boilerplate_lines(lines: Sequence[str]) -> list[str]:
    return [line for line in lines if boilerplate_category(line) is None]


def drop_site_notices(lines: Sequence[str]) -> list[str]:
    """Notice lines near the edges, plus the short lines enclosed by two of them."""
    n = len(lines)
    edge = sorted(set(range(min(EDGE_LINES, n))) | set(range(max(0, n - EDGE_LINES), n)))
    hits = [i for i in edge if is_site_notice(lines[i])]
    drop = set(hits)
    for a, b in itertools.pairwise(hits):
        if b - a <= NOTICE_MAX_GAP + 1 and all(
            len(lines[k]) <= NOTICE_MAX_CHARS for k in range(a, b)
        ):
            drop.update(range(a, b + 1))
    return [line for i, line in enumerate(lines) if i not in drop]


def _key(line: str) -> str:
    return line.casefold().replace("ё", "е")


def _is_section_name(line: str) -> bool:
    return (
        len(line) <= SECTION_NAME_MAX_CHARS
        and _words(line) <= SECTION_NAME_MAX_WORDS
        and not is_sentence_like(line)
    )


def drop_repeated_section_names(lines: Sequence[str]) -> list[str]:
    """A short non-sentence line occurring 2+ times is a menu/section name: drop every copy."""
    counts = Counter(_key(line) for line in lines if _is_section_name(line))
    return [line for line in lines if counts.get(_key(line), 0) < 2]


def collapse_repeated_paragraphs(lines: Sequence[str]) -> list[str]:
    """A paragraph that occurs again later in the same document is kept once (the first)."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        key = _key(line)
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


def split_header(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """(header fragments, rest): the leading non-sentence lines (rubric, headline, dateline)."""
    count = 0
    while count < min(HEADER_MAX_LINES, len(lines)) and not is_sentence_like(lines[count]):
        count += 1
    if count == len(lines):  # nothing but fragments: no header/body distinction to make
        return [], list(lines)
    return list(lines[:count]), list(lines[count:])


def drop_tail_fragments(lines: Sequence[str]) -> list[str]:
    """Everything after the last real paragraph ("related news" headlines, dates, counters)."""
    for i in range(len(lines) - 1, -1, -1):
        if is_sentence_like(lines[i]):
            return list(lines[: i + 1])
    return list(lines)


# --- title, date, html ------------------------------------------------------------------------


def choose_title(header: Sequence[str]) -> str | None:
    """The first headline-sized header line, else the longest one (rubrics are short)."""
    candidates = [line for line in header if _words(line) >= 1 and not line.endswith(":")]
    for line in candidates:
        if _words(line) >= HEADLINE_MIN_WORDS:
            return line
    return max(candidates, key=len, default=None)


def first_sentence_title(text: str) -> str:
    """The first sentence, cut at a word boundary when longer than TITLE_MAX_CHARS."""
    first = next((s.text for s in sentenize(text) if s.text.strip()), text).strip()
    if len(first) <= TITLE_MAX_CHARS:
        return first
    cut = first.rfind(" ", 0, TITLE_MAX_CHARS)
    return first[: cut if cut > 0 else TITLE_MAX_CHARS].rstrip(" ,;:-—") + "…"


@dataclass(frozen=True)
class ExtractedHtml:
    text: str
    title: str | None = None
    date: str | None = None


_DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "nav", "header", "footer",
    "aside", "form", "button", "select",
)  # fmt: skip
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
    "ol", "blockquote", "pre", "table", "tr", "td", "th", "dd", "dt", "figcaption", "br", "hr",
}  # fmt: skip


def _lxml_text(html: str) -> ExtractedHtml:
    """Fallback extraction: visible text of block elements, scripts/styles/navigation removed."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ExtractedHtml("")
    for element in tree.xpath("//comment()"):
        element.getparent().remove(element)
    for tag in _DROP_TAGS:
        for element in tree.xpath(f"//{tag}"):
            element.drop_tree()
    title_nodes = tree.xpath("//h1") or tree.xpath("//title")
    title = normalise_line(title_nodes[0].text_content()) if title_nodes else None
    for element in tree.xpath("//title"):
        element.drop_tree()
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    return ExtractedHtml(str(tree.text_content()), title or None)


def extract_html(html: str) -> ExtractedHtml:
    """Main text (and title/date metadata) of an HTML page: trafilatura, else lxml."""
    import trafilatura  # imported on first HTML page: it is slow to import and often unused

    try:
        result = trafilatura.bare_extraction(
            html,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
            # Only dates the page states about itself; no guessing from arbitrary text.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # a third-party parser on hostile input; fall back
        result = None
    text = getattr(result, "text", None) if result is not None else None
    if text and text.strip():
        return ExtractedHtml(
            text, getattr(result, "title", None) or None, getattr(result, "date", None) or None
        )
    return _lxml_text(html)


def _parse_optional(value: str | None) -> date | None:
    return parse_date(value) if value else None


def content_hash(title: str, date_iso: str | None, text: str, source: str) -> str:
    payload = json.dumps([title, date_iso, text, source], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- the pipeline -----------------------------------------------------------------------------

LineStep = Callable[[Sequence[str]], list[str]]
LINE_STEPS: tuple[LineStep, ...] = (
    drop_boilerplate_lines,
    drop_site_notices,
    drop_repeated_section_names,
    collapse_repeated_paragraphs,
)


def clean_document(raw: RawDocument) -> Document | None:
    """The cleaned article, or None when nothing but boilerplate remains."""
    given_title = normalise_line(raw.title) if raw.title else ""
    given_date = _parse_optional(raw.date)
    text = raw.text
    if raw.is_html:
        extracted = extract_html(raw.text)
        text = extracted.text
        given_title = given_title or normalise_line(extracted.title or "")
        given_date = given_date or _parse_optional(extracted.date)

    lines = split_lines(text)
    found = find_header_date(lines)
    for step in LINE_STEPS:
        lines = step(lines)
    header, body = split_header(lines)
    body = drop_tail_fragments(body)
    if given_title and body and _key(body[0].rstrip(".")) == _key(given_title.rstrip(".")):
        body = body[1:]
    if not any(is_sentence_like(line) for line in body) and (
        sum(_words(line) for line in body) < MIN_FRAGMENT_BODY_WORDS
    ):
        return None

    body_text = "\n\n".join(body)
    title = given_title or choose_title(header) or first_sentence_title(body_text)
    when = given_date or (found[0] if found else None)
    date_iso = when.isoformat() if when else None
    return Document(
        doc_id=raw.doc_id,
        title=title,
        text=body_text,
        source=raw.source,
        language=detect_language(f"{title}\n{body_text}"),
        date=date_iso,
        content_hash=content_hash(title, date_iso, body_text, raw.source),
    )
