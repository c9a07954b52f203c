"""The checks under plain pytest with no platform to judge: one diagnosis, not one traceback each.

``pytest --pyargs conformance.checks`` without ``--target`` is one usage
error at collection; with a target file whose platform does not answer, the
session ends at its start with the reason ``conformance run`` gives (exit 1,
as for any headline that is not a pass), and its reports say what that
run's say: UNREACHABLE, every selected requirement an error because the
target could not be reached. ``conformance run`` against such a
target is tested in ``test_progress.py`` (its diagnosis first and alone).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PYTEST = [
    sys.executable,
    "-m",
    "pytest",
    "--pyargs",
    "conformance.checks",
    "-p",
    "no:cacheprovider",
]
TOKEN_ENV = "NO_TARGET_TEST_TOKEN"
CLIENTS = ("first_party", "third_party", "competitor")


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pytest(cwd: Path, *args: str) -> tuple[int, str]:
    """pytest in a child process (outside CI's variables); its exit code and whole output."""
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "CI")}
    env[TOKEN_ENV] = "not-a-real-token"
    done = subprocess.run(
        [*PYTEST, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def _unreachable_target(tmp_path: Path) -> tuple[Path, str]:
    base_url = f"http://127.0.0.1:{_closed_port()}"
    document = {
        "name": "nobody-home",
        "base_url": base_url,
        "clients": {c: {"headers": {"User-Agent": f"{c}/1.0"}} for c in CLIENTS},
        "users": {u: {"id": f"u-{u}"} for u in ("alice", "bob", "carol")},
        "credentials": {"first_party": {"alice": {"token_env": TOKEN_ENV}}},
    }
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path, base_url


def test_without_a_target_the_checks_end_in_one_usage_error(tmp_path: Path) -> None:
    code, output = _pytest(tmp_path)
    assert code == pytest.ExitCode.USAGE_ERROR, output[-2000:]
    assert output.count("conformance checks need a target: pass --target FILE") == 1
    assert "Traceback" not in output and "ERROR at setup" not in output, output[-2000:]


def test_an_unreachable_target_ends_the_session_at_its_start_in_one_line(
    tmp_path: Path,
) -> None:
    target, base_url = _unreachable_target(tmp_path)
    code, output = _pytest(tmp_path, "--target", str(target), "--report-dir", "r")
    assert code == pytest.ExitCode.TESTS_FAILED, output[-3000:]
    assert "Traceback" not in output and "ERROR at setup" not in output, output[-3000:]
    assert "self = <" not in output, "pytest printed a check's traceback"
    assert "INTERNAL ERROR" not in output, output
    lines = output.splitlines()
    assert lines[-1].startswith(f"! _pytest.outcomes.Exit: target unreachable: GET {base_url}/")
    assert "connection refused" in lines[-1] and "(no check ran; reports: r/" in lines[-1]
    assert sum(f"UNREACHABLE: nothing answered at {base_url}" in line for line in lines) == 1
    assert len(output.splitlines()) < 20, output
    # The reports stand, as conformance run writes them for such a target.
    (run_dir,) = (tmp_path / "r").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["verdict"] == "unreachable"
    assert report["summary"]["headline"].startswith(f"UNREACHABLE: nothing answered at {base_url}")
    requirements = report["requirements"]
    assert len(requirements) > 40  # the whole catalogue was selected
    assert {r["outcome"] for r in requirements} == {"error"}
    assert all(r["reason"].startswith("target unreachable: GET ") for r in requirements)
    discovery = next(r for r in requirements if r["id"] == "C-001")
    assert discovery["evidence"], "C-001 cites the discovery request that was refused"
