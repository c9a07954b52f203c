"""A run says what happened, not something near it.

- A discovery document behind a redirect loop is a discovery problem (NO
  DISCOVERY, exit 4), not PORT-001's failure, nor a crash.
- A platform that answers with a 1 MB header answered, badly: the platform's
  fault with the reason (exit 4 on discovery, a ``fail`` elsewhere), never
  "nothing answered" (exit 3).
- The console's headline is the verdict of the exit code: UNREACHABLE, NO
  DISCOVERY, CONFIGURATION ERROR, UNDECIDED, INTERNAL ERROR; "NOT CONFORMANT"
  only for exit 1.
- An unexpected exception while writing report.json or in a check's teardown
  ends as INTERNAL ERROR, exit 70, with the reports written and sealed.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

import conformance.plugin as plugin_module
from conformance._harness.cli import (
    EXIT_GARBAGE,
    EXIT_INTERNAL,
    EXIT_NOT_CONFORMANT,
    EXIT_UNREACHABLE,
    exit_code,
    main,
)
from conformance._harness.harness import Harness
from conformance._harness.marks import probes_key, requirement_ids
from conformance._harness.probe import Probe
from conformance._harness.report import console, json_report
from conformance._harness.report.outputs import run_dirs
from conformance._harness.results import (
    Outcome,
    RequirementInfo,
    RequirementResult,
    RunResult,
    Selection,
    Verdict,
)
from conformance._harness.verify import verify_run
from conformance.reference.server import ServingThread

TOKEN = "meanings-token-0123456789abcdef"
DISCOVERY = b'{"standards": [{"id": "LINK", "version": "1.0", "profiles": ["core"]}]}'
HUGE = "a" * (1024 * 1024)
HEADLINES = {
    Verdict.CONFORMANT: "CONFORMANT",
    Verdict.NOT_CONFORMANT: "NOT CONFORMANT",
    Verdict.PARTIAL: "PARTIAL",
    Verdict.UNDECIDED: "UNDECIDED",
    Verdict.UNREACHABLE: "UNREACHABLE",
    Verdict.NO_DISCOVERY: "NO DISCOVERY",
    Verdict.CONFIGURATION_ERROR: "CONFIGURATION ERROR",
    Verdict.INTERNAL_ERROR: "INTERNAL ERROR",
}

Answer = Callable[[BaseHTTPRequestHandler], None]


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **headers}.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:
        pass  # the suite hung up on a header it will not read: as it should


def _discovery(handler: BaseHTTPRequestHandler) -> None:
    _send(handler, 200, DISCOVERY, Content_Type="application/json")


def _loop(handler: BaseHTTPRequestHandler) -> None:
    _send(handler, 302, b"", Location="/.well-known/interop")


def _huge_header(handler: BaseHTTPRequestHandler) -> None:
    _send(handler, 404, b"{}", Content_Type="application/problem+json", X_Padding=HUGE)


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print the suite hanging up on it (it should) to stderr."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@contextmanager
def _platform(discovery: Answer, rest: Answer) -> Iterator[str]:
    class Platform(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            (discovery if self.path.startswith("/.well-known/interop") else rest)(self)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Platform)
    serving = ServingThread(server, "meanings")
    serving.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        serving.stop()


def _run(
    tmp_path: Path,
    base_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *selection: str,
) -> tuple[int, str, str, dict[str, Any]]:
    """``conformance run`` against ``base_url``: exit code, stdout, stderr, report.json."""
    monkeypatch.setenv("MEANINGS_TOKEN", TOKEN)
    credentials = {
        c: {u: {"token_env": "MEANINGS_TOKEN"} for u in ("alice", "bob", "carol")}
        for c in ("first_party", "third_party", "competitor")
    }
    target = tmp_path / "target.yaml"
    target.write_text(
        yaml.safe_dump(
            {
                "name": "meanings",
                "base_url": base_url,
                "users": {u: {"id": u} for u in ("alice", "bob", "carol")},
                "credentials": credentials,
                "limits": {"requests_per_second": 0, "check_timeout": 30, "request_timeout": 10},
            }
        ),
        encoding="utf-8",
    )
    reports = tmp_path / "r"
    code = main(["run", "--target", str(target), "--report-dir", str(reports), *selection])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    (run_dir,) = run_dirs(reports)
    assert verify_run(run_dir).ok, verify_run(run_dir).problems
    return code, out.out, out.err, json.loads((run_dir / "report.json").read_bytes())


def _headline(stdout: str) -> str:
    starts = tuple(HEADLINES.values())
    return next(line for line in stdout.splitlines() if line.startswith(starts))


def test_a_redirect_loop_on_discovery_is_no_discovery_not_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _platform(_loop, _loop) as base_url:
        code, out, err, report = _run(tmp_path, base_url, capsys, monkeypatch)
    assert code == EXIT_GARBAGE
    assert report["summary"]["verdict"] == "no-discovery"
    assert "redirects without end" in report["summary"]["problem"]
    assert _headline(out).startswith("NO DISCOVERY: ") and "redirects without end" in err
    outcomes = {r["id"]: r["outcome"] for r in report["requirements"]}
    assert outcomes["PORT-001"] != "fail"
    assert Outcome.FAIL.value not in {o for rid, o in outcomes.items() if rid != "C-001"}
    assert "NOT CONFORMANT" not in out + err


def test_a_huge_header_on_discovery_is_a_garbled_answer_not_an_unreachable_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _platform(_huge_header, _huge_header) as base_url:
        code, out, err, report = _run(tmp_path, base_url, capsys, monkeypatch)
    assert code == EXIT_GARBAGE, err
    problem = report["summary"]["problem"]
    assert "the platform answered, but not with HTTP the suite can read" in problem
    assert "header line" in problem
    assert _headline(out).startswith("NO DISCOVERY: ")
    assert "unreachable" not in (out + err).lower()


def test_a_huge_header_elsewhere_fails_the_requirement_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _platform(_discovery, _huge_header) as base_url:
        code, out, _, report = _run(
            tmp_path, base_url, capsys, monkeypatch, "--requirement", "C-002"
        )
    assert code == EXIT_NOT_CONFORMANT
    (c002,) = (r for r in report["requirements"] if r["id"] == "C-002")
    assert c002["outcome"] == "fail"
    assert "not with HTTP the suite can read" in c002["reason"]
    assert "unreachable" not in c002["reason"].lower()
    assert _headline(out).startswith("PARTIAL: ")


def test_an_unreachable_target_is_headlined_unreachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err, _ = _run(tmp_path, f"http://127.0.0.1:{port}", capsys, monkeypatch)
    assert code == EXIT_UNREACHABLE
    assert _headline(out).startswith("UNREACHABLE: ")
    assert "NOT CONFORMANT" not in out + err


def _result(**fields: Any) -> RunResult:
    info = RequirementInfo("C-001", "COMMON", "1.0", "MUST", "core", "text", "source")
    outcome = fields.pop("outcome", Outcome.PASS)
    result = RunResult(
        "run",
        "0",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:01Z",
        {"name": "t", "base_url": "http://127.0.0.1:1"},
        {"standards": []},
        [],
        1,
        requirements=[RequirementResult(info, outcome, "why", ())],
        claimed=("C-001",),
    )
    for key, value in fields.items():
        setattr(result, key, value)
    return result


@pytest.mark.parametrize(
    "result",
    [
        _result(),
        _result(outcome=Outcome.FAIL),
        _result(outcome=Outcome.ERROR),
        _result(selection=Selection(standards=("LINK",)), claimed=("C-001", "X-001")),
        _result(configuration_error="token refused"),
        _result(unreachable="connection refused"),
        _result(discovery_problem="redirects without end"),
        _result(internal_error="boom", outcome=Outcome.FAIL),
    ],
    ids=lambda r: r.verdict().value,
)
def test_the_console_headline_is_the_verdict_of_the_exit_code(result: RunResult) -> None:
    shown = console.render(result).splitlines()
    verdict = result.verdict()
    (headline,) = (line for line in shown if line.startswith(tuple(HEADLINES.values())))
    assert headline.startswith(HEADLINES[verdict]), headline
    if exit_code(result) != EXIT_NOT_CONFORMANT:
        assert "NOT CONFORMANT" not in "\n".join(shown)


# -- exit 70 ----------------------------------------------------------------------------


def _internal_error_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dict[str, Any]]:
    with _platform(_discovery, _huge_header) as base_url:
        code, out, err, report = _run(
            tmp_path, base_url, capsys, monkeypatch, "--requirement", "C-001"
        )
    assert code == EXIT_INTERNAL, out[-2000:] + err[-2000:]
    assert _headline(out).startswith("INTERNAL ERROR: the suite failed (a bug; please report it)")
    assert report["summary"]["verdict"] == "internal-error"
    return report["summary"]["problem"], report


def test_an_exception_writing_report_json_ends_as_exit_70_with_it_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_schema() -> dict[str, Any]:
        raise RuntimeError("the report schema broke")

    monkeypatch.setattr(json_report, "schema", broken_schema)
    problem, report = _internal_error_run(tmp_path, capsys, monkeypatch)
    assert "report.json: RuntimeError: the report schema broke" in problem
    assert [r["id"] for r in report["requirements"]] == ["C-001"]  # what was judged, kept


def test_an_exception_in_a_checks_teardown_ends_as_exit_70(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    @pytest.fixture(name="probe")
    def breaking_probe(request: pytest.FixtureRequest, harness: Harness) -> Iterator[Probe]:
        ids = requirement_ids(request.node)
        made = harness.probe(request.node.nodeid, ids[0] if ids else "")
        request.node.stash.setdefault(probes_key, []).append(made)
        yield made
        raise RuntimeError("a teardown that breaks")

    monkeypatch.setattr(plugin_module, "probe", breaking_probe)
    problem, report = _internal_error_run(tmp_path, capsys, monkeypatch)
    assert "the teardown of" in problem and "RuntimeError: a teardown that breaks" in problem
    (c001,) = report["requirements"]
    assert c001["outcome"] in {"pass", "fail"}  # the check itself was judged
