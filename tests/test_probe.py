"""The probe's guarantees: where it goes, what it carries, how much it reads, how long it waits."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conformance.errors import (
    DeadlineExceeded,
    ProbeError,
    RefusedDestination,
    ResponseTooLarge,
    TargetUnreachable,
)
from conformance.evidence import EvidenceLog
from conformance.probe import Probe, Transport
from conformance.secrets import Redactor, Secret
from conformance.target import Limits, Role, Target

ALICE = Role("first_party", "alice")
TOKEN = "tok-abcdefghijklmnop"


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]
    redirect_to: str = ""

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, **{k: v for k, v in self.headers.items()}})
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/big"):
            body = b"x" * 200_000
        elif self.path.startswith("/slow"):
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
            return
        else:
            body = f'{{"echo": "{TOKEN}"}}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


Served = tuple[str, list[dict[str, str]], type[_Recorder]]


def _recorder(serve_http: Callable[..., str], host: str) -> Served:
    handler = type("Handler", (_Recorder,), {"seen": []})
    return serve_http(handler, host), handler.seen, handler


@pytest.fixture
def home(serve_http: Callable[..., str]) -> Served:
    return _recorder(serve_http, "127.0.0.1")


@pytest.fixture
def elsewhere(serve_http: Callable[..., str]) -> Served:
    return _recorder(serve_http, "127.0.0.2")  # another host, still loopback


_made: list[Transport] = []


@pytest.fixture(autouse=True)
def _close_transports() -> Iterator[None]:
    yield
    while _made:
        transport = _made.pop()
        transport.log.close()
        transport.close()


def _probe(base: str, tmp_path: Path, *, allowed: tuple[str, ...] = (), **limits: float) -> Probe:
    target = Target(
        "t",
        base,
        {},
        {"alice": "a"},
        {ALICE: Secret(TOKEN)},
        Limits(requests_per_second=0, **limits),
        allowed,
    )  # type: ignore[arg-type]
    log = EvidenceLog(tmp_path / "evidence.jsonl", Redactor([Secret(TOKEN)]))
    transport = Transport(target, None, log)
    _made.append(transport)
    return Probe(transport, check="t", requirement="C-001")


def test_a_redirect_to_another_origin_is_not_followed(home, elsewhere, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _, handler = home
    other, other_seen, _ = elsewhere
    handler.redirect_to = other + "/landing"
    response = _probe(base, tmp_path).get("/redirect", role=ALICE)
    assert response.status == 302
    assert other_seen == []


def test_an_allowed_origin_is_followed_without_credentials(home, elsewhere, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _, handler = home
    other, other_seen, _ = elsewhere
    handler.redirect_to = other + "/landing"
    response = _probe(base, tmp_path, allowed=(other,)).get("/redirect", role=ALICE)
    assert response.status == 200
    assert [s["path"] for s in other_seen] == ["/landing"]
    assert "Authorization" not in other_seen[0]


def test_a_same_origin_redirect_keeps_credentials(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, seen, handler = home
    handler.redirect_to = "/landing"
    _probe(base, tmp_path).get("/redirect", role=ALICE)
    assert seen[-1]["path"] == "/landing" and seen[-1]["Authorization"] == f"Bearer {TOKEN}"


def test_a_foreign_destination_is_refused_before_connecting(
    home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    def no_connection(*args: object, **kwargs: object) -> None:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    probe = _probe(home[0], tmp_path)
    with pytest.raises(RefusedDestination, match=r"203\.0\.113\.7"):
        probe.get("http://203.0.113.7/anything", role=ALICE)
    with pytest.raises(RefusedDestination):
        probe.get("https://127.0.0.1:1/", role=ALICE)  # another origin, even on loopback


def test_a_body_past_the_cap_is_not_read(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ResponseTooLarge, match="cap"):
        _probe(home[0], tmp_path, max_response_bytes=100_000).get("/big")


def test_a_body_still_arriving_at_the_deadline_ends_the_check(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    probe = _probe(home[0], tmp_path, check_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        probe.get("/slow")
    assert time.monotonic() - started < 3


def test_secrets_never_reach_the_evidence(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    probe = _probe(home[0], tmp_path)
    probe.get("/echo?sig=abcdef123456", role=ALICE)
    probe.transport.log.close()
    evidence = (tmp_path / "evidence.jsonl").read_text(encoding="utf-8")
    assert TOKEN not in evidence
    assert "abcdef123456" not in evidence
    assert "[REDACTED]" in evidence


def test_a_request_the_suite_cannot_form_is_not_blamed_on_the_target(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    probe = _probe(home[0], tmp_path)
    with pytest.raises(ProbeError, match="could not be sent") as caught:
        probe.get("/echo", headers={"User-Agent": " leading space"})
    assert not isinstance(caught.value, TargetUnreachable)
