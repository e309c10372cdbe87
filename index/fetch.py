"""The one way the project reads a URL (pages and feeds alike): checked, bounded, pinned.

Every address a host resolves to is checked against a `FetchPolicy` before connecting, and the
connection goes to the address that was checked (the Host header and TLS SNI keep the name),
so a DNS answer that changes between the check and the connect (rebinding) cannot move it.
Redirects are followed here, each hop checked the same way. A body is capped while it streams,
a compressed one on its decompressed size, and the whole fetch has a deadline. Parsers get the
bytes only: nothing else in the project opens a connection to a URL it was given.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from index.settings import DEFAULT_MAX_SOURCE_BYTES, IndexSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

USER_AGENT = "newsbot/0.1 (news reader)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# IPv6 prefixes that carry an IPv4 address the packet ends up at (RFC 6052 NAT64).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_TCP = (socket.AF_UNSPEC, socket.SOCK_STREAM, socket.IPPROTO_TCP)


class FetchError(Exception):
    """Why a URL was not read. The message is shown to an admin as it is, so it gives a clear
    reason and nothing that maps an internal network (no resolved address, no socket error)."""


def is_public(address: IPAddress) -> bool:
    """An address on the public internet; an IPv4 address inside an IPv6 one counts as itself.

    `is_global` alone lets multicast through, hence the explicit checks.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        if embedded is not None:
            return is_public(embedded)
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


@dataclass(frozen=True)
class FetchPolicy:
    """Which addresses a fetch may connect to.

    The default reaches public addresses only: the policy for whatever a chat sends. The
    operator's own sources (NEWSBOT_FEEDS) use `ANY_HOST`. `allowed_networks` opens named
    non-public networks (an intranet news server, a test's 127.0.0.1) and nothing else.
    """

    any_host: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    def permits(self, address: IPAddress) -> bool:
        if self.any_host or is_public(address):
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.allowed_networks)


PUBLIC_ONLY = FetchPolicy()
ANY_HOST = FetchPolicy(any_host=True)


@dataclass(frozen=True)
class Fetched:
    url: str  # where the body came from, after redirects
    body: bytes  # decompressed; empty when not_modified
    not_modified: bool = False  # a conditional GET answered 304
    etag: str | None = None
    last_modified: str | None = None


def _size_text(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


@dataclass(frozen=True)
class Fetcher:
    """GETs a URL under a policy and limits; thread-safe (each call has its own client).

    A fetch ends by `deadline_s`, give or take one read (at most `read_timeout_s`); name
    resolution is the system resolver's and bounded by its own timeouts.
    """

    policy: FetchPolicy = PUBLIC_ONLY
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    deadline_s: float = 30.0
    max_bytes: int = DEFAULT_MAX_SOURCE_BYTES
    max_redirects: int = 5

    @classmethod
    def from_settings(
        cls,
        settings: IndexSettings,
        policy: FetchPolicy = PUBLIC_ONLY,
        *,
        max_bytes: int | None = None,
    ) -> Fetcher:
        return cls(
            policy=policy,
            connect_timeout_s=settings.fetch_connect_timeout_s,
            read_timeout_s=settings.fetch_read_timeout_s,
            deadline_s=settings.fetch_deadline_s,
            max_bytes=settings.max_source_bytes if max_bytes is None else max_bytes,
            max_redirects=settings.fetch_max_redirects,
        )

    def get(self, url: str, *, etag: str | None = None, modified: str | None = None) -> Fetched:
        """The body at `url` (redirects followed); FetchError says why there is none.

        With `etag`/`modified` the GET is conditional and a 304 comes back as `not_modified`.
        """
        deadline = time.monotonic() + self.deadline_s
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        try:
            current = httpx.URL(url)
        except httpx.InvalidURL:
            raise FetchError("not a valid URL") from None
        try:
            with httpx.Client(
                trust_env=False,  # no proxy from the environment: connect where it was checked
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            ) as client:
                for hop in range(self.max_redirects + 1):
                    outcome = self._hop(client, current, headers, deadline, redirected=hop > 0)
                    if isinstance(outcome, Fetched):
                        return outcome
                    current = outcome
        except httpx.TimeoutException:
            raise FetchError("timed out") from None
        except httpx.InvalidURL:  # a redirect's Location
            raise FetchError("redirected to an invalid URL") from None
        except httpx.HTTPError:
            raise FetchError("the connection failed") from None
        raise FetchError(f"too many redirects (more than {self.max_redirects})")

    def _hop(
        self,
        client: httpx.Client,
        url: httpx.URL,
        headers: dict[str, str],
        deadline: float,
        *,
        redirected: bool,
    ) -> Fetched | httpx.URL:
        """One request: the body, or the next URL of a redirect."""
        if url.scheme not in ("http", "https"):
            raise FetchError("refused: only http and https URLs are read")
        if not url.host:
            raise FetchError("not a valid URL (no host)")
        response = self._send(client, url, headers, deadline, redirected=redirected)
        try:
            status = response.status_code
            if status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(f"HTTP {status} without a Location")
                return url.join(location)
            if status == 304 and ("If-None-Match" in headers or "If-Modified-Since" in headers):
                return Fetched(str(url), b"", not_modified=True)
            if status != 200:
                raise FetchError(f"HTTP {status}")
            body = self._read_body(response, deadline)
            return Fetched(
                str(url),
                body,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
        finally:
            response.close()

    def _addresses(self, url: httpx.URL, *, redirected: bool) -> list[IPAddress]:
        """Every address the host has, all permitted by the policy (else FetchError)."""
        host = url.host
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            port = url.port or (443 if url.scheme == "https" else 80)
            try:
                infos = socket.getaddrinfo(url.raw_host.decode("ascii"), port, *_TCP)
            except (OSError, UnicodeError):
                raise FetchError(f"host {host} not found") from None
            addresses = list(dict.fromkeys(ipaddress.ip_address(i[4][0]) for i in infos))
        if not addresses or not all(self.policy.permits(a) for a in addresses):
            verb = "is" if literal is not None else "resolves to"
            hop = " (a redirect led there)" if redirected else ""
            raise FetchError(f"refused: {host} {verb} a private address{hop}")
        return addresses

    def _send(
        self,
        client: httpx.Client,
        url: httpx.URL,
        headers: dict[str, str],
        deadline: float,
        *,
        redirected: bool,
    ) -> httpx.Response:
        """Connect to a checked address of the host, trying each in turn."""
        addresses = self._addresses(url, redirected=redirected)
        pinned_headers = {**headers, "Host": url.netloc.decode("ascii")}
        named = url.host != str(addresses[0])
        # The certificate is checked against the name, not the address connected to.
        extensions = {"sni_hostname": url.raw_host.decode("ascii")} if named else {}
        for number, address in enumerate(addresses, start=1):
            request = client.build_request(
                "GET",
                url.copy_with(host=str(address)),
                headers=pinned_headers,
                timeout=self._timeout(deadline),
                extensions=extensions,
            )
            try:
                return client.send(request, stream=True)
            except httpx.ConnectError:
                if number == len(addresses):
                    raise FetchError(f"could not connect to {url.host}") from None
        raise AssertionError("unreachable: a host has at least one address")

    def _timeout(self, deadline: float) -> httpx.Timeout:
        left = deadline - time.monotonic()
        if left <= 0:
            raise httpx.TimeoutException("deadline")
        connect, read = min(self.connect_timeout_s, left), min(self.read_timeout_s, left)
        return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        """The decompressed body, cut off as soon as it passes `max_bytes` or the deadline."""
        too_large = FetchError(f"larger than {_size_text(self.max_bytes)}")
        inflate = _decoder(response.headers.get("Content-Encoding", ""))
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        body = bytearray()
        received = 0
        for chunk in response.iter_raw():
            if time.monotonic() > deadline:
                raise httpx.TimeoutException("deadline")
            received += len(chunk)
            # Asking for one byte more than fits tells "exactly full" from "too large".
            body += inflate(chunk, self.max_bytes - len(body) + 1)
            if received > self.max_bytes or len(body) > self.max_bytes:
                raise too_large
        return bytes(body)


def _decoder(content_encoding: str) -> Callable[[bytes, int], bytes]:
    """(chunk, most bytes wanted) -> decoded bytes, for the encodings the fetcher asks for.

    httpx's own decoders have no output bound: one 64 KB chunk of a gzip bomb would become
    64 MB in memory before any size check. zlib's `max_length` bounds every step here.
    """
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return lambda chunk, _limit: chunk
    if codings in (["gzip"], ["x-gzip"]):
        return _Inflater(zlib.MAX_WBITS | 16)
    if codings == ["deflate"]:
        return _Inflater(zlib.MAX_WBITS, raw_fallback=True)
    raise FetchError(f"unsupported content encoding {content_encoding!r}")


class _Inflater:
    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflate = zlib.decompressobj(wbits)
        # "deflate" is zlib-wrapped by the standard, raw by some servers: decide on byte one.
        self._raw_fallback = raw_fallback
        self._started = False

    def __call__(self, chunk: bytes, limit: int) -> bytes:
        try:
            out = self._inflate.decompress(chunk, limit)
        except zlib.error:
            if not self._raw_fallback or self._started:
                raise FetchError("corrupt compressed body") from None
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            self._raw_fallback = False
            return self(chunk, limit)
        self._started = self._started or bool(chunk)
        return out
