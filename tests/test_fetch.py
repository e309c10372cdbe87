"""The one HTTP fetch path: address policy after DNS and after every redirect, deadlines,
size caps while streaming (decompressed), conditional GET, against real local servers."""

from __future__ import annotations

import gzip
import http.server
import ipaddress
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import pytest

from index.fetch import ANY_HOST, PUBLIC_ONLY, Fetcher, FetchError, FetchPolicy, is_public

LOOPBACK_ONLY = FetchPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Park</title><link>https://news.example/park</link>
<description>The city opened a park.</description></item></channel></rss>"""
BOMB = gzip.compress(b"\0" * 50_000_000)  # about 50 KB on the wire


@dataclass
class Record:
    """What one local server saw."""

    base: str
    paths: list[str] = field(default_factory=list)  # requests received, in order
    headers: list[dict[str, str]] = field(default_factory=list)
    hung_up: threading.Event = field(default_factory=threading.Event)  # a client went away


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Recording

    def do_GET(self) -> None:
        self.server.record.paths.append(self.path)
        self.server.record.headers.append(dict(self.headers))
        route, _, query = self.path.partition("?")
        args = {k: v[0] for k, v in parse_qs(query).items()}
        if route == "/feed.xml":
            self._send(200, FEED, {"Content-Type": "application/rss+xml"})
        elif route == "/redirect":
            self._send(302, b"", {"Location": args["to"]})
        elif route == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif route == "/slow":  # headers at once, then a byte now and then, forever
            self.send_response(200)
            self.end_headers()
            self._trickle(b"x", pause=0.1)
        elif route == "/endless":  # no Content-Length, bytes as fast as they are taken
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self._trickle(b"y" * 65536, pause=0)
        elif route == "/declared-huge":
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
        elif route == "/bomb":
            self._send(200, BOMB, {"Content-Encoding": "gzip"})
        elif route == "/gzip":
            self._send(200, gzip.compress(FEED), {"Content-Encoding": "gzip"})
        elif route == "/deflate-raw":
            raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            self._send(200, raw.compress(FEED) + raw.flush(), {"Content-Encoding": "deflate"})
        elif route == "/brotli":
            self._send(200, b"\x0b\x02\x80", {"Content-Encoding": "br"})
        elif route == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self._send(304, b"", {"ETag": '"v1"'})
            else:
                self._send(200, FEED, {"ETag": '"v1"', "Last-Modified": "Fri, 12 Mar 2021"})
        elif route == "/not-modified":  # a 304 nobody asked for
            self._send(304, b"", {})
        else:
            self._send(404, b"missing", {})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, chunk: bytes, *, pause: float) -> None:
        try:
            while not self.server.stopping.is_set():
                self.wfile.write(chunk)
                self.wfile.flush()
                time.sleep(pause)
        except OSError:  # the client hung up: what a cap or a deadline should do
            self.server.record.hung_up.set()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class Recording(http.server.ThreadingHTTPServer):
    daemon_threads = True
    record: Record
    stopping: threading.Event


def _serve(host: str) -> Iterator[Record]:
    server = Recording((host, 0), _Handler)
    server.record = Record(f"http://{host}:{server.server_address[1]}")
    server.stopping = threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.record
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def local() -> Iterator[Record]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def other() -> Iterator[Record]:
    """A second server on another loopback address (reachable, but not in LOOPBACK_ONLY)."""
    yield from _serve("127.0.0.2")


def refusal(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    return str(caught.value)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",  # multicast: `is_global` alone lets it through
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    assert not PUBLIC_ONLY.permits(ipaddress.ip_address(address))
    assert ANY_HOST.permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888"])
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_allowed_network_opens_only_itself() -> None:
    assert LOOPBACK_ONLY.permits(ipaddress.ip_address("127.0.0.1"))
    assert LOOPBACK_ONLY.permits(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not LOOPBACK_ONLY.permits(ipaddress.ip_address("127.0.0.2"))
    assert not LOOPBACK_ONLY.permits(ipaddress.ip_address("::1"))


def test_public_policy_refuses_loopback_before_connecting(local: Record) -> None:
    reason = refusal(Fetcher(), f"{local.base}/feed.xml")
    assert reason == "refused: 127.0.0.1 is a private address"
    port = local.base.rsplit(":", 1)[1]
    assert "refused" in refusal(Fetcher(), f"http://[::ffff:127.0.0.1]:{port}/feed.xml")
    reason = refusal(Fetcher(), f"http://localhost:{port}/feed.xml")
    assert reason == "refused: localhost resolves to a private address"
    assert local.paths == []  # nothing was ever sent there


def test_only_http_and_https() -> None:
    for url in ("file:///etc/passwd", "ftp://ftp.example/x", "gopher://x/", "not a url"):
        assert refusal(Fetcher(ANY_HOST), url) == "refused: only http and https URLs are read"


def test_redirect_to_a_refused_address_is_refused(local: Record, other: Record) -> None:
    fetcher = Fetcher(LOOPBACK_ONLY)
    target = f"{other.base}/feed.xml"
    reason = refusal(fetcher, f"{local.base}/redirect?to={target}")
    assert reason == "refused: 127.0.0.2 is a private address (a redirect led there)"
    assert refusal(fetcher, f"{local.base}/redirect?to=file:///etc/passwd").startswith(
        "refused: only http"
    )
    assert other.paths == []  # the target was reachable, and never asked
    assert Fetcher(ANY_HOST).get(target).body == FEED  # (reachable indeed)


def test_redirects_are_followed_and_bounded(local: Record) -> None:
    fetched = Fetcher(LOOPBACK_ONLY).get(f"{local.base}/redirect?to=/feed.xml")
    assert fetched.body == FEED and fetched.url == f"{local.base}/feed.xml"
    assert refusal(Fetcher(LOOPBACK_ONLY, max_redirects=3), f"{local.base}/loop") == (
        "too many redirects (more than 3)"
    )
    assert local.paths.count("/loop") == 4


def test_operator_policy_reads_a_feed_on_loopback_by_name(local: Record) -> None:
    port = local.base.rsplit(":", 1)[1]
    fetched = Fetcher(ANY_HOST).get(f"http://localhost:{port}/feed.xml")
    assert fetched.body == FEED
    # Connected to the checked address, while the server still sees the name.
    assert local.headers[-1]["Host"] == f"localhost:{port}"


def test_a_slow_server_runs_into_the_deadline(local: Record) -> None:
    fetcher = Fetcher(LOOPBACK_ONLY, read_timeout_s=5, deadline_s=1)
    started = time.monotonic()
    assert refusal(fetcher, f"{local.base}/slow") == "timed out"
    assert time.monotonic() - started < 2.5
    assert local.hung_up.wait(5)


def test_an_endless_body_is_cut_off_while_streaming(local: Record) -> None:
    fetcher = Fetcher(LOOPBACK_ONLY, max_bytes=1_000_000, deadline_s=20)
    assert refusal(fetcher, f"{local.base}/endless") == "larger than 1 MB"
    assert local.hung_up.wait(5)
    assert refusal(fetcher, f"{local.base}/declared-huge") == "larger than 1 MB"


def test_a_gzip_bomb_is_capped_on_its_decompressed_size(local: Record) -> None:
    assert len(BOMB) < 100_000
    fetcher = Fetcher(LOOPBACK_ONLY, max_bytes=1_000_000)
    assert refusal(fetcher, f"{local.base}/bomb") == "larger than 1 MB"
    assert Fetcher(LOOPBACK_ONLY, max_bytes=len(FEED)).get(f"{local.base}/gzip").body == FEED
    assert Fetcher(LOOPBACK_ONLY).get(f"{local.base}/deflate-raw").body == FEED
    assert "unsupported content encoding" in refusal(
        Fetcher(LOOPBACK_ONLY), f"{local.base}/brotli"
    )
    assert local.headers[0]["Accept-Encoding"] == "gzip, deflate"


def test_conditional_get(local: Record) -> None:
    fetcher = Fetcher(LOOPBACK_ONLY)
    first = fetcher.get(f"{local.base}/etag")
    assert first.body == FEED and first.etag == '"v1"' and not first.not_modified
    assert first.last_modified == "Fri, 12 Mar 2021"
    again = fetcher.get(f"{local.base}/etag", etag=first.etag, modified=first.last_modified)
    assert again.not_modified and again.body == b""
    assert local.headers[-1]["If-None-Match"] == '"v1"'
    assert refusal(fetcher, f"{local.base}/not-modified") == "HTTP 304"


def test_http_errors_and_unreachable_hosts(local: Record) -> None:
    assert refusal(Fetcher(LOOPBACK_ONLY), f"{local.base}/missing") == "HTTP 404"
    assert (
        refusal(Fetcher(LOOPBACK_ONLY), "http://127.0.0.1:9/") == "could not connect to 127.0.0.1"
    )
    assert refusal(Fetcher(), "http://no-such-host.invalid/") == (
        "host no-such-host.invalid not found"
    )


def test_every_address_of_a_name_must_be_permitted(local: Record) -> None:
    port = local.base.rsplit(":", 1)[1]
    # localhost has 127.0.0.1 (and maybe ::1): allowing another address does not open it.
    only_v6 = FetchPolicy(allowed_networks=(ipaddress.ip_network("::1/128"),))
    reason = refusal(Fetcher(only_v6), f"http://localhost:{port}/feed.xml")
    assert reason == "refused: localhost resolves to a private address"
    assert local.paths == []
