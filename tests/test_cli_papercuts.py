"""The command line as a new user meets it: no tracebacks, the right exit codes, files where CI looks.

``specs | head`` ends quietly; ``verify`` of a folder that is not a run
says what to give; Ctrl-C exits 130 with the reports of what ran;
``specs ID`` shows one requirement whole; ``--junit/--json/--html`` and
``reports/latest`` put the reports where CI looks; under GitHub Actions
failures become annotations and a step summary.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from interruptible import interruptible

from conformance._harness import specs_view
from conformance._harness.cli import EXIT_INTERRUPTED, EXIT_NOT_CONFORMANT, EXIT_USAGE, main
from conformance._harness.pipes import PipeSafe
from conformance._harness.report import github
from conformance._harness.report.markdown import md_text
from conformance._harness.report.outputs import point_latest, resolve_latest, run_dirs
from conformance._harness.results import Outcome, RequirementInfo, RequirementResult, RunResult
from conformance.faults.catalog import load_faults
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform

CLI = [sys.executable, "-m", "conformance._harness.cli"]


def _env() -> dict[str, str]:
    """The environment of a child ``conformance``: this one, minus CI variables."""
    return {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "CI")}


# -- a reader that stops early ----------------------------------------------------------------


def test_specs_into_a_pipe_closed_early_ends_quietly_with_exit_0() -> None:
    # The reader is gone before the first byte is written: every write meets a closed pipe.
    child = subprocess.Popen(
        [*CLI, "specs", "--checks"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    )
    assert child.stdout is not None
    child.stdout.close()
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err


def test_specs_piped_into_head_shows_its_first_lines_and_no_traceback() -> None:
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {' '.join(CLI)} specs --checks | head -n 2"],
        capture_output=True,
        timeout=120,
        env=_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert b"Traceback" not in done.stderr


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_broken_pipe_turns_later_writes_into_nothing() -> None:
    stream = PipeSafe(_ClosedPipe())
    assert stream.write("first") == 5
    assert stream.broken
    stream.writelines(["a", "b"])
    stream.flush()


# -- verify of something that is not a run ----------------------------------------------------


def test_verify_of_a_missing_folder_says_so_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path / "missing")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"conformance: error: {tmp_path / 'missing'} does not exist. Fix: ")
    assert "Traceback" not in err


def test_verify_of_the_reports_folder_names_a_run_to_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for run_id in ("20270101T000000Z-a-000001", "20270102T000000Z-a-000002"):
        (tmp_path / run_id).mkdir()
    point_latest(tmp_path / "20270102T000000Z-a-000002")
    assert main(["verify", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"{tmp_path} holds 2 run(s), not one run's files" in err
    assert f"conformance verify {tmp_path / '20270102T000000Z-a-000002'}" in err


# -- Ctrl-C -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_exits_130_with_the_reports_of_what_ran(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    child = subprocess.Popen(
        [*CLI, "run", "--requirement", "PORT-004", "--report-dir", str(reports)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        preexec_fn=interruptible,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(p.stat().st_size for p in reports.glob("*/evidence.jsonl")):
            assert child.poll() is None, "the run ended before it could be interrupted"
            assert time.monotonic() < deadline, "no exchange was recorded in 120 s"
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == EXIT_INTERRUPTED, (out, err)
    (run_dir,) = run_dirs(reports)
    assert f"conformance: interrupted (Ctrl-C); the reports of what ran are in {run_dir}" in (
        err.decode()
    )
    assert b"Traceback" not in out + err
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert any("interrupted (Ctrl-C)" in note for note in report["notes"])
    assert resolve_latest(reports) == run_dir.resolve()


# -- one requirement whole --------------------------------------------------------------------


def test_specs_of_one_requirement_shows_it_whole(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs", "port-004"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PORT-004  MUST  (standard PORT 1.0, profile core)\n")
    assert "every record imported into the account appears in the next export" in " ".join(
        out.split()
    )
    # The checkout's docs/ is named only where it exists (not in an installed wheel).
    docs = "(docs/PORT.md)" if (specs_view._DOCS / "PORT.md").is_file() else ""
    assert f"source:     PORT.md#requirements {docs}".rstrip() + "\n" in out
    assert "operations: putMedia, createImport, getImport, createExport" in out
    assert (
        "conformance.checks.port.test_fidelity::test_export_contains_every_imported_record"
    ) in out
    for fault in (f for f in load_faults() if "PORT-004" in f.breaks):
        assert f"  {fault.name}: " in out
    assert "run it:     conformance run --requirement PORT-004" in out


def test_specs_of_an_unknown_requirement_suggests_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs", "PORT-04"]) == EXIT_USAGE
    assert "Did you mean 'PORT-004'?" in capsys.readouterr().err


# -- where CI looks ---------------------------------------------------------------------------


def test_junit_and_json_copies_and_a_latest_link_that_follows_each_run(
    tmp_path: Path,
    target_file: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    reports, ci = tmp_path / "r", tmp_path / "ci"
    args = ["run", "--target", str(target_file()), "--requirement", "C-001"]
    outputs = ["--junit", str(ci / "junit.xml"), "--json", str(ci / "out" / "report.json")]
    assert main([*args, "--report-dir", str(reports), *outputs]) == 0
    (first,) = run_dirs(reports)
    assert (ci / "junit.xml").read_bytes() == (first / "junit.xml").read_bytes()
    assert (ci / "out" / "report.json").read_bytes() == (first / "report.json").read_bytes()
    assert (reports / "latest").is_symlink()
    assert os.readlink(reports / "latest") == first.name, "relative: the folder can move"
    assert main([*args, "--report-dir", str(reports)]) == 0
    second = next(p for p in run_dirs(reports) if p != first)
    assert resolve_latest(reports) == second.resolve()
    capsys.readouterr()
    assert main(["verify", str(reports / "latest")]) == 0


def test_html_is_copied_when_the_run_wrote_it_and_said_missing_when_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target_file: Callable[..., Path]
) -> None:
    reports = tmp_path / "r"
    args = ["run", "--target", str(target_file()), "--requirement", "C-001"]
    assert main([*args, "--report-dir", str(reports), "--html", str(tmp_path / "i.html")]) == 0
    (run_dir,) = run_dirs(reports)
    err = capsys.readouterr().err
    if (run_dir / "index.html").is_file():
        assert (tmp_path / "i.html").read_bytes() == (run_dir / "index.html").read_bytes()
    else:
        assert f"{tmp_path / 'i.html'}: not written: this run wrote no index.html" in err


def test_latest_is_a_file_naming_the_run_where_symlinks_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = tmp_path / "20270101T000000Z-a-000001"
    run_dir.mkdir()
    (tmp_path / "latest").symlink_to("elsewhere")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "symlink_to", refuse)
    assert point_latest(run_dir) == ""
    latest = tmp_path / "latest"
    assert not latest.is_symlink() and latest.read_text(encoding="utf-8") == f"{run_dir.name}\n"
    assert resolve_latest(tmp_path) == run_dir
    assert run_dirs(tmp_path) == [run_dir]
    assert sorted(p.name for p in tmp_path.iterdir()) == [run_dir.name, "latest"], "no scratch"


def test_a_real_folder_called_latest_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "latest").mkdir()
    (tmp_path / "run").mkdir()
    assert "is a directory, not the link to the newest run" in point_latest(tmp_path / "run")
    assert (tmp_path / "latest").is_dir() and not (tmp_path / "latest").is_symlink()


# -- GitHub Actions ---------------------------------------------------------------------------


def test_under_github_actions_a_failure_is_an_annotation_and_a_summary_row(
    tmp_path: Path,
    reference: ReferencePlatform,
    target_file: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    fault = next(f for f in load_faults() if f.name == "silent-deprecation")
    with FaultProxy(reference.base_url, fault) as proxy:
        target = target_file(base_url=proxy.base_url)
        args = ["run", "--target", str(target), "--requirement", "C-005", "--requirement", "C-001"]
        code = main([*args, "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == EXIT_NOT_CONFORMANT
    (annotation,) = [line for line in out.splitlines() if line.startswith("::")]
    assert annotation.startswith(
        "::error title=C-005::MUST fail: deprecated operations do not answer as C-005 requires%0A"
    )
    assert "%0AReplay: conformance run " in annotation
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### Conformance of reference-from-file\n"), text
    assert "| C-005 | MUST | fail | deprecated operations do not answer as C-005 requires |" in text
    assert "C-001 |" not in text, "only what did not pass is listed"


def _result(reason: str, outcome: Outcome = Outcome.FAIL, level: str = "MUST") -> RunResult:
    info = RequirementInfo("PORT-004", "PORT", "1.0", level, "core", "text", "PORT.md")
    return RunResult(
        run_id="r",
        suite_version="0",
        started_at="",
        finished_at="",
        target={"name": "<b>evil</b>"},
        claims=None,
        specs=[],
        seed=1,
        requirements=[RequirementResult(info, outcome, reason, ())],
    )


def test_a_reason_cannot_end_an_annotation_or_start_another() -> None:
    reason = "100% wrong\r\n::error title=X::injected\n::set-output name=a::b"
    (line,) = github.workflow_commands(_result(reason))
    assert line == (
        "::error title=PORT-004::MUST fail: 100%25 wrong\\x0d%0A::error title=X::injected"
        "%0A::set-output name=a::b"
    )
    assert "\n" not in line and "\r" not in line


def test_errors_and_failed_shoulds_are_warnings_and_passes_are_silent() -> None:
    assert github.workflow_commands(_result("x", Outcome.ERROR))[0].startswith("::warning ")
    assert github.workflow_commands(_result("x", level="SHOULD"))[0].startswith("::warning ")
    assert github.workflow_commands(_result("x", Outcome.PASS)) == []


def test_platform_text_in_the_summary_is_inert_markdown() -> None:
    text = github.summary(_result('<img src="https://x.test/p.png"> | [link](https://x.test)'))
    assert "<img" not in text and "<b>" not in text
    assert '&lt;img src="https://x.test/p.png"&gt; \\| \\[link\\]\\(https://x.test\\)' in text
    assert md_text("a\nb|c") == "a b\\|c"
    assert md_text("abcdef", 4) == "abc…"


def test_without_github_actions_nothing_is_annotated(
    tmp_path: Path,
    reference: ReferencePlatform,
    target_file: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    fault = next(f for f in load_faults() if f.name == "silent-deprecation")
    with FaultProxy(reference.base_url, fault) as proxy:
        path = target_file(base_url=proxy.base_url)
        code = main(
            [
                "run",
                "--target",
                str(path),
                "--requirement",
                "C-005",
                "--report-dir",
                str(tmp_path / "r"),
            ]
        )
    assert code == EXIT_NOT_CONFORMANT
    assert "::error" not in capsys.readouterr().out
    assert not (tmp_path / "summary.md").exists()
