"""No configured secret (nor a signed URL's signature) reaches anything a run writes.

A hostile platform (``echo_platform``) sends every token back in every way
it can; the run's every file and its console output (with ``--verbose``) are
scanned for every secret in every encoding, also after decoding what they
hold (base64 excerpts, URL-encoding, JSON escapes).
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest
import yaml
from echo_platform import SIGNATURE, EchoPlatform, leaks, serving

from conformance._harness.cli import main
from conformance._harness.report.outputs import run_dirs
from conformance._harness.secrets import Redactor
from conformance.reference.target_files import REFERENCE_DOMAINS

CLIENTS = ("first_party", "third_party", "competitor")
USERS = ("alice", "bob", "carol")


def _tokens() -> dict[tuple[str, str], str]:
    """One token per role; half of them with the characters escaping changes (/ + =)."""
    out = {}
    for i, (client, user) in enumerate((c, u) for c in CLIENTS for u in USERS):
        body = secrets.token_urlsafe(24)
        out[(client, user)] = f"tok{i}/{body[:12]}+{body[12:]}==" if i % 2 else f"tok{i}_{body}"
    return out


def _target_file(path: Path, base_url: str, tokens: dict[tuple[str, str], str]) -> Path:
    document = {
        "name": "echo",
        "base_url": base_url,
        "users": {u: {"id": f"u-{u}"} for u in USERS},
        "clients": {c: {"headers": {"User-Agent": f"{c}/1.0"}} for c in CLIENTS},
        "credentials": {
            c: {u: {"token_env": f"ECHO_{c}_{u}".upper()} for u in USERS} for c in CLIENTS
        },
        "domains": {kind: list(hosts) for kind, hosts in REFERENCE_DOMAINS.items()},
        "limits": {"requests_per_second": 0, "check_timeout": 20, "request_timeout": 5},
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def _run_against_the_echo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, bytes], Path, list[str]]:
    """One ``conformance run --verbose``: its exit code, every byte it wrote, its directory."""
    tokens = _tokens()
    for (client, user), token in tokens.items():
        monkeypatch.setenv(f"ECHO_{client}_{user}".upper(), token)
    reports = tmp_path / "reports"
    with serving(EchoPlatform(tokens.values())) as base_url:
        target = _target_file(tmp_path / "echo.yaml", base_url, tokens)
        code = main(["run", "--target", str(target), "--report-dir", str(reports), "--verbose"])
    out = capsys.readouterr()
    (run_dir,) = run_dirs(reports)
    written = {
        "console (stdout)": out.out.encode("utf-8", "backslashreplace"),
        "console (stderr)": out.err.encode("utf-8", "backslashreplace"),
    } | {p.name: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    return code, written, run_dir, [*tokens.values(), SIGNATURE]


def test_a_platform_echoing_every_secret_gets_none_of_them_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, written, run_dir, wanted = _run_against_the_echo(tmp_path, monkeypatch, capsys)
    assert code == 1, written["console (stdout)"][-3000:]
    found = [leak for name, data in written.items() for leak in leaks(name, data, wanted)]
    assert not found, "\n".join(found)

    # The platform's echoes did reach the run (so the scan above means something) ...
    records = [json.loads(line) for line in (run_dir / "evidence.jsonl").read_text().splitlines()]
    answered = [r["response"] for r in records if r["response"]]
    assert "X-Echo-[REDACTED]" in {name for a in answered for name in a["headers"]}
    assert {a["headers"].get("Set-Cookie") for a in answered} >= {"[REDACTED]"}
    binary = [base64.b64decode(a["body"]["base64"]) for a in answered if "base64" in a["body"]]
    assert any(b"[REDACTED]" in body for body in binary), "no non-UTF-8 body was recorded"
    edges = [a["body"]["text"] for a in answered if a["body"]["size"] > 4096]
    assert any(text.endswith('[REDACTED]"}') for text in edges), "no token across the edge"
    assert any(text.endswith("b") for text in edges), "no excerpt cut inside a character"
    # ... and into the reasons, the console with -v, and the claims the report copies.
    report = json.loads((run_dir / "report.json").read_text())
    assert "[REDACTED]" in json.dumps(report["claims"])
    assert any("sig=[REDACTED]" in r["reason"] for r in report["requirements"])
    assert b"[REDACTED]" in written["console (stdout)"]
    assert main(["verify", str(run_dir)]) == 0


def test_the_scan_finds_what_a_run_without_redaction_would_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The scan above can fail: with the redactor switched off, it finds the secrets."""
    monkeypatch.setattr(Redactor, "text", lambda self, value: value)
    monkeypatch.setattr(Redactor, "bytes", lambda self, value: value)
    monkeypatch.setattr(Redactor, "headers", lambda self, headers: dict(headers))
    _, written, _, wanted = _run_against_the_echo(tmp_path, monkeypatch, capsys)
    leaked = {name for name, data in written.items() if leaks(name, data, wanted)}
    assert leaked >= {"console (stdout)", "report.json", "junit.xml", "evidence.jsonl"}
