"""What ``conformance run`` shows while it goes, and what it shows when it ends.

A live line on a terminal (rich), plain lines without escape sequences in
CI, with ``--quiet`` or into a pipe; reasons shown whole under their row,
the ``Fix:`` and ``Replay:`` lines kept and everything escaped; a run that
judged nothing shows its diagnosis first and alone; checks collected
without a target are one usage error.
"""

from __future__ import annotations

import io
import os
import re
import select
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from conformance._harness.cli import EXIT_UNREACHABLE, main
from conformance._harness.errors import ConfigError
from conformance._harness.harness import Harness
from conformance._harness.options import Options
from conformance._harness.report import console
from conformance._harness.report.progress import Progress, elapsed, wants_live
from conformance._harness.results import (
    CheckResult,
    Outcome,
    RequirementInfo,
    RunResult,
    fold,
    replay_of,
)
from conformance._harness.runner import run
from conformance._harness.target import Target

ANSI = re.compile("\x1b\\[")
CLI = [sys.executable, "-m", "conformance._harness.cli"]


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _env(**extra: str) -> dict[str, str]:
    plain = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    return plain | extra


# -- which display ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tty", "environ", "quiet", "live"),
    [
        (True, {}, False, True),
        (True, {"CI": "true"}, False, False),
        (True, {"CI": "false"}, False, True),
        (True, {}, True, False),
        (False, {}, False, False),
    ],
    ids=["terminal", "ci", "ci-false", "quiet", "pipe"],
)
def test_a_live_line_only_on_a_terminal_outside_ci_and_without_quiet(
    tty: bool, environ: dict[str, str], quiet: bool, live: bool
) -> None:
    assert wants_live(_Stream(tty), environ, quiet=quiet) is live


def test_elapsed_reads_as_minutes_and_seconds() -> None:
    assert [elapsed(s) for s in (4.2, 65, 3725)] == ["4s", "1m05s", "1h02m"]


# -- plain lines --------------------------------------------------------------------------------


def test_plain_progress_is_one_line_per_requirement_without_escape_sequences(
    reference_target_: Target,
) -> None:
    out = io.StringIO()
    progress = Progress(out, live=False)
    options = Options(requirements=("C-001", "PORT-001", "LINK-002"))
    result = run(reference_target_, options=options, progress=progress)
    lines = out.getvalue().splitlines()
    assert not ANSI.search(out.getvalue())
    assert lines[0].startswith("running ") and "3 requirement(s)" in lines[0]
    done = [line for line in lines if line.startswith("[")]
    assert sorted(line.split()[1] for line in done) == sorted(
        r.info.id for r in result.requirements
    )
    for line in done:
        assert re.fullmatch(r"\[\d/3\] \S+ +pass +\d+ requests, \d+s", line), line
    assert [line.split()[0] for line in done] == ["[1/3]", "[2/3]", "[3/3]"]


def test_a_long_check_gets_a_line_saying_it_still_runs() -> None:
    now = [100.0]
    out = io.StringIO()
    progress = Progress(out, live=False, heartbeat=60, clock=lambda: now[0])
    progress.current, progress.current_ids = "t.py::test_latency", ["FAIR-004"]
    progress.beat()
    assert out.getvalue() == ""  # nothing yet: a line was said just now
    now[0] += 61
    progress.beat()
    assert out.getvalue() == "... FAIR-004 still running (test_latency): 0 requests, 1m01s\n"


# -- the live line ------------------------------------------------------------------------------


def test_the_live_line_shows_standard_requirement_check_requests_and_elapsed(
    reference_target_: Target,
) -> None:
    buffer = io.StringIO()
    shown = Console(file=buffer, force_terminal=True, width=160)
    now = [10.0]
    progress = Progress(buffer, live=True, console=shown, clock=lambda: now[0])
    progress.harness = Harness(reference_target_, Options())
    try:
        nodeid = "port/test_fidelity.py::test_export_contains_every_imported_record"
        progress.order = {nodeid: ["PORT-004"], "other": ["PORT-001"]}
        progress.left = {"PORT-004": 1, "PORT-001": 0}
        progress.checks, progress.checks_done, progress.status = 2, 1, ""
        progress.harness.budget.sent = 1234
        now[0] += 75
        progress.pytest_runtest_logstart(nodeid, ("", None, ""))
        shown.print(progress.render())
    finally:
        progress.harness.close()
    text = buffer.getvalue()
    assert ANSI.search(text), "a terminal gets styles"
    plain = ANSI.sub("", re.sub("\x1b\\[[0-9;]*m", "", text))
    for field in ("PORT ", "PORT-004", "test_export_contains_every_imported_record"):
        assert field in plain
    assert "requirements 1/2" in plain and "1234 requests" in plain and "1m15s" in plain


def test_a_run_on_a_terminal_draws_a_live_line_and_leaves_no_plain_lines(
    reference_target_: Target,
) -> None:
    buffer = io.StringIO()
    shown = Console(file=buffer, force_terminal=True, width=160)
    progress = Progress(buffer, live=True, console=shown)
    run(reference_target_, options=Options(requirements=("C-001",)), progress=progress)
    text = buffer.getvalue()
    assert ANSI.search(text)
    assert "requests" in text and "running " not in text and "[1/1]" not in text


# -- a run that judged nothing -------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_target_shows_its_diagnosis_first_and_alone(
    target_file: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = target_file(base_url=f"http://127.0.0.1:{_closed_port()}")
    code = main(["run", "--target", str(target), "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr()
    assert code == EXIT_UNREACHABLE
    assert out.err.startswith("conformance: target unreachable: ") and "refused" in out.err
    (line,) = out.out.splitlines()  # no table of identical errors, no progress, no pytest
    assert line.startswith("UNREACHABLE: no requirement was judged") and "reports: " in line


@pytest.mark.slow
def test_the_diagnosis_is_the_first_line_of_the_whole_output(
    target_file: Any, tmp_path: Path
) -> None:
    target = target_file(base_url=f"http://127.0.0.1:{_closed_port()}")
    done = subprocess.run(
        [*CLI, "run", "--target", str(target), "--report-dir", str(tmp_path / "r")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_env(),
        timeout=120,
        check=False,
    )
    lines = done.stdout.decode().splitlines()
    assert done.returncode == EXIT_UNREACHABLE
    assert len(lines) == 2, lines
    assert lines[0].startswith("conformance: target unreachable:")
    assert lines[1].startswith("UNREACHABLE: no requirement was judged")


@pytest.mark.slow
def test_checks_without_a_target_are_one_usage_error_not_a_traceback_each(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "conformance.checks",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        timeout=300,
        check=False,
    )
    both = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, both[-2000:]
    assert both.count("conformance checks need a target") == 1
    assert "Traceback" not in both and "ERROR conformance" not in both


# -- reasons, whole ------------------------------------------------------------------------------

INFO = RequirementInfo("LINK-002", "LINK", "1.0", "MUST", "core", "links open", "LINK.md")


def _shown(reason: str, outcome: Outcome = Outcome.ERROR) -> list[str]:
    folded = fold(
        INFO, [CheckResult("LINK-002", "t", outcome, reason)], replay_of(3, Options(), "t")
    )
    result = RunResult("r", "0", "a", "b", {"name": "t"}, None, [], 3, [folded])
    lines = console.render(result).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("LINK-002"))
    end = next(i for i, line in enumerate(lines) if i > start and not line.startswith(" "))
    return lines[start:end]


def test_a_reason_is_shown_whole_wrapped_under_its_row_with_its_fix_line() -> None:
    error = ConfigError(
        "t.yaml",
        "domains.competitor",
        "LINK needs the competitor domains of this platform and none are configured",
        "add `domains: {competitor: [rival.example]}` to the target file (the suite only "
        "writes these domains into request bodies, never contacts them)",
    )
    shown = _shown(str(error))
    assert all(len(line) <= 100 for line in shown[:-1]), shown
    assert shown[0].split()[:5] == ["LINK-002", "MUST", "core", "ERROR", "t.yaml:"]
    fix = next(line for line in shown if "Fix:" in line)
    assert fix.startswith("    Fix: add `domains: {competitor: [rival.example]}`")
    assert "never contacts them)" in " ".join(shown)
    assert shown[-1] == "    Replay: conformance run --target t --seed 3 --requirement LINK-002"


def test_a_very_long_reason_is_cut_in_the_middle_keeping_fix_and_replay() -> None:
    reason = "\n".join([*(f"row {i}" for i in range(200)), "x. Fix: do this"])
    shown = _shown(reason, Outcome.FAIL)
    assert len(shown) <= 41
    assert any("lines more in report.json" in line for line in shown)
    assert shown[-2:] == [
        "    Fix: do this",
        "    Replay: conformance run --target t --seed 3 --requirement LINK-002",
    ]


def test_a_reason_cannot_act_on_the_terminal() -> None:
    shown = "\n".join(_shown("answered \x1b[2J\x1b]0;pwned\x07 and \u202egnp.exe", Outcome.FAIL))
    assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert "\\x1b[2J" in shown and "\\u202e" in shown


# -- on a real terminal (a pseudo-terminal) -------------------------------------------------------


def _on_a_terminal(*args: str) -> str:
    """``conformance run ARGS`` with a pseudo-terminal as its stdout and stderr; what it wrote."""
    pty = pytest.importorskip("pty")
    with warnings.catch_warnings():  # Python 3.12 warns of fork() with threads: it execs at once
        warnings.simplefilter("ignore", DeprecationWarning)
        pid, fd = pty.fork()
    if pid == 0:  # the child: never returns
        os.execve(sys.executable, [*CLI, "run", *args], _env())
    out = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.parametrize("quiet", [False, True], ids=["live", "quiet"])
def test_on_a_terminal_a_live_line_unless_quiet(quiet: bool, tmp_path: Path) -> None:
    reports = str(tmp_path / "r")
    text = _on_a_terminal(
        "--requirement", "C-001", "--report-dir", reports, *(["--quiet"] if quiet else [])
    )
    assert "PARTIAL: 1 of" in text
    redrawn = "\x1b[2K" in text  # rich erases and redraws its line
    assert redrawn is not quiet, text[-3000:]
    assert ("[1/1] C-001" in text) is quiet
