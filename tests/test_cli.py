"""The command line: documented exit codes, clear messages, no tracebacks."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.cli import (
    EXIT_CONFORMANT,
    EXIT_GARBAGE,
    EXIT_NOT_CONFORMANT,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    main,
)
from conformance._harness.report.outputs import run_dirs
from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.proxy import FaultProxy
from conformance.faults.transforms import TRANSFORMS
from conformance.faults.transforms.common import problem
from conformance.reference.server import ReferencePlatform

CLAIMED = sum(1 for _ in Catalogue.load())
"""Every requirement of the catalogue: the reference claims them all."""


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


@pytest.mark.parametrize(
    ("option", "value", "hint"),
    [
        ("--profile", "cor", "did you mean 'core'?"),
        ("--standard", "PROT", "did you mean 'PORT'?"),
        ("--requirement", "PORT-04", "did you mean 'PORT-004'?"),
        ("--requirement", "PORT-017", "PORT defines PORT-001…PORT-016"),
    ],
)
def test_an_unknown_selection_is_a_usage_error_with_a_hint(
    option: str, value: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before the fix, `--profile cor` ran COMMON alone and printed CONFORMANT with exit 0.
    assert main(["run", option, value]) == EXIT_USAGE
    out = capsys.readouterr()
    assert hint.lower() in out.err.lower(), out.err
    assert "CONFORMANT" not in out.out and "reference platform started" not in out.out


def test_a_profile_of_another_standard_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--standard", "FAIR", "--profile", "continuous"]) == EXIT_USAGE
    assert "it is one of PORT" in capsys.readouterr().err


class _RefuseToken(Transform):
    """Answers every request that carries ``token`` with ``status`` (and ``challenge``)."""

    def __init__(self, token: str, status: int, challenge: str = "") -> None:
        self.token, self.status, self.challenge = token, status, challenge

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.header("Authorization") == f"Bearer {self.token}":
            headers = {"WWW-Authenticate": self.challenge} if self.challenge else {}
            return problem(self.status, "refused by the test", headers)
        return None


def test_a_refused_token_is_a_configuration_error_not_the_platforms_failure(
    tmp_path: Path,
    target_file: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = target_file()
    monkeypatch.setenv("TEST_TOKEN_FIRST_PARTY_ALICE", "not-the-token-the-platform-issued")
    code = main(
        [
            "run",
            "--target",
            str(target),
            "--requirement",
            "PORT-001",
            "--report-dir",
            str(tmp_path / "r"),
        ]
    )
    out = capsys.readouterr()
    assert code == EXIT_USAGE, out.out
    assert "credentials.first_party.alice.token_env" in out.err
    assert "refused the token of first_party/alice with 401" in out.err
    assert "Fix: export TEST_TOKEN_FIRST_PARTY_ALICE=" in out.err
    assert "so no requirement was judged" in out.err  # the diagnosis, first and alone
    assert "CONFIGURATION ERROR: no requirement was judged" in out.out
    assert "answered 401" not in out.out.split("CONFIGURATION ERROR")[0], "PORT-001 was judged"
    (run_dir,) = run_dirs(tmp_path / "r")
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["verdict"] == "configuration-error"
    assert report["requirements"] == []
    assert "credentials.first_party.alice.token_env" in report["summary"]["problem"]
    evidence = (run_dir / "evidence.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in evidence.splitlines()]
    refused = [r for r in records if r["role"] == "first_party/alice"]
    assert refused and {r["response"]["status"] for r in refused} == {401}
    assert all(r["check"].startswith("credentials") for r in records[1:])
    assert "not-the-token-the-platform-issued" not in evidence


@pytest.mark.parametrize(
    ("status", "challenge"), [(403, ""), (401, 'Captcha realm="interop"')], ids=["403", "captcha"]
)
def test_a_token_denied_an_operation_is_not_a_configuration_error(
    status: int,
    challenge: str,
    tmp_path: Path,
    target_file: Callable[..., Path],
    reference: ReferencePlatform,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(TRANSFORMS, "refuse_token", _RefuseToken)
    token = reference.identities.token("third_party", "bob")
    options = {"token": token, "status": status, "challenge": challenge}
    fault = Fault("refuse-token", (), "test only", "refuse_token", options)
    with FaultProxy(reference.base_url, fault) as proxy:
        target = target_file(base_url=proxy.base_url)
        code = main(
            [
                "run",
                "--target",
                str(target),
                "--requirement",
                "C-001",
                "--report-dir",
                str(tmp_path / "r"),
            ]
        )
    out = capsys.readouterr()
    assert code == EXIT_CONFORMANT, out.err
    assert f"PARTIAL: 1 of {CLAIMED} requirements decided" in out.out


def test_specs_of_an_unknown_standard_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["specs", "--standard", "PROT"]) == EXIT_USAGE
    assert "Did you mean 'PORT'?" in capsys.readouterr().err


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


@pytest.mark.slow
def test_a_run_narrowed_to_a_standard_is_partial_records_its_selection_and_verifies(
    tmp_path: Path,
    target_file: Callable[..., Path],
    reference: ReferencePlatform,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = target_file()
    code = main(
        ["run", "--target", str(target), "--standard", "PORT", "--report-dir", str(tmp_path / "r")]
    )
    out = capsys.readouterr().out
    # A narrowed run whose selected MUSTs all pass exits 0, and says PARTIAL, never CONFORMANT.
    assert code == EXIT_CONFORMANT, out
    assert f"PARTIAL: 21 of {CLAIMED} requirements decided (selection: --standard PORT)" in out
    assert not any(line.startswith("CONFORMANT") for line in out.splitlines())
    (run_dir,) = run_dirs(tmp_path / "r")
    assert {p.name for p in run_dir.iterdir()} == {
        "report.json",
        "junit.xml",
        "index.html",
        "evidence.jsonl",
        "manifest.json",
        "manifest.sig",
        "signing-key.pub.pem",
    }
    assert main(["verify", str(run_dir)]) == 0
    evidence = (run_dir / "evidence.jsonl").read_text(encoding="utf-8")
    for token in reference.identities.tokens.values():
        assert token not in evidence, "a token leaked into the evidence"
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == "2.0"
    assert report["selection"]["standards"] == ["PORT"]
    assert report["selection"]["requirements"] == [] and report["selection"]["deselected"] == []
    summary = report["summary"]
    assert (summary["verdict"], summary["conformant"]) == ("partial", False)
    assert (summary["decided"], summary["claimed"]) == (21, CLAIMED)
    assert summary["headline"].startswith(f"PARTIAL: 21 of {CLAIMED}")
    for token in reference.identities.tokens.values():
        assert token not in json.dumps(report)
    # A pass that cites no exchange does not verify.
    report["requirements"][0]["evidence"] = []
    (run_dir / "report.json").write_text(json.dumps(report), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(run_dir)]) == 1
    assert "requirements/0/evidence: [] should be non-empty" in capsys.readouterr().out


def test_failing_must_exits_1(
    tmp_path: Path,
    target_file: Callable[..., Path],
    reference: ReferencePlatform,
    capsys: pytest.CaptureFixture[str],
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
    out = capsys.readouterr().out
    headline = next(line for line in out.splitlines() if line.startswith("PARTIAL"))
    assert headline.startswith(f"PARTIAL: 1 of {CLAIMED} requirements decided"), out
    assert "claimed MUST failed: PORT-015" in headline


def test_specs_lists_every_requirement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs"]) == 0
    out = capsys.readouterr().out
    for rid in ("C-001", "C-005", "PORT-001", "PORT-016"):
        assert rid in out
