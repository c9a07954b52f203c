"""The command line: documented exit codes, clear messages, no tracebacks."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conformance.cli import (
    EXIT_CONFORMANT,
    EXIT_GARBAGE,
    EXIT_NOT_CONFORMANT,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    main,
)
from conformance.faults.catalog import load_faults
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform


class _Garbage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>\x00\xff not what you asked for"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def garbage_url(serve_http: Callable[..., str]) -> str:
    return serve_http(_Garbage)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_malformed_target_file_exits_2_naming_file_key_and_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nbase_url: ftp://nowhere\nusers: {}\n", encoding="utf-8")
    code = main(["run", "--target", str(path), "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert str(path) in err and "base_url" in err and "Fix:" in err
    assert "Traceback" not in err


def test_unknown_standard_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--standard", "NOPE"]) == EXIT_USAGE
    assert "known standards" in capsys.readouterr().err


def test_unreachable_target_exits_3(
    tmp_path: Path, target_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    target = target_file(base_url=f"http://127.0.0.1:{_closed_port()}")
    code = main(["run", "--target", str(target), "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr()
    assert code == EXIT_UNREACHABLE
    assert "target unreachable" in out.err and "connection refused" in out.err
    assert "Traceback" not in out.out + out.err


def test_garbage_answering_target_exits_4(
    tmp_path: Path,
    target_file: Callable[..., Path],
    garbage_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = target_file(base_url=garbage_url)
    code = main(["run", "--target", str(target), "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr()
    assert code == EXIT_GARBAGE
    assert "not with a usable discovery document" in out.err and "not JSON" in out.err
    assert "Traceback" not in out.out + out.err


def test_reference_from_a_target_file_is_conformant_and_reports_verify(
    tmp_path: Path,
    target_file: Callable[..., Path],
    reference: ReferencePlatform,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = target_file()
    code = main(
        ["run", "--target", str(target), "--standard", "PORT", "--report-dir", str(tmp_path / "r")]
    )
    assert code == EXIT_CONFORMANT, capsys.readouterr().out
    (run_dir,) = (tmp_path / "r").iterdir()
    assert {p.name for p in run_dir.iterdir()} == {"report.json", "junit.xml", "evidence.jsonl"}
    assert main(["verify", str(run_dir)]) == 0
    evidence = (run_dir / "evidence.jsonl").read_text(encoding="utf-8")
    for token in reference.identities.tokens.values():
        assert token not in evidence, "a token leaked into the evidence"
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["conformant"] is True
    for token in reference.identities.tokens.values():
        assert token not in json.dumps(report)


def test_failing_must_exits_1(
    tmp_path: Path, target_file: Callable[..., Path], reference: ReferencePlatform
) -> None:
    fault = next(f for f in load_faults() if f.name == "deletes-forgotten")
    with FaultProxy(reference.base_url, fault) as proxy:
        target = target_file(base_url=proxy.base_url)
        code = main(
            [
                "run",
                "--target",
                str(target),
                "--requirement",
                "PORT-015",
                "--report-dir",
                str(tmp_path / "r"),
            ]
        )
    assert code == EXIT_NOT_CONFORMANT


def test_specs_lists_every_requirement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs"]) == 0
    out = capsys.readouterr().out
    for rid in ("C-001", "C-005", "PORT-001", "PORT-016"):
        assert rid in out
