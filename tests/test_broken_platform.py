"""A platform that claims PORT but answers nonsense: every requirement ends with a reason, no crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml

from conformance._harness.cli import EXIT_NOT_CONFORMANT, main
from conformance._harness.report.outputs import run_dirs

DISCOVERY = {
    "platform": "broken",
    "standards": [
        {"id": "PORT", "version": "1.0", "profiles": ["core", "continuous", "resumable"]}
    ],
    "limits": {"port.max_export_seconds": 2},
    "deprecations": [],
}


class _Broken(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path == "/.well-known/interop":
            body, kind, status = json.dumps(DISCOVERY).encode(), "application/json", 200
        elif self.command == "POST":
            body, kind, status = b'{"id": 7, "status": ["pending"]}', "application/json", 202
        else:
            body, kind, status = b"<html><h1>Maintenance</h1>\x00\xff", "text/html", 200
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if status == 202:
            self.send_header("Location", "/port/v1/exports/../../../etc/passwd")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def broken_url(serve_http: Callable[..., str]) -> str:
    return serve_http(_Broken)


@pytest.mark.slow
def test_nonsense_answers_end_as_fail_or_error_with_reasons(
    broken_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BROKEN_TOKEN", "broken-token-value")
    credentials = {
        c: {u: {"token_env": "BROKEN_TOKEN"} for u in ("alice", "bob", "carol")}
        for c in ("first_party", "third_party")
    }
    target = tmp_path / "broken.yaml"
    target.write_text(
        yaml.safe_dump(
            {
                "name": "broken",
                "base_url": broken_url,
                "users": {u: {"id": u} for u in ("alice", "bob", "carol")},
                "credentials": credentials,
                "limits": {"requests_per_second": 0, "check_timeout": 30},
            }
        ),
        encoding="utf-8",
    )
    code = main(
        [
            "run",
            "--target",
            str(target),
            "--standard",
            "PORT",
            "--report-dir",
            str(tmp_path / "r"),
            "--examples",
            "2",
        ]
    )
    out = capsys.readouterr()
    assert code == EXIT_NOT_CONFORMANT
    assert "Traceback" not in out.out + out.err
    (run_dir,) = run_dirs(tmp_path / "r")
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    outcomes = {r["id"]: (r["outcome"], r["reason"]) for r in report["requirements"]}
    assert outcomes["C-001"][0] == "pass"
    for rid, (outcome, reason) in outcomes.items():
        assert outcome in {"pass", "fail", "error", "skip", "not-applicable"}, rid
        if outcome != "pass":
            assert reason.strip(), f"{rid} ended {outcome} without a reason"
    assert sum(1 for o, _ in outcomes.values() if o == "fail") >= 10
