"""The probe's guarantees: where it goes, what it carries, how much it reads, how long it waits."""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import (
    DeadlineExceeded,
    ProbeError,
    RefusedDestination,
    ResponseTooLarge,
    TargetUnreachable,
)
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor, Secret
from conformance._harness.target import Limits, Role, Target
from conformance._harness.validation import Validator, validator_for

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
            for _ in range(100):  # 30 s in all: far past any deadline the tests set
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.3)
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


def _probe(
    base: str,
    tmp_path: Path,
    *,
    allowed: tuple[str, ...] = (),
    validator: Validator | None = None,
    requirement: str = "C-001",
    **limits: float,
) -> Probe:
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
    transport = Transport(target, validator, log)
    _made.append(transport)
    return Probe(transport, check="t", requirement=requirement)


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


def test_a_stream_tells_the_size_and_hash_its_record_keeps(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A part's download takes them from here rather than hashing the body again.
    probe = _probe(home[0], tmp_path)
    with probe.stream("/big") as stream:
        body = b"".join(stream.chunks)
        size, sha256 = stream.size, stream.sha256
    probe.transport.log.close()
    assert (size, sha256) == (len(body), hashlib.sha256(body).hexdigest())
    assert len(body) == 200_000
    lines = (tmp_path / "evidence.jsonl").read_bytes().splitlines()
    (record,) = [r for r in map(json.loads, lines) if r["id"] == stream.exchange]
    body_record = record["response"]["body"]
    assert (body_record["size"], body_record["sha256"]) == (size, sha256)


def test_a_body_still_arriving_at_the_deadline_ends_the_check(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    probe = _probe(home[0], tmp_path, check_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        probe.get("/slow")
    # Cut at 1 s; the bound leaves a busy machine room and still tells a cut from the 30 s body.
    assert time.monotonic() - started < 15


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


# -- what every answer is held to, and the pace of the platform's quota ------------------------

Scripted = tuple[int, dict[str, str], bytes]
PROBLEM = b'{"type": "about:blank", "title": "Too Many Requests", "status": 429, "code": "TOO_MANY_REQUESTS"}'


class _Script(BaseHTTPRequestHandler):
    """Answers each request with the next scripted answer (the last one repeats)."""

    script: list[Scripted]
    arrivals: list[float]

    def do_GET(self) -> None:
        self.arrivals.append(time.monotonic())
        status, headers, body = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def _scripted(serve_http: Callable[..., str], *answers: Scripted) -> tuple[str, list[float]]:
    handler = type("Handler", (_Script,), {"script": list(answers), "arrivals": []})
    return serve_http(handler), handler.arrivals


@pytest.fixture(scope="module")
def validator() -> Validator:
    return validator_for(Catalogue.load())


def test_an_error_body_is_charged_to_c002_not_to_the_check_in_force(
    serve_http: Callable[..., str], tmp_path: Path, validator: Validator
) -> None:
    base, _ = _scripted(serve_http, (404, {"Content-Type": "text/plain"}, b"Not found"))
    probe = _probe(base, tmp_path, validator=validator, requirement="FAIR-001")
    response = probe.get("/fair/v1/items/x", role=ALICE)  # validated, yet no SchemaViolation
    assert response.status == 404
    (charged,) = probe.transport.charged_results({"C-002"})
    assert charged.requirement == "C-002" and charged.outcome.value == "fail"
    assert charged.check == "t (charged)" and charged.evidence == (response.exchange,)
    assert "Content-Type" in charged.reason and "text/plain" in charged.reason
    assert probe.transport.charged_results({"C-003"}) == []


def test_a_check_of_c002_itself_is_not_charged_again(
    serve_http: Callable[..., str], tmp_path: Path, validator: Validator
) -> None:
    base, _ = _scripted(serve_http, (404, {"Content-Type": "text/plain"}, b"Not found"))
    probe = _probe(base, tmp_path, validator=validator, requirement="C-002")
    probe.get("/fair/v1/items/x", role=ALICE, validate=False)
    assert probe.transport.charged_results({"C-002"}) == []


def test_an_error_page_asked_for_as_a_browser_is_not_held_to_c002(
    serve_http: Callable[..., str], tmp_path: Path, validator: Validator
) -> None:
    base, _ = _scripted(serve_http, (404, {"Content-Type": "text/html"}, b"<p>gone</p>"))
    probe = _probe(base, tmp_path, validator=validator, requirement="LINK-007")
    probe.get("/link/v1/share/x", headers={"Accept": "text/html,*/*;q=0.8"}, validate=False)
    assert probe.transport.charged_results({"C-002"}) == []


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_a_429_is_waited_out_as_retry_after_asks(
    serve_http: Callable[..., str], tmp_path: Path, form: str
) -> None:
    retry = "1" if form == "seconds" else formatdate(time.time() + 2, usegmt=True)
    refusal = (429, {"Content-Type": "application/problem+json", "Retry-After": retry}, PROBLEM)
    base, arrivals = _scripted(serve_http, refusal, (200, {}, b"{}"))
    probe = _probe(base, tmp_path)
    assert probe.get("/x", role=ALICE).status == 200
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 0.9
    assert probe.transport.charged_results({"C-003"}) == []


def test_a_429_asking_past_the_time_limit_ends_the_check_saying_why(
    serve_http: Callable[..., str], tmp_path: Path
) -> None:
    refusal = (429, {"Retry-After": "3600"}, PROBLEM)
    base, arrivals = _scripted(serve_http, refusal)
    probe = _probe(base, tmp_path, check_timeout=20.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"asked to wait 3600 s.*time limit left"):
        probe.get("/x", role=ALICE)
    # Refused at once: well before the 20 s time limit, even on a busy machine.
    assert time.monotonic() - started < 10 and len(arrivals) == 1


def test_a_429_without_retry_after_is_charged_to_c003_and_backed_off(
    serve_http: Callable[..., str], tmp_path: Path, validator: Validator
) -> None:
    refusal = (429, {"Content-Type": "application/problem+json"}, PROBLEM)
    base, arrivals = _scripted(
        serve_http, refusal, (200, {"Content-Type": "application/json"}, b'{"items": []}')
    )
    probe = _probe(base, tmp_path, validator=validator, requirement="FAIR-001")
    assert probe.get("/fair/v1/items", role=ALICE, validate=False).status == 200
    assert arrivals[1] - arrivals[0] >= 0.9
    (charged,) = probe.transport.charged_results({"C-003"})
    assert "Retry-After" in charged.reason


def test_a_refusal_studied_without_retry_after_is_c003s_not_the_checks(
    serve_http: Callable[..., str], tmp_path: Path, validator: Validator
) -> None:
    refusal = (429, {"Content-Type": "application/problem+json"}, PROBLEM)
    base, _ = _scripted(serve_http, refusal)
    probe = _probe(base, tmp_path, validator=validator, requirement="PORT-007")
    response = probe.post("/port/v1/exports", role=ALICE, wait_on_429=False)  # validated
    assert response.status == 429
    (charged,) = probe.transport.charged_results({"C-003"})
    assert charged.check == "t (charged)"


def test_a_check_that_studies_refusals_gets_the_429(
    serve_http: Callable[..., str], tmp_path: Path
) -> None:
    base, arrivals = _scripted(serve_http, (429, {"Retry-After": "30"}, PROBLEM))
    assert _probe(base, tmp_path).get("/x", role=ALICE, wait_on_429=False).status == 429
    assert len(arrivals) == 1


@pytest.mark.parametrize(
    "stated",
    [
        {"RateLimit": "limit=2, remaining=0, reset=1", "RateLimit-Policy": "2;w=1"},
        {"RateLimit": '"default";r=0;t=1', "RateLimit-Policy": '"default";q=2;w=1'},
    ],
)
def test_the_next_request_of_a_used_up_credential_waits_for_the_reset(
    serve_http: Callable[..., str], tmp_path: Path, stated: dict[str, str]
) -> None:
    base, arrivals = _scripted(serve_http, (200, stated, b"{}"), (200, {}, b"{}"))
    probe = _probe(base, tmp_path)
    first = probe.get("/x", role=ALICE)
    probe.get("/x")  # another credential (anonymous) is not held back
    called = time.monotonic()
    third = probe.get("/x", role=ALICE)
    assert arrivals[1] - arrivals[0] < 0.5
    assert arrivals[2] - arrivals[0] >= 0.95
    # Time a platform is held to counts from when the request left, not from the call.
    assert third.sent_at - called >= 0.5 and third.sent_at - first.sent_at >= 0.95
