"""One target's run in a process of its own: started, timed, stopped, and read back.

The run is ``conformance run --target FILE --report-dir DIR/<name> --quiet``
in a new process group (its own session), with the target's env file added
to its environment and its stdout and stderr kept in ``DIR/<name>/``. Past
the timeout it is interrupted as Ctrl-C would (the run then writes the
reports of what ran), and killed with its group if it does not end within
the grace period. Whatever happens to it, the outcome says what, and the
other targets go on.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance._harness.campaign.plan import CampaignTarget, read_env_file
from conformance._harness.errors import ConfigError
from conformance._harness.report.outputs import run_dirs
from conformance._harness.report_file import REPORT_FILE
from conformance._harness.safe_text import console_text

STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"
_POLL_SECONDS = 0.5

Command = Callable[[CampaignTarget, Path], list[str]]
"""The argv that runs one target with its report directory (a seam for tests)."""

# What each exit code of `conformance run` means (cli.py's table), in a word or two.
EXIT_MEANINGS = {
    0: "passed",
    1: "MUST failed",
    2: "usage/config error",
    3: "unreachable",
    4: "no discovery",
    5: "undecided",
    70: "internal error",
    130: "interrupted",
}
JUDGED = frozenset({0, 1, 3, 4, 5})
"""Exit codes of a run that ended with a verdict about the platform."""


@dataclass(frozen=True)
class Settings:
    """How every target of a campaign is run."""

    out: Path
    command: Command
    timeout: float
    grace: float = 30.0
    cleanup: Callable[[CampaignTarget], None] | None = None
    """Called after each run, however it ended (removes a container left by a killed client)."""


@dataclass(frozen=True)
class Outcome:
    """What became of one target's run."""

    target: CampaignTarget
    state: str
    """``finished`` (it exited by itself), ``timed-out``, ``crashed`` (ended by a signal),
    ``not-started`` (its env file or process could not be had) or ``interrupted``."""
    exit_code: int | None
    duration: float
    run_dir: Path | None = None
    """The run directory this run wrote (None: it wrote none)."""
    verdict: str | None = None
    headline: str = ""
    problem: str = ""
    """Why the run gave no verdict, in one line (its stderr's last line, the timeout, ...)."""

    @property
    def judged(self) -> bool:
        """True when the run ended by itself with a report and a verdict on the platform."""
        return self.state == "finished" and self.exit_code in JUDGED and self.run_dir is not None

    @property
    def meaning(self) -> str:
        """The exit code or state in words, for the table."""
        if self.state != "finished":
            return self.state
        return EXIT_MEANINGS.get(self.exit_code or 0, f"exit {self.exit_code}")


def suite_command(run_args: Sequence[str]) -> Command:
    """The command that runs the suite on one target, with the run options ``run_args``."""

    def command(target: CampaignTarget, report_dir: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "conformance._harness.cli",
            "run",
            "--target",
            str(target.file),
            "--report-dir",
            str(report_dir),
            "--quiet",
            *run_args,
        ]

    return command


class Running:
    """The processes of a campaign now running, so that Ctrl-C can stop each one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen[bytes]] = set()
        self.stopping = threading.Event()

    def add(self, process: subprocess.Popen[bytes]) -> None:
        """Track ``process`` (stopped at once if the campaign is already stopping)."""
        with self._lock:
            self._processes.add(process)
        if self.stopping.is_set():
            interrupt(process)

    def discard(self, process: subprocess.Popen[bytes]) -> None:
        """Forget a process that has ended."""
        with self._lock:
            self._processes.discard(process)

    def interrupt_all(self) -> None:
        """Interrupt every running process (as Ctrl-C would), and any started later."""
        self.stopping.set()
        with self._lock:
            running = list(self._processes)
        for process in running:
            interrupt(process)


def interrupt(process: subprocess.Popen[bytes]) -> None:
    """Send SIGINT to the process's group: the run writes the reports of what ran."""
    _signal_group(process, signal.SIGINT)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # it has already ended


def run_target(target: CampaignTarget, settings: Settings, running: Running) -> Outcome:
    """Run one target to its end (or its timeout); never raises for the target's sake."""
    if running.stopping.is_set():
        return Outcome(
            target, "interrupted", None, 0.0, problem="not started: the campaign stopped"
        )
    folder = settings.out / target.name
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        environ = _environment(target)
    except ConfigError as exc:
        (folder / STDERR_LOG).write_text(f"conformance campaign: {exc}\n", encoding="utf-8")
        return Outcome(target, "not-started", None, 0.0, problem=console_text(str(exc)))
    before = set(run_dirs(folder))
    with (folder / STDOUT_LOG).open("wb") as out, (folder / STDERR_LOG).open("wb") as err:
        try:
            process = subprocess.Popen(
                settings.command(target, folder),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=environ,
                start_new_session=True,  # its own group: a timeout stops all it started
            )
        except OSError as exc:
            return Outcome(target, "not-started", None, 0.0, problem=f"could not start: {exc}")
        running.add(process)
        try:
            state = _wait(process, settings, running)
        finally:
            running.discard(process)
            if settings.cleanup is not None:
                settings.cleanup(target)
    duration = time.monotonic() - started
    return _read_back(target, folder, before, state, process.returncode, duration, settings)


def _environment(target: CampaignTarget) -> dict[str, str]:
    environ = dict(os.environ)
    environ.setdefault("PYTHONUNBUFFERED", "1")  # the logs keep up with the run
    if target.env_file is not None:
        environ.update(read_env_file(target.env_file))
    return environ


def _wait(process: subprocess.Popen[bytes], settings: Settings, running: Running) -> str:
    """Wait for the process. Past the timeout, or once the campaign is interrupted, it has
    had SIGINT; past the grace after that, its whole group is killed."""
    deadline = time.monotonic() + settings.timeout
    stopped_at: float | None = None
    timed_out = False
    while True:
        try:
            process.wait(timeout=_POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if stopped_at is None:
            if now >= deadline:
                timed_out, stopped_at = True, now
                interrupt(process)
            elif running.stopping.is_set():  # Running.interrupt_all has sent the SIGINT
                stopped_at = now
        elif now - stopped_at >= settings.grace:
            _signal_group(process, signal.SIGKILL)
            process.wait()
            break
    if timed_out:
        return "timed-out"
    if running.stopping.is_set():
        return "interrupted"
    return "crashed" if process.returncode < 0 else "finished"


def _read_back(
    target: CampaignTarget,
    folder: Path,
    before: set[Path],
    state: str,
    code: int,
    duration: float,
    settings: Settings,
) -> Outcome:
    new = [d for d in run_dirs(folder) if d not in before and (d / REPORT_FILE).is_file()]
    run_dir = new[-1] if new else None
    summary = _summary(run_dir / REPORT_FILE) if run_dir else {}
    verdict = summary.get("verdict")
    outcome = Outcome(
        target,
        state,
        code if code >= 0 else None,
        duration,
        run_dir,
        str(verdict) if verdict else None,
        str(summary.get("headline") or ""),
    )
    if outcome.judged:
        return outcome
    problem = _problem(state, code, settings, folder / STDERR_LOG)
    return Outcome(**{**outcome.__dict__, "problem": problem})


def _summary(report: Path) -> Mapping[str, Any]:
    try:
        document = json.loads(report.read_bytes())
    except (OSError, ValueError):
        return {}
    summary = document.get("summary") if isinstance(document, dict) else None
    return summary if isinstance(summary, dict) else {}


def _problem(state: str, code: int, settings: Settings, stderr: Path) -> str:
    last = _last_line(stderr)
    if state == "timed-out":
        return f"still running after {settings.timeout:g} s (--timeout): stopped" + (
            f"; last said: {last}" if last else ""
        )
    if state == "crashed":
        return f"ended by signal {_signal_name(-code)}" + (f"; last said: {last}" if last else "")
    if state == "interrupted":
        return "interrupted with the campaign (Ctrl-C)"
    return last or f"exit {code} without a report and without a word on stderr"


def _signal_name(number: int) -> str:
    try:
        return f"{number} ({signal.Signals(number).name})"
    except ValueError:
        return str(number)


def _last_line(path: Path, limit: int = 300) -> str:
    """The last non-blank line of a log, safe to print and at most ``limit`` characters."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 16384))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    text = console_text(lines[-1]) if lines else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
