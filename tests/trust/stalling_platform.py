"""A platform that stalls: it drips, holds or refuses, for the run-budget and politeness tests.

A raw socket server on loopback (an HTTP library would not send a status
line a byte at a time). It serves a valid discovery document claiming LINK,
answers the suite's credential check (a GET of a LINK message that cannot
exist) with a proper 404 problem, so the run gets to its checks, and every
other request, or the discovery document itself, as told:

- ``ok``: a complete answer (the discovery document, or a 404 problem);
- ``drip-head``: the status line and headers, a byte every ``drip`` seconds;
- ``drip-body``: complete headers, then the body a byte every ``drip`` seconds;
- ``hold``: accepts the connection, reads the request and never answers;
- ``429``: ``429 Too Many Requests`` with ``Retry-After: <retry_after>``.

Every connection ends when the server stops, or after ``MAX_HOLD`` seconds
at the latest, so a test that fails leaves no thread behind for long.
"""

from __future__ import annotations

import json
import secrets
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.budget import RunBudget
from conformance._harness.cli import main
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor, Secret
from conformance._harness.target import Limits, Role, Target
from conformance.reference.target_files import REFERENCE_DOMAINS

MAX_HOLD = 120.0
DISCOVERY = "/.well-known/interop"
CREDENTIAL_CHECK = "GET /link/v1/messages/"
CLIENTS = ("first_party", "third_party", "competitor")
USERS = ("alice", "bob", "carol")
_DOCUMENT = {
    "platform": "stalling",
    "standards": [{"id": "LINK", "version": "1.0", "profiles": ["core"]}],
    "limits": {},
    "deprecations": [],
}


@dataclass
class StallingPlatform:
    """What the platform does with the discovery document and with everything else."""

    discovery: str = "ok"
    others: str = "ok"
    retry_after: str = "999999"
    drip: float = 0.5
    seen: list[tuple[float, str]] = field(default_factory=list)
    """``(time.monotonic(), "METHOD path")`` of every request, in arrival order."""
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_to(self, path: str) -> int:
        """How many requests asked for ``path``."""
        with self._lock:
            return sum(1 for _, line in self.seen if line.split(" ", 1)[1].split("?")[0] == path)

    def note(self, line: str) -> None:
        with self._lock:
            self.seen.append((time.monotonic(), line))

    def mode_for(self, method: str, path: str) -> str:
        if path == DISCOVERY:
            return self.discovery
        return "ok" if f"{method} {path}".startswith(CREDENTIAL_CHECK) else self.others


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        platform = self.server.platform
        request = self.rfile.readline(8192).decode("latin-1").strip()
        length = 0
        for _ in range(200):
            line = self.rfile.readline(8192)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length" and value.strip().isdigit():
                length = min(int(value.strip()), 16 * 1024 * 1024)
        if length:
            self.rfile.read(length)
        method, _, rest = request.partition(" ")
        path = rest.split(" ", 1)[0]
        platform.note(f"{method} {path}")
        mode = platform.mode_for(method, path.split("?")[0])
        try:
            self._answer(platform, mode, path)
        except OSError:
            pass  # the suite cut the connection: that is what is tested

    def _answer(self, platform: StallingPlatform, mode: str, path: str) -> None:
        ends = time.monotonic() + MAX_HOLD
        if mode == "ok" and path.split("?")[0] == DISCOVERY:
            self._send(200, "OK", json.dumps(_DOCUMENT).encode(), "application/json")
        elif mode == "ok":
            self._send(404, "Not Found", _problem(404, "NOT_FOUND"), "application/problem+json")
        elif mode == "429":
            self._send(
                429,
                "Too Many Requests",
                _problem(429, "TOO_MANY_REQUESTS"),
                "application/problem+json",
                [("Retry-After", platform.retry_after)],
            )
        elif mode == "drip-head":
            head = b"HTTP/1.1 200 OK\r\n" + b"X-Drip: 1\r\n" * 50
            for byte in head:
                if platform.stop.wait(platform.drip) or time.monotonic() > ends:
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        elif mode == "drip-body":
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\nConnection: close\r\n\r\n{"
            )
            self.wfile.flush()
            while not platform.stop.wait(platform.drip) and time.monotonic() < ends:
                self.wfile.write(b" ")
                self.wfile.flush()
        elif mode == "hold":
            platform.stop.wait(MAX_HOLD)
        else:
            raise ValueError(f"unknown mode {mode!r}")

    def _send(
        self,
        status: int,
        phrase: str,
        body: bytes,
        content_type: str,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        lines = [
            f"HTTP/1.1 {status} {phrase}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in extra or []),
        ]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, platform: StallingPlatform) -> None:
        self.platform = platform
        super().__init__(("127.0.0.1", 0), _Handler)


def _problem(status: int, code: str) -> bytes:
    return json.dumps(
        {"type": "about:blank", "title": "refused", "status": status, "code": code}
    ).encode()


@contextmanager
def serving(platform: StallingPlatform) -> Iterator[str]:
    """Serve the platform on a free loopback port; yields its base URL."""
    server = _Server(platform)
    thread = threading.Thread(target=server.serve_forever, name="stalling-platform", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        platform.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def target_file(path: Path, base_url: str, limits: dict[str, float], env: dict[str, str]) -> Path:
    """A target file for the platform (tokens named in ``env``, which the caller exports)."""
    credentials: dict[str, dict[str, dict[str, str]]] = {}
    for client in CLIENTS:
        for user in USERS:
            var = f"STALL_{client}_{user}".upper()
            env[var] = f"stall-token-{client}-{user}-0123456789"
            credentials.setdefault(client, {})[user] = {"token_env": var}
    document = {
        "name": "stalling",
        "base_url": base_url,
        "users": {u: {"id": f"u-{u}"} for u in USERS},
        "credentials": credentials,
        "domains": {kind: list(hosts) for kind, hosts in REFERENCE_DOMAINS.items()},
        "limits": {"requests_per_second": 0, **limits},
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@dataclass
class Run:
    """One ``conformance run`` against the platform: what it returned and wrote."""

    code: int
    elapsed: float
    directory: Path
    report: dict[str, Any]
    evidence: list[dict[str, Any]]
    verify_code: int

    def reasons(self) -> dict[str, str]:
        """Each requirement's outcome and reason (its first line), by id."""
        return {
            r["id"]: f"{r['outcome']}: {r['reason'].splitlines()[0] if r['reason'] else ''}"
            for r in self.report["requirements"]
        }


def run_against(
    platform: StallingPlatform,
    tmp_path: Path,
    limits: dict[str, float],
    setenv: Callable[[str, str], None],
    *args: str,
) -> Run:
    """``conformance run --target`` against the platform, then ``conformance verify`` on it."""
    reports = tmp_path / "reports"
    with serving(platform) as base_url:
        env: dict[str, str] = {}
        target = target_file(tmp_path / "stalling.yaml", base_url, limits, env)
        for name, value in env.items():
            setenv(name, value)
        started = time.monotonic()
        code = main(["run", "--target", str(target), "--report-dir", str(reports), *args])
        elapsed = time.monotonic() - started
    return finished_run(code, elapsed, reports)


def finished_run(code: int, elapsed: float, reports: Path) -> Run:
    """What a run wrote into ``reports`` (its one run directory), verified."""
    (directory,) = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()]
    for name in ("report.json", "junit.xml", "evidence.jsonl", "manifest.json", "manifest.sig"):
        assert (directory / name).is_file(), f"{name} was not written"
    report = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    lines = (directory / "evidence.jsonl").read_text(encoding="utf-8").splitlines()
    evidence = [json.loads(line) for line in lines]
    verified = main(["verify", str(directory)])
    return Run(code, elapsed, directory, report, evidence, verified)


ALICE = Role("first_party", "alice")


@contextmanager
def probing(
    base_url: str, tmp_path: Path, *, budget: RunBudget | None = None, **limits: float
) -> Iterator[Probe]:
    """A probe for one check against ``base_url`` with the given limits (no pace unless set),
    spending ``budget`` if given (as both targets of a run share one)."""
    target = Target(
        "stalling",
        base_url,
        {},
        {"alice": "u-alice"},
        {ALICE: Secret("stall-token-0123456789")},
        Limits(**{"requests_per_second": 0, **limits}),  # type: ignore[arg-type]
    )
    log = EvidenceLog(
        tmp_path / f"evidence-{secrets.token_hex(4)}.jsonl", Redactor(target.secrets())
    )
    transport = Transport(target, None, log, budget)
    try:
        yield Probe(transport, check="t", requirement="C-001")
    finally:
        log.close()
        transport.close()
