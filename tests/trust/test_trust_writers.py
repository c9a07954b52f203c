"""Every writer writes whatever a platform sent; a bug ends as exit 70, reports written.

And the console's headline says what the exit code says (README's table).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conformance._harness import harness as harness_module
from conformance._harness.cli import EXIT_INTERNAL, exit_code, main
from conformance._harness.harness import Harness
from conformance._harness.report import junit
from conformance._harness.report.outputs import run_dirs
from conformance._harness.results import (
    Outcome,
    RequirementInfo,
    RequirementResult,
    RunResult,
    Selection,
)
from conformance._harness.safe_text import console_text, json_bytes, xml_text

DISCOVERY = (
    b'{"standards": [{"id": "LINK", "version": "1.0", "profiles": ["core"]}], '
    b'"name": "lone \\ud800 surrogate", "\\udfff": ["\\u001b[2J", "\\u0000"]}'
)


class _Surrogates(BaseHTTPRequestHandler):
    """Serves a discovery document with lone surrogates and control characters, else 404."""

    def do_GET(self) -> None:
        found = self.path == "/.well-known/interop"
        body = DISCOVERY if found else b'{"type": "about:blank", "title": "\\ud800", "status": 404}'
        self.send_response(200 if found else 404)
        self.send_header(
            "Content-Type", "application/json" if found else "application/problem+json"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def _run_dir(reports: Path) -> Path:
    (run_dir,) = run_dirs(reports)
    return run_dir


def test_lone_surrogates_in_the_discovery_document_are_written_not_crashed_on(
    tmp_path: Path,
    target_file: Callable[..., Path],
    serve_http: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = target_file(base_url=serve_http(_Surrogates))
    code = main(["run", "--target", str(target), "--report-dir", str(tmp_path / "r"), "-v"])
    out = capsys.readouterr()
    assert code == 1, out.out[-2000:] + out.err[-2000:]
    assert "Traceback" not in out.out + out.err
    run_dir = _run_dir(tmp_path / "r")
    report = json.loads((run_dir / "report.json").read_bytes())
    assert report["claims"]["name"] == "lone \ud800 surrogate"  # read back as sent
    assert report["claims"]["\udfff"] == ["\x1b[2J", "\x00"]
    assert ET.parse(run_dir / "junit.xml").getroot().tag == "testsuites"
    assert "\x1b" not in out.out and "\ud800" not in out.out
    assert main(["verify", str(run_dir)]) == 0


def test_writers_escape_what_their_format_cannot_carry() -> None:
    assert json.loads(json_bytes({"\ud800": "\udfff é", "n": float("nan")})) == {
        "\ud800": "\udfff é",
        "n": "nan",
    }
    assert xml_text("a\x00b\ud800c\ufffe\x1bé") == "a\\x00b\\ud800c\\ufffe\\x1bé"
    assert console_text("red \x1b[31m\u202eevil\nnext\tcol\ud800") == (
        "red \\x1b[31m\\u202eevil\nnext\tcol\\ud800"
    )


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(
            lambda mp: mp.setattr(Harness, "check_credentials", _raise), id="before any check"
        ),
        pytest.param(lambda mp: mp.setattr(harness_module, "fold", _raise), id="finishing"),
        pytest.param(lambda mp: mp.setattr(junit, "build", _raise), id="writing junit.xml"),
    ],
)
def test_an_unexpected_exception_ends_as_exit_70_with_the_reports_written(
    break_it: Callable[[pytest.MonkeyPatch], None],
    tmp_path: Path,
    target_file: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = target_file()
    break_it(monkeypatch)
    args = ["run", "--target", str(target), "--requirement", "C-001"]
    code = main([*args, "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr()
    assert code == EXIT_INTERNAL
    headline = next(line for line in out.out.splitlines() if line.startswith("INTERNAL ERROR"))
    assert headline.startswith("INTERNAL ERROR: the suite failed (a bug; please report it): ")
    assert "RuntimeError: boom" in headline
    assert "internal error" in out.err and "Traceback" not in out.out + out.err
    run_dir = _run_dir(tmp_path / "r")
    summary = json.loads((run_dir / "report.json").read_bytes())["summary"]
    assert summary["verdict"] == "internal-error" and summary["conformant"] is False
    assert "RuntimeError: boom" in summary["problem"]
    assert main(["verify", str(run_dir)]) == 0  # what was written is sealed all the same


def _raise(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


def _result(**fields: object) -> RunResult:
    info = RequirementInfo("C-001", "COMMON", "1.0", "MUST", "core", "text", "source")
    outcome = fields.pop("outcome", Outcome.PASS)
    assert isinstance(outcome, Outcome)
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
    ("result", "code", "headline"),
    [
        (_result(), 0, "CONFORMANT"),
        (_result(outcome=Outcome.FAIL), 1, "NOT CONFORMANT"),
        (
            _result(selection=Selection(standards=("LINK",)), claimed=("C-001", "X-001")),
            0,
            "PARTIAL",
        ),
        (_result(configuration_error="token refused"), 2, "CONFIGURATION ERROR"),
        (_result(unreachable="connection refused"), 3, "UNREACHABLE"),
        (_result(discovery_problem="not JSON"), 4, "NO DISCOVERY"),
        (_result(outcome=Outcome.ERROR), 5, "UNDECIDED"),
        (_result(internal_error="boom"), 70, "INTERNAL ERROR"),
    ],
)
def test_the_headline_says_what_the_exit_code_says(
    result: RunResult, code: int, headline: str
) -> None:
    assert exit_code(result) == code
    assert result.headline().split(":")[0] == headline
    if code != 1:
        assert "NOT CONFORMANT" not in result.headline()
