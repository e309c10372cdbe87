"""Loaders: files, folders, JSON/JSONL, bad input as problems, feeds, and a local web page."""

from __future__ import annotations

import http.server
import ipaddress
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from index.cleaning import clean_document
from index.documents import LoadProblem
from index.fetch import Fetcher, FetchPolicy
from index.loaders import load_feed, load_path, load_url
from index.settings import REPO_ROOT
from index.sources import TooManyDocumentsError, load_sources

RU_TEXT = "Городские власти открыли новый парк на севере столицы. Работы продолжатся весной.\n"
EN_TEXT = "The city council opened a new park in the north. Work will continue in spring.\n"


def reasons(result_problems: Sequence[LoadProblem]) -> str:
    return " | ".join(str(p) for p in result_problems)


def test_bundled_corpus_loads_with_repo_relative_sources() -> None:
    result = load_path(REPO_ROOT / "data" / "corpus")
    assert result.problems == []
    assert [d.doc_id for d in result.documents] == sorted(d.doc_id for d in result.documents)
    assert len(result.documents) == 5
    first = result.documents[0]
    assert first.doc_id == "000_d237f05f24a2a3fe"
    assert first.source == "data/corpus/000_d237f05f24a2a3fe.txt"
    assert not first.is_html and first.title is None


def test_folder_with_bad_files_reports_problems_and_loads_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(RU_TEXT, encoding="utf-8")
    (tmp_path / "b.md").write_text("# Park\n\n" + EN_TEXT, encoding="utf-8")
    (tmp_path / "c.html").write_text(f"<html><body><p>{EN_TEXT}</p></body></html>")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + RU_TEXT.encode())
    (tmp_path / "win.txt").write_bytes(RU_TEXT.encode("cp1251"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 4)
    (tmp_path / "latin1.txt").write_bytes(
        "Café crème, naïve résumé déjà vu. ".encode("latin-1") * 5
    )
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n ")
    (tmp_path / ".hidden.txt").write_text(RU_TEXT)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text(RU_TEXT)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00")  # unsupported types are skipped

    result = load_path(tmp_path)
    ids = [d.doc_id for d in result.documents]
    assert ids == ["a", "b", "bom", "c", "win"]
    by_id = {d.doc_id: d for d in result.documents}
    assert by_id["c"].is_html and not by_id["a"].is_html
    assert by_id["bom"].text == RU_TEXT  # BOM stripped
    assert by_id["win"].text == RU_TEXT  # cp1251 recognised as Russian
    problems = {Path(p.source).name: p.reason for p in result.problems}
    assert set(problems) == {"binary.txt", "latin1.txt", "empty.txt", "blank.md"}, reasons(
        result.problems
    )
    assert "binary" in problems["binary.txt"]
    assert "undecodable" in problems["latin1.txt"]
    assert "empty" in problems["empty.txt"] and "empty" in problems["blank.md"]
    assert all(Path(p.source).is_absolute() for p in result.problems)  # tmp is outside the repo


def test_json_and_jsonl_rows(tmp_path: Path) -> None:
    rows = [
        {"id": 7, "title": "Park", "text": EN_TEXT, "date": "2021-03-12", "url": "https://x/1"},
        {"title": "No id", "text": RU_TEXT, "url": "https://x/2"},
        {"title": "Nothing", "text": RU_TEXT},
        {"title": "Empty", "text": "   "},
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(2, '{"title": "broken", "text": ')  # malformed line 3
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "one.json").write_text(json.dumps({"text": RU_TEXT, "title": "Один"}))
    (tmp_path / "list.json").write_text(json.dumps([{"text": EN_TEXT}, "not an object"]))
    (tmp_path / "bad.json").write_text("{not json")

    result = load_path(tmp_path)
    docs = {d.doc_id: d for d in result.documents}
    assert set(docs) == {"7", "https://x/2", "feed-4", "one-1", "list-1"}
    assert docs["7"].title == "Park" and docs["7"].date == "2021-03-12"
    assert docs["7"].source == "https://x/1"
    assert docs["feed-4"].source.endswith("feed.jsonl")
    why = reasons(result.problems)
    assert "feed.jsonl:3" in why and "malformed JSON" in why
    assert "row without text" in why  # feed-5
    assert "row is not a JSON object" in why  # list-2
    assert "bad.json" in why
    assert len(result.problems) == 4


def test_stem_clash_uses_relative_path(tmp_path: Path) -> None:
    (tmp_path / "ru").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "ru" / "news.txt").write_text(RU_TEXT)
    (tmp_path / "en" / "news.txt").write_text(EN_TEXT)
    (tmp_path / "en" / "solo.txt").write_text(EN_TEXT)
    ids = [d.doc_id for d in load_path(tmp_path).documents]
    assert ids == ["en/news", "solo", "ru/news"]  # sorted by path; only clashing stems change


def test_deterministic_order(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "sub/c.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(RU_TEXT)
    first = load_path(tmp_path)
    second = load_path(tmp_path)
    assert first == second
    assert [d.doc_id for d in first.documents] == ["a", "b", "c"]


def test_size_limit_and_missing_and_unsupported(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(RU_TEXT * 50)
    result = load_path(big, max_bytes=100)
    assert result.documents == [] and "too large" in result.problems[0].reason
    assert "no such" in load_path(tmp_path / "missing.txt").problems[0].reason
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    assert "unsupported" in load_path(tmp_path / "x.pdf").problems[0].reason


def test_single_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(RU_TEXT)
    result = load_path(path)
    assert [d.doc_id for d in result.documents] == ["story"]
    doc = clean_document(result.documents[0])
    assert doc is not None and doc.language == "ru"


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>City news</title><link>https://news.example/</link>
<description>d</description>
<item><title>Park opens</title><link>https://news.example/park</link>
<pubDate>Fri, 12 Mar 2021 09:00:00 +0300</pubDate>
<description>&lt;p&gt;{body}&lt;/p&gt;</description></item>
<item><title>No text</title><link>https://news.example/empty</link></item>
</channel></rss>
"""


def test_feed_entries(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(RSS.format(body=EN_TEXT.strip()), encoding="utf-8")
    result = load_feed(str(feed))
    assert [d.doc_id for d in result.documents] == ["https://news.example/park"]
    raw = result.documents[0]
    assert raw.title == "Park opens" and raw.date == "2021-03-12" and raw.is_html
    assert raw.source == "https://news.example/park"
    assert "entry without text" in reasons(result.problems)
    doc = clean_document(raw)
    assert doc is not None and doc.text == EN_TEXT.strip() and doc.date == "2021-03-12"


def test_malformed_feed_is_a_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel><item><title>oops</title></chann")
    result = load_feed(str(bad))
    assert result.problems and "malformed feed" in result.problems[0].reason
    missing = load_feed(str(tmp_path / "missing.xml"))
    assert missing.documents == [] and "no such" in missing.problems[0].reason


PAGE = f"""<html><head><title>City opens a new park</title>
<meta property="article:published_time" content="2021-03-12T10:00:00+03:00"></head><body>
<nav>Home | News | Sport</nav><article><h1>City opens a new park</h1>
<p>{EN_TEXT.strip()} The mayor attended the opening ceremony together with residents.</p>
<p>More than two thousand trees were planted and several playgrounds were built.</p>
</article><script>var secret = 'SCRIPT';</script></body></html>"""


# What the tests' own server on 127.0.0.1 serves; a test may add paths.
ROUTES: dict[str, tuple[str, bytes]] = {}
REQUESTS: list[str] = []
# The test server is on 127.0.0.1: allowed explicitly, as an operator would an intranet host.
LOCAL = Fetcher(FetchPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),)))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        REQUESTS.append(self.path)
        routes = {"/article": ("text/html; charset=utf-8", PAGE.encode()), **ROUTES}
        if self.path not in routes:
            self.send_error(404)
            return
        content_type, body = routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        ROUTES.clear()
        REQUESTS.clear()


def test_load_url_from_local_server(local_server: str) -> None:
    result = load_url(f"{local_server}/article", fetcher=LOCAL)
    assert result.problems == []
    (raw,) = result.documents
    assert raw.doc_id == raw.source == f"{local_server}/article"
    assert raw.title == "City opens a new park" and raw.date == "2021-03-12"
    assert "two thousand trees" in raw.text and "SCRIPT" not in raw.text
    assert REQUESTS == ["/article"]  # tried as a feed and as a page, fetched once


def test_load_url_errors_are_problems(local_server: str) -> None:
    missing = load_url(f"{local_server}/nope", fetcher=LOCAL)
    assert missing.documents == [] and missing.problems[0].reason == "HTTP 404"
    # Public addresses only by default: a private address is refused, not fetched
    blocked = load_url(f"{local_server}/article")
    assert blocked.documents == []
    assert blocked.problems[0].reason == "refused: 127.0.0.1 is a private address"
    closed = load_url("http://127.0.0.1:9/x", fetcher=LOCAL)
    assert closed.documents == [] and "could not connect" in closed.problems[0].reason
    assert REQUESTS == ["/nope"]


def test_load_sources_refuses_a_feed_on_an_internal_address(local_server: str) -> None:
    """The review's reproduction: an RSS document behind a metadata-like loopback URL."""
    ROUTES["/latest/meta-data"] = ("application/rss+xml", RSS.format(body=EN_TEXT).encode())
    url = f"{local_server}/latest/meta-data"
    loaded = load_sources([url])
    assert loaded.documents == []
    assert [(p.source, p.reason) for p in loaded.problems] == [
        (url, "refused: 127.0.0.1 is a private address")
    ]
    assert REQUESTS == []
    allowed = load_sources([url], fetcher=LOCAL)
    assert [d.doc_id for d in allowed.documents] == ["https://news.example/park"]
    assert REQUESTS == ["/latest/meta-data"]


def test_a_feed_body_naming_a_local_file_is_not_opened(local_server: str, tmp_path: Path) -> None:
    secret = tmp_path / "internal.xml"
    secret.write_text(RSS.format(body="Internal memo that must never be indexed."))
    ROUTES["/feed"] = ("application/rss+xml", str(secret).encode())
    result = load_url(f"{local_server}/feed", fetcher=LOCAL)
    assert not any("Internal memo" in d.text for d in result.documents)
    assert result.documents == [] and result.problems
    assert load_feed(str(secret)).documents  # (the file is a readable feed)


def test_feed_file_size_limit(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(RSS.format(body=EN_TEXT.strip()), encoding="utf-8")
    result = load_feed(str(feed), max_bytes=100)
    assert result.documents == [] and "too large" in result.problems[0].reason


def test_too_many_documents_are_refused_whole(tmp_path: Path) -> None:
    rows = [json.dumps({"id": n, "text": f"{EN_TEXT} Number {n}."}) for n in range(5)]
    (tmp_path / "many.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert len(load_sources([str(tmp_path)], max_documents=5).documents) == 5
    with pytest.raises(TooManyDocumentsError) as caught:
        load_sources([str(tmp_path)], max_documents=4)
    assert (caught.value.found, caught.value.limit) == (5, 4)
    assert str(caught.value) == "5 documents, more than the 4 one ingest may add"
