"""The guard decides where a URL connects exactly as the HTTP stack will, and refuses the rest.

A URL such as ``http://127.0.0.2:P\\@127.0.0.1:T/`` reads as the target's to
``urllib.parse`` while requests connects to 127.0.0.2 (issue 11). Here the
guard's answer is held to the stack's real one: an oracle sends each URL
through requests with the connecting function replaced (nothing leaves the
machine) and records where it would have connected. End to end, loopback
platforms hand out and redirect to lookalike URLs while a listener on the
decoy address records whether anything (a token above all) reaches it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
import requests
import urllib3.util.connection
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.connection import HTTPSConnection

from conformance._harness.destination import Destination, Guard, destination, guard, hop
from conformance._harness.errors import RefusedDestination, TargetUnreachable
from conformance._harness.evidence import EvidenceLog
from conformance._harness.harness import Options
from conformance._harness.probe import Probe, Transport
from conformance._harness.results import Outcome
from conformance._harness.runner import run
from conformance._harness.secrets import Redactor, Secret
from conformance._harness.target import Limits, Role, Target, origin_of
from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.catalog import Fault
from conformance.faults.proxy import FaultProxy
from conformance.faults.transforms import TRANSFORMS
from conformance.reference.server import ReferencePlatform

ALICE = Role("first_party", "alice")
TOKEN = "tok-destination-0123456789"


# -- the oracle: where requests really connects -------------------------------------------------


class _NotSent(OSError):
    """Raised in place of a connection: the oracle only wants to know where it would go."""


@contextmanager
def _nothing_leaves() -> Iterator[list[tuple[str, str, int]]]:
    """Every connection requests/urllib3 would open, recorded as (scheme, host, port), refused.

    ``urllib3.util.connection.create_connection`` is where urllib3 opens every
    socket (DNS included); a TLS connection is told apart by its ``connect``.
    """
    seen: list[tuple[str, str, int]] = []
    tls: list[bool] = []
    original_tls = HTTPSConnection.connect

    def connect(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        seen.append(("https" if tls else "http", address[0], int(address[1])))
        raise _NotSent("the oracle connects nowhere")

    def connect_tls(self: HTTPSConnection) -> None:
        tls.append(True)
        try:
            original_tls(self)
        finally:
            tls.clear()

    with (
        mock.patch.object(urllib3.util.connection, "create_connection", connect),
        mock.patch.object(HTTPSConnection, "connect", connect_tls),
    ):
        yield seen


def _where_requests_connects(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) requests would open for ``url``; None if it would send nothing."""
    with requests.Session() as session, _nothing_leaves() as seen:
        session.trust_env = False
        try:
            session.get(url, timeout=1, allow_redirects=False)
        except (requests.RequestException, ValueError, UnicodeError):
            pass
    assert len(seen) <= 1, seen
    return seen[0] if seen else None


def _decide(url: str) -> Destination | RefusedDestination:
    with requests.Session() as session:
        try:
            return destination(url, session)
        except RefusedDestination as exc:
            return exc


def _reads_as(url: str) -> str | None:
    """The origin ``urllib.parse`` (the evidence, a reader) sees in ``url``."""
    try:
        return origin_of(url)
    except ValueError:
        return None


# -- the decision, URL by URL -------------------------------------------------------------------

ACCEPTED = [
    ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080"),
    ("HTTP://LOCALHOST:8080/x", "http://localhost:8080"),
    ("HtTpS://Example.COM/a?b=c", "https://example.com"),
    ("http://[::1]:8080/", "http://[::1]:8080"),
    ("http://[::FFFF:127.0.0.1]/", "http://[::ffff:127.0.0.1]"),
    ("http://127.0.0.1:80/", "http://127.0.0.1"),
    ("https://127.0.0.1:443/", "https://127.0.0.1"),
    ("http://127.0.0.1:0080/", "http://127.0.0.1"),
    ("http://127.0.0.1:/", "http://127.0.0.1"),
    ("http://127.0.0.1:8080?@127.0.0.2/", "http://127.0.0.1:8080"),
    ("http://127.0.0.1:8080#@127.0.0.2/", "http://127.0.0.1:8080"),
    ("http://127.0.0.1:8080/\\@127.0.0.2:9/", "http://127.0.0.1:8080"),
    ("http://127.0.0.1:8080/a b/é", "http://127.0.0.1:8080"),
    ("http://localhost.:8080/", "http://localhost.:8080"),  # a name of its own, not localhost's
    ("http://xn--bcher-kva.example/", "http://xn--bcher-kva.example"),
]

REFUSED = [
    ("http://127.0.0.2:8000\\@127.0.0.1:9000/x", "backslash", "http://127.0.0.2:8000"),
    ("http://127.0.0.2:8000\\\\@127.0.0.1:9000/", "backslash", "http://127.0.0.2:8000"),
    ("http://127.0.0.2:8000%5C@127.0.0.1:9000/", "userinfo", ""),
    ("http://127.0.0.2%40127.0.0.1:9000/", "percent", ""),
    ("http://127.0.0.1%2e:9000/", "percent", ""),
    ("http://u:p@127.0.0.1:9000/", "userinfo", "http://127.0.0.1:9000"),
    ("http://@127.0.0.1:9000/", "userinfo", ""),
    ("http://127.0.0.1\t:9000/", "U+0009", ""),
    ("http://127.0.0.2\r\n.127.0.0.1/", "U+000D", ""),
    ("http://127.0.0.2\x00.127.0.0.1/", "U+0000", ""),
    ("http://1.2.3.4 @127.0.0.1/", "userinfo", "http://127.0.0.1"),
    ("http://127.0.0.1 :9000/", "white space", ""),
    (" http://127.0.0.2/", "white space", ""),
    ("http://\uff45xample.com/", "not ASCII", ""),
    ("http://bücher.example/", "not ASCII", ""),
    ("http:\\\\127.0.0.2\\x", "no //host", ""),
    ("http:/127.0.0.2/x", "no //host", ""),
    ("http:127.0.0.2/x", "no //host", ""),
    ("file:///etc/passwd", "file: is not HTTP", ""),
    ("ftp://127.0.0.1/x", "ftp: is not HTTP", ""),
    ("javascript:alert(document.cookie)", "javascript: is not HTTP", ""),
    ("data:text/html,<script>alert(1)</script>", "data: is not HTTP", ""),
    ("//127.0.0.2/x", "not an absolute URL", ""),
    ("/relative/path", "not an absolute URL", ""),
    ("http://127.0.0.1:0/", "would connect to http://127.0.0.1 while", ""),
    ("http://127.0.0.1:65536/", "cannot read", ""),
    ("http://[::1/", "not host[:port]", ""),
    ("http://[::1%25lo]:80/", "percent", ""),
    ("http:///x", "not host[:port]", ""),
    ("http://*.example.com/", "not host[:port]", ""),
    ("http://127.0.0.1:80:80/", "not host[:port]", ""),
]


@pytest.mark.parametrize(("url", "origin"), ACCEPTED)
def test_a_plain_url_connects_where_it_reads(url: str, origin: str) -> None:
    decided = _decide(url)
    assert isinstance(decided, Destination), decided
    assert decided.origin == origin
    assert _reads_as(url) == origin
    connected = _where_requests_connects(url)
    assert connected == (decided.scheme, decided.host, decided.port)


@pytest.mark.parametrize(("url", "why", "real"), REFUSED)
def test_an_ambiguous_or_foreign_scheme_url_is_refused_saying_why(
    url: str, why: str, real: str
) -> None:
    decided = _decide(url)
    assert isinstance(decided, RefusedDestination), decided
    reason = str(decided)
    assert reason.startswith("refused before connecting: ")
    assert why in reason
    if real:  # the reason names where the stack would really have gone
        assert f"connect to {real}" in reason
    assert reason.isprintable() and "\\@127.0.0.1:9000/x" not in reason  # no path, no raw controls


def test_a_lookalike_is_refused_although_urllib_reads_the_target() -> None:
    url = "http://127.0.0.2:8000\\@127.0.0.1:9000/parts/1"
    assert _reads_as(url) == "http://127.0.0.1:9000"  # what the old guard looked at
    assert _where_requests_connects(url) == ("http", "127.0.0.2", 8000)
    reason = str(_decide(url))
    assert "the HTTP stack would connect to http://127.0.0.2:8000" in reason
    assert "the URL reads as http://127.0.0.1:9000" in reason


@pytest.mark.parametrize(
    "url", ["http://u@127.0.0.1:9000/f?sig=Sg9vQx7LmZpR2wTk&x=1", "ftp:f?sig=Sg9vQx7LmZpR2wTk"]
)
def test_a_signature_in_a_refused_url_is_not_quoted(url: str) -> None:
    reason = str(_decide(url))
    assert "Sg9vQx7LmZpR2wTk" not in reason and "sig=" not in reason


def test_the_guard_allows_only_the_target_and_allowed_origins() -> None:
    target = _target("http://127.0.0.1:9000", allowed=("http://127.0.0.1:9001",))
    with requests.Session() as session:
        assert guard("http://127.0.0.1:9000/a", session, target).port == 9000
        assert guard("HTTP://127.0.0.1:9001/b", session, target).port == 9001
        for foreign in ("http://127.0.0.2:9000/", "https://127.0.0.1:9000/", "http://127.1:9000/"):
            with pytest.raises(RefusedDestination, match="is not the target's origin"):
                guard(foreign, session, target)


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("file:///etc/passwd", "file: is not HTTP"),
        ("javascript:alert(1)", "javascript: is not HTTP"),
        ("data:text/plain,hi", "data: is not HTTP"),
        ("http://[::1", "not a URL"),
        ("http://127.0.0.1:99999/", "cannot read"),
        ("http://127.0.0.2:8000\\@127.0.0.1:9000/", "backslash"),
        ("/next\r\nSet-Cookie: a=b", "U+000D"),
    ],
)
def test_a_redirect_hop_is_decided_or_refused_never_a_crash(location: str, why: str) -> None:
    with requests.Session() as session, pytest.raises(RefusedDestination, match=re.escape(why)):
        hop("http://127.0.0.1:9000/a/b", location, session)


def test_a_relative_redirect_hop_stays_on_its_origin() -> None:
    with requests.Session() as session:
        url, there = hop("http://127.0.0.1:9000/a/b", "../c?d=@127.0.0.2", session)
    assert url == "http://127.0.0.1:9000/c?d=@127.0.0.2"
    assert there.origin == "http://127.0.0.1:9000"


# -- the decision over generated authorities ----------------------------------------------------

_HOSTS = [
    "127.0.0.1",
    "127.0.0.2",
    "10.0.0.1",
    "127.1",
    "example.com",
    "Example.COM.",
    "localhost",
    "LOCALHOST",
    "xn--bcher-kva.example",
    "[::1]",
    "[::FFFF:127.0.0.2]",
]
_PORTS = ["", ":80", ":443", ":8080", ":0080", ":", ":0", ":65536", ":0x50", ":-1"]
_PIECES = [
    *_HOSTS,
    "[",
    "]",
    "@",
    "\\",
    "%40",
    "%5C",
    "%5c",
    "%2e",
    "%00",
    "\t",
    "\n",
    " ",
    ":",
    ":8080",
    ".",
    "u:p@",
    "bücher",
    "\uff45",
    "\u3002",  # IDEOGRAPHIC FULL STOP: a dot to IDNA
    "#",
    "?",
    "/",
    ";",
    "*",
]
_SCHEMES = ["http", "HTTP", "https", "HtTpS", "ftp", "file", "javascript", "httpx", ""]
_SEPARATORS = [":/", ":\\\\", ":", "://\\", ":///"]
_TAILS = ["", "/", "/x", "\\x", "/\\@127.0.0.2/", "?q=@127.0.0.2", "#@127.0.0.2", "/a b"]


def _sometimes(draw: st.DrawFn, usual: str, others: st.SearchStrategy[str]) -> str:
    """``usual`` three times in four, a draw of ``others`` otherwise."""
    return usual if draw(st.integers(0, 3)) else draw(others)


@st.composite
def _urls(draw: st.DrawFn) -> str:
    """A host and port, at times with tricky pieces before or after, under many schemes."""
    junk = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4).map("".join)
    return (
        _sometimes(
            draw, draw(st.sampled_from(["http", "https", "HTTP"])), st.sampled_from(_SCHEMES)
        )
        + _sometimes(draw, "://", st.sampled_from(_SEPARATORS))
        + _sometimes(draw, "", junk)
        + draw(st.sampled_from(_HOSTS))
        + draw(st.sampled_from(_PORTS))
        + _sometimes(draw, "", junk)
        + draw(st.sampled_from(_TAILS))
    )


@settings(max_examples=500, deadline=None)
@given(_urls())
def test_the_guard_connects_where_the_stack_would_or_refuses(url: str) -> None:
    decided = _decide(url)
    connected = _where_requests_connects(url)
    if isinstance(decided, RefusedDestination):
        assert str(decided).startswith("refused before connecting: ")
        return
    # Accepted: the stack connects exactly there, and a reader of the URL sees the same place.
    assert connected == (decided.scheme, decided.host, decided.port), url
    assert _reads_as(url) == decided.origin, url


# -- the transport's guard: what it remembers cannot change a decision -------------------------

# Every host and port of the generated URLs is allowed, so that acceptances are remembered.
_EVERYWHERE = tuple(
    origin
    for host in _HOSTS
    for port in _PORTS
    for scheme in ("http", "https")
    if (origin := _reads_as(f"{scheme}://{host}{port}/")) is not None
)


def _outcome(decide: Callable[[], Destination]) -> Destination | str:
    try:
        return decide()
    except RefusedDestination as exc:
        return str(exc)


# After the authority: what only a screen of the whole URL catches, or nothing.
_LATE = ["", "", " ", "\t", "\r\nHost: 127.0.0.2", "\x00", "/\x85", "/\\@127.0.0.2:1/"]


@settings(max_examples=300, deadline=None)
@given(_urls(), st.sampled_from(_LATE), st.sampled_from(["/", "/warm?x=1", ""]))
def test_a_remembered_authority_decides_every_url_as_the_guard_does(
    generated: str, late: str, warm: str
) -> None:
    url = generated + late
    target = _target("http://127.0.0.1:9000", allowed=_EVERYWHERE)
    with requests.Session() as session:
        remembering = Guard(session, target)
        match = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*", url)
        if match is not None:  # the same authority decided first, with another path
            _outcome(lambda: remembering(match.group(0) + warm))
        assert _outcome(lambda: remembering(url)) == _outcome(lambda: guard(url, session, target))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:9000/a\r\nHost: 127.0.0.2", "U+000D"),
        ("http://127.0.0.1:9000/a\x00", "U+0000"),
        ("http://127.0.0.1:9000/a ", "white space"),
        ("http://127.0.0.1:9000\\@127.0.0.2:9000/", "backslash"),
        ("http://127.0.0.1:9000@127.0.0.2:9000/", "userinfo"),
        ("http://127.0.0.2:9000/a", "is not the target's origin"),
    ],
)
def test_a_remembered_authority_lets_no_bad_url_through(url: str, why: str) -> None:
    target = _target("http://127.0.0.1:9000")
    with requests.Session() as session:
        remembering = Guard(session, target)
        assert remembering("http://127.0.0.1:9000/a").port == 9000
        with pytest.raises(RefusedDestination, match=re.escape(why)):
            remembering(url)
        # and what followed the refusal is decided as before
        assert remembering("http://127.0.0.1:9000/b/\\@127.0.0.2/").port == 9000


def test_a_remembered_authority_is_decided_again_for_another_adapter() -> None:
    class _Elsewhere(requests.adapters.BaseAdapter):
        """Not an HTTP adapter: the guard refuses what it would send."""

        def close(self) -> None:
            pass

    target = _target("http://127.0.0.1:9000")
    with requests.Session() as session:
        remembering = Guard(session, target)
        assert remembering("http://127.0.0.1:9000/a").port == 9000
        session.mount("http://127.0.0.1:9000/other", _Elsewhere())
        with pytest.raises(RefusedDestination, match="not HTTP"):
            remembering("http://127.0.0.1:9000/other/x")
        assert remembering("http://127.0.0.1:9000/a").port == 9000


# -- end to end: the probe with loopback platforms ----------------------------------------------


class _Listener:
    """A TCP listener on the decoy address that records every connection and its first bytes."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.sock.bind((host, 0))
        except OSError:
            self.sock.close()
            pytest.skip(f"cannot bind {host} on this machine")
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.authority = f"{host}:{self.sock.getsockname()[1]}"
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="decoy-listener", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(65536))
                except OSError:
                    self.received.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def decoy() -> Iterator[_Listener]:
    listener = _Listener()
    yield listener
    listener.close()


class _Hostile(BaseHTTPRequestHandler):
    """Redirects ``/redirect`` to ``location``; anything else is a small JSON answer."""

    location = ""

    def do_GET(self) -> None:
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _target(base: str, allowed: tuple[str, ...] = ()) -> Target:
    return Target(
        "t",
        base,
        {},
        {"alice": "a"},
        {ALICE: Secret(TOKEN)},
        Limits(requests_per_second=0),
        allowed,
    )


@pytest.fixture
def probe_for(tmp_path: Path) -> Iterator[Callable[..., Probe]]:
    made: list[Transport] = []

    def make(base: str, allowed: tuple[str, ...] = ()) -> Probe:
        log = EvidenceLog(tmp_path / "evidence.jsonl", Redactor([Secret(TOKEN)]))
        transport = Transport(_target(base, allowed), None, log)
        made.append(transport)
        return Probe(transport, check="t", requirement="C-001")

    yield make
    for transport in made:
        transport.log.close()
        transport.close()


def _hostile(serve_http: Callable[..., str], location: str) -> str:
    handler = type("Handler", (_Hostile,), {"location": location})
    return serve_http(handler, "127.0.0.1")


def _evidence_urls(tmp_path: Path) -> list[str]:
    lines = (tmp_path / "evidence.jsonl").read_text(encoding="utf-8").split("\n")  # not at U+2028
    return [json.loads(line)["request"]["url"] for line in lines if line.strip()]


def test_the_decoy_hears_what_is_sent_to_it(
    decoy: _Listener, probe_for: Callable[..., Probe]
) -> None:
    """The control: an allowed, plain URL of the decoy's does reach it (so silence means none)."""
    probe = probe_for("http://127.0.0.1:9", allowed=(f"http://{decoy.authority}",))
    with pytest.raises(TargetUnreachable):  # it hangs up: it only listens
        probe.get(f"http://{decoy.authority}/control")
    assert any(r.startswith(b"GET /control ") for r in decoy.received)


def test_a_redirect_to_a_lookalike_reaches_nothing_and_carries_no_token(
    serve_http: Callable[..., str],
    decoy: _Listener,
    probe_for: Callable[..., Probe],
    tmp_path: Path,
) -> None:
    handler = type("Handler", (_Hostile,), {"location": ""})
    base = serve_http(handler, "127.0.0.1")
    handler.location = f"http://{decoy.authority}\\@{urlsplit(base).netloc}/landing"
    # Even with the decoy's origin allowed the lookalike is not followed: it is ambiguous.
    probe = probe_for(base, allowed=(f"http://{decoy.authority}",))
    response = probe.get("/redirect", role=ALICE)
    assert response.status == 302  # returned: the check decides what it means
    with pytest.raises(RefusedDestination) as refused:
        probe.get(probe.url(response.headers["Location"], base=response.url), role=ALICE)
    assert f"the HTTP stack would connect to http://{decoy.authority}" in str(refused.value)
    probe.transport.log.close()
    assert decoy.received == []
    assert _evidence_urls(tmp_path) == [f"{base}/redirect"]


def test_a_part_url_that_looks_like_the_target_is_refused_before_connecting(
    serve_http: Callable[..., str],
    decoy: _Listener,
    probe_for: Callable[..., Probe],
    tmp_path: Path,
) -> None:
    base = _hostile(serve_http, "/")
    probe = probe_for(base)
    part = f"http://{decoy.authority}\\@{urlsplit(base).netloc}/parts/1?sig=abc"
    with pytest.raises(RefusedDestination, match=decoy.authority.replace(".", r"\.")):
        with probe.stream(probe.url(part, base=base + "/jobs/1"), role=ALICE):
            pass
    with pytest.raises(RefusedDestination, match="userinfo"):
        probe.get(f"http://{decoy.authority}%5C@{urlsplit(base).netloc}/parts/1", role=ALICE)
    probe.transport.log.close()
    assert decoy.received == []
    assert not (tmp_path / "evidence.jsonl").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize(
    "location",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://[::1",
        "http://127.0.0.1:99999/",
    ],
)
def test_a_redirect_to_a_non_http_or_broken_url_is_returned_then_refused_saying_why(
    location: str, serve_http: Callable[..., str], probe_for: Callable[..., Probe]
) -> None:
    probe = probe_for(_hostile(serve_http, location))
    response = probe.get("/redirect", role=ALICE)
    assert response.status == 302
    with pytest.raises(RefusedDestination, match="refused before connecting"):
        probe.get(probe.url(location, base=response.url), role=ALICE)


def test_a_non_loopback_destination_is_refused_without_a_packet(
    serve_http: Callable[..., str],
    probe_for: Callable[..., Probe],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = _hostile(serve_http, "http://10.0.0.1/landing")
    probe = probe_for(base)

    def no_packet(*args: object, **kwargs: object) -> Any:
        raise AssertionError(f"a connection or lookup was attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", no_packet)
    monkeypatch.setattr(socket, "getaddrinfo", no_packet)
    monkeypatch.setattr(socket.socket, "connect", no_packet)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", no_packet)
    for url in (
        "http://10.0.0.1/x",
        "https://example.com/x",
        "http://example.com\\@127.0.0.1/x",
        f"http://10.0.0.1\\@{urlsplit(base).netloc}/x",
        "http://[2001:db8::1]/x",
    ):
        with pytest.raises(RefusedDestination, match="refused before connecting"):
            probe.get(url, role=ALICE)
        with pytest.raises(RefusedDestination, match="refused before connecting"):
            with probe.stream(url, role=ALICE):
                pass


# -- end to end: a whole run against the reference handing out lookalikes -----------------------


class _Lookalike(Transform):
    """Hands out URLs that read as the platform's and connect to ``decoy``.

    ``mode``: ``location`` rewrites a new export's Location, ``redirect``
    answers each poll of an export job with a 302 to its lookalike, ``parts``
    rewrites the part URLs of a ready job.
    """

    def __init__(self, decoy: str, mode: str) -> None:
        self.decoy = decoy
        self.mode = mode

    def _lookalike(self, request: ProxyRequest, url: str) -> str:
        parts = urlsplit(url)
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        return f"http://{self.decoy}\\@{request.header('Host')}{tail}"

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if self.mode == "redirect" and request.method == "GET" and _is_job(request.path):
            where = self._lookalike(request, request.target)
            return ProxyResponse(302, {"Location": where, "Content-Length": "0"}, b"")
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if self.mode == "location" and request.path == "/port/v1/exports":
            location = response.header("Location")
            if request.method == "POST" and location:
                response.drop_header("Location")
                response.headers["Location"] = self._lookalike(request, location)
        if self.mode == "parts" and request.method == "GET" and _is_job(request.path):
            job = json.loads(response.body)
            for part in job.get("parts") or []:
                part["url"] = self._lookalike(request, str(part["url"]))
            response.body = json.dumps(job).encode()
        return response


def _is_job(path: str) -> bool:
    head, _, job = path.rpartition("/")
    return head == "/port/v1/exports" and bool(job)


@pytest.mark.parametrize(
    ("mode", "requirement", "outcome", "why"),
    [
        # werkzeug writes a Location's backslash as %5C: the decoy's authority becomes userinfo
        ("location", "PORT-001", Outcome.ERROR, "userinfo"),
        ("redirect", "PORT-001", Outcome.FAIL, "302"),
        ("parts", "PORT-002", Outcome.ERROR, "the HTTP stack would connect to http://{decoy}"),
    ],
)
def test_a_platform_handing_out_lookalikes_gets_no_token_and_a_reason(
    mode: str,
    requirement: str,
    outcome: Outcome,
    why: str,
    reference: ReferencePlatform,
    reference_target_: Target,
    decoy: _Listener,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(TRANSFORMS, "lookalike", _Lookalike)
    fault = Fault(
        "lookalike", (), "test only", "lookalike", {"decoy": decoy.authority, "mode": mode}
    )
    with FaultProxy(reference.base_url, fault) as proxy:
        target = dataclasses.replace(reference_target_, base_url=proxy.base_url)
        options = Options(requirements=(requirement,), report_dir=tmp_path / "r")
        result = run(target, options=options)
    assert decoy.received == []  # no connection, so no token
    (judged,) = [r for r in result.requirements if r.info.id == requirement]
    assert (judged.outcome, why.format(decoy=decoy.authority) in judged.reason) == (
        outcome,
        True,
    ), judged.reason
    (run_dir,) = (tmp_path / "r").iterdir()
    urls = _evidence_urls(run_dir)
    assert urls
    with requests.Session() as session:
        for url in urls:  # every exchange went where its URL says: the platform's own origin
            assert destination(url, session).origin == proxy.base_url, url
