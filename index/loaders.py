"""Reading articles from files, folders, feeds and web pages into `RawDocument`s.

Loading a corpus must never stop at one bad file: every unreadable file, malformed JSON line or
empty row becomes a `LoadProblem` next to the documents that did load. Output order is sorted
and ids are derived from names, so two loads of the same folder give the same documents.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from index.documents import LoadProblem, LoadResult, RawDocument
from index.fetch import Fetcher, FetchError
from index.settings import DEFAULT_MAX_SOURCE_BYTES, REPO_ROOT

MAX_FILE_BYTES = DEFAULT_MAX_SOURCE_BYTES
TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_SUFFIXES = frozenset({".json", ".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
CP1251_MIN_CYRILLIC = 0.5  # share of Russian letters among letters for a cp1251 guess
# Public addresses only, default limits: a caller that trusts its URLs passes its own fetcher.
PUBLIC_FETCHER = Fetcher()

_HTML_START_RE = re.compile(r"^\s*<(?:!doctype|html|head|body|article|div|p|section)\b", re.I)
_RU_LETTER_RE = re.compile(r"[а-яёА-ЯЁ]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Unreadable(Exception):
    """A file that cannot become text; the message is the problem's reason."""


def _source_of(path: Path) -> str:
    """Path relative to the repository when inside it (portable), else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return resolved.as_posix()


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1251 when the result reads as Russian text."""
    if b"\x00" in data:
        raise _Unreadable("binary file (NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise _Unreadable("not UTF-8 and not cp1251 text") from exc
    letters = len(_LETTER_RE.findall(text))
    russian = len(_RU_LETTER_RE.findall(text))
    if letters and russian / letters >= CP1251_MIN_CYRILLIC and not _CONTROL_RE.search(text):
        return text
    raise _Unreadable("undecodable: not UTF-8, and not Russian text in cp1251")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise _Unreadable(f"file too large ({size} bytes > {max_bytes})")
    return path.read_bytes()


def _read_text(path: Path, max_bytes: int) -> str:
    text = decode_bytes(_read_bytes(path, max_bytes))
    if not text.strip():
        raise _Unreadable("empty file")
    return text


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_START_RE.match(text))


def _field(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _row_document(row: Any, default_id: str, file_source: str) -> RawDocument | LoadProblem:
    where = f"{file_source} ({default_id})"
    if not isinstance(row, Mapping):
        return LoadProblem(where, "row is not a JSON object")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        return LoadProblem(where, "row without text")
    url = _field(row, "url")
    return RawDocument(
        doc_id=_field(row, "id") or url or default_id,
        text=text,
        source=url or file_source,
        title=_field(row, "title"),
        date=_field(row, "date"),
        is_html=_looks_like_html(text),
    )


def _json_rows(path: Path, text: str) -> Iterator[tuple[int, Any | LoadProblem]]:
    """(row number, parsed row or problem); row numbers count from 1 (JSONL: line numbers)."""
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, LoadProblem(f"{_source_of(path)}:{number}", f"malformed JSON: {exc}")
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield 1, LoadProblem(_source_of(path), f"malformed JSON: {exc}")
        return
    rows = data if isinstance(data, list) else [data]
    yield from enumerate(rows, start=1)


def _load_json_file(path: Path, text: str, result: LoadResult) -> None:
    source = _source_of(path)
    for number, row in _json_rows(path, text):
        if isinstance(row, LoadProblem):
            result.problems.append(row)
            continue
        item = _row_document(row, f"{path.stem}-{number}", source)
        if isinstance(item, LoadProblem):
            result.problems.append(item)
        else:
            result.documents.append(item)


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _files_under(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not _is_hidden(p, root) and p.suffix.lower() in SUPPORTED_SUFFIXES
    )


def _plain_ids(files: list[Path], root: Path) -> dict[Path, str]:
    """File stem, or the relative path without extension where stems clash."""
    plain = [p for p in files if p.suffix.lower() not in JSON_SUFFIXES]
    stems = Counter(p.stem for p in plain)
    ids: dict[Path, str] = {}
    for p in plain:
        if stems[p.stem] > 1:
            ids[p] = p.relative_to(root).with_suffix("").as_posix()
        else:
            ids[p] = p.stem
    return ids


def load_path(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> LoadResult:
    """Articles from a file or (recursively, sorted) a folder; bad input becomes problems."""
    result = LoadResult()
    path = Path(path)
    if not path.exists():
        result.problems.append(LoadProblem(_source_of(path), "no such file or folder"))
        return result
    if path.is_dir():
        root, files = path, _files_under(path)
    elif path.suffix.lower() in SUPPORTED_SUFFIXES:
        root, files = path.parent, [path]
    else:
        result.problems.append(
            LoadProblem(_source_of(path), f"unsupported file type {path.suffix!r}")
        )
        return result

    ids = _plain_ids(files, root)
    for file in files:
        source = _source_of(file)
        try:
            text = _read_text(file, max_bytes)
        except (_Unreadable, OSError) as exc:
            result.problems.append(LoadProblem(source, str(exc)))
            continue
        suffix = file.suffix.lower()
        if suffix in JSON_SUFFIXES:
            _load_json_file(file, text, result)
        else:
            result.documents.append(
                RawDocument(
                    doc_id=ids[file], text=text, source=source, is_html=suffix in HTML_SUFFIXES
                )
            )
    _drop_duplicate_ids(result)
    return result


def _drop_duplicate_ids(result: LoadResult) -> None:
    """Keep the first document per doc_id; ids are citation keys and must be unique."""
    seen: set[str] = set()
    kept: list[RawDocument] = []
    for doc in result.documents:
        if doc.doc_id in seen:
            result.problems.append(LoadProblem(doc.source, f"duplicate doc_id {doc.doc_id!r}"))
            continue
        seen.add(doc.doc_id)
        kept.append(doc)
    result.documents = kept


# --- feeds and web pages ----------------------------------------------------------------------


def _struct_date(value: Any) -> str | None:
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%d", value)
    return None


def load_feed(
    url_or_path: str, *, fetcher: Fetcher = PUBLIC_FETCHER, max_bytes: int = MAX_FILE_BYTES
) -> LoadResult:
    """Entries of an RSS/Atom feed at a URL (read through `fetcher`) or in a file."""
    if url_or_path.startswith(("http://", "https://")):
        try:
            fetched = fetcher.get(url_or_path)
        except FetchError as exc:
            return LoadResult(problems=[LoadProblem(url_or_path, str(exc))])
        return parse_feed(fetched.body, url_or_path)
    path = Path(url_or_path)
    if not path.is_file():
        return LoadResult(problems=[LoadProblem(url_or_path, "no such feed file")])
    try:
        data = _read_bytes(path, max_bytes)
    except (_Unreadable, OSError) as exc:
        return LoadResult(problems=[LoadProblem(url_or_path, str(exc))])
    return parse_feed(data, url_or_path)


def parse_feed(data: bytes, source: str) -> LoadResult:
    """Entries of the feed document `data` from `source`; parsing only, never fetching."""
    import feedparser

    result = LoadResult()
    try:
        # A stream, never bytes: feedparser opens bytes that name a file ("/etc/...") as one.
        feed = feedparser.parse(io.BytesIO(data))
    except Exception as exc:  # feedparser on hostile input; report, never raise
        result.problems.append(LoadProblem(source, f"feed unreadable: {exc}"))
        return result
    entries = list(getattr(feed, "entries", []) or [])
    error = getattr(feed, "bozo_exception", None) if getattr(feed, "bozo", False) else None
    benign = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    if error is not None and not isinstance(error, benign):
        # Entries recovered from broken XML are still loaded; the breakage is reported.
        result.problems.append(LoadProblem(source, f"malformed feed: {error}"))
    elif not entries:
        result.problems.append(LoadProblem(source, "empty feed: no entries"))
    if not entries:
        return result
    stem = Path(source).stem or "feed"
    for number, entry in enumerate(entries, start=1):
        link = str(entry.get("link") or "").strip()
        doc_id = link or str(entry.get("id") or "").strip() or f"{stem}-{number}"
        contents = entry.get("content") or []
        text = str(contents[0].get("value", "")) if contents else ""
        text = text or str(entry.get("summary") or "")
        if not text.strip():
            result.problems.append(LoadProblem(link or f"{source}#{number}", "entry without text"))
            continue
        date = _struct_date(entry.get("published_parsed")) or _struct_date(
            entry.get("updated_parsed")
        )
        result.documents.append(
            RawDocument(
                doc_id=doc_id,
                text=text,
                source=link or source,
                title=str(entry.get("title") or "").strip() or None,
                date=date or entry.get("published") or entry.get("updated"),
                is_html=True,
            )
        )
    _drop_duplicate_ids(result)
    return result


def load_url(url: str, *, fetcher: Fetcher = PUBLIC_FETCHER) -> LoadResult:
    """A feed's entries or a web page's article, whichever `url` serves, fetched once.

    Only `fetcher` touches the network (by default: public addresses only); the feed parser and
    trafilatura get the bytes it read.
    """
    try:
        fetched = fetcher.get(url)
    except FetchError as exc:
        return LoadResult(problems=[LoadProblem(url, str(exc))])
    feed = parse_feed(fetched.body, url)
    return feed if feed.documents else extract_article(fetched.body, url)


def extract_article(html: bytes, url: str) -> LoadResult:
    """The main text of the page `html` from `url`, with its title and date."""
    import trafilatura

    result = LoadResult()
    try:
        extracted = trafilatura.bare_extraction(
            html,
            url=url,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # a parser on hostile input: report it
        result.problems.append(LoadProblem(url, f"extraction failed: {exc}"))
        return result
    text = getattr(extracted, "text", None) if extracted is not None else None
    if not text or not text.strip():
        result.problems.append(LoadProblem(url, "no article text found on the page"))
        return result
    result.documents.append(
        RawDocument(
            doc_id=url,
            text=text,
            source=url,
            title=getattr(extracted, "title", None) or None,
            date=getattr(extracted, "date", None) or None,
        )
    )
    return result
