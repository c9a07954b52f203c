"""A campaign's summary: ``campaign.json``, the console table and the exit code.

Exit codes of ``conformance campaign`` (also in the README)::

    0    COMPLETE: every target's run ended by itself with a report and a verdict on
         its platform (conformant or not, reachable or not): the campaign did its job
    1    with --require-pass only: complete, but some run did not exit 0
    2    usage error (no target, a bad option); nothing ran
    6    INCOMPLETE: some target's run gave no verdict (crashed, timed out, a malformed
         target or env file, an internal error of the suite); the others' reports stand
    130  interrupted (Ctrl-C): the runs were stopped and wrote what ran

A standards body runs many platforms and wants the job to succeed when
platforms fail (that is a result); it fails when the campaign could not
judge one. ``--require-pass`` is for a platform owner's own gate.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from conformance._harness.campaign.unit import Outcome
from conformance._harness.safe_text import console_text, json_bytes

SUMMARY_FILE = "campaign.json"
SCHEMA_VERSION = 1

EXIT_COMPLETE = 0
EXIT_NOT_ALL_PASSED = 1
EXIT_INCOMPLETE = 6
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Campaign:
    """A finished (or interrupted) campaign: how it ran and each target's outcome."""

    out: Path
    outcomes: Sequence[Outcome]
    started_at: datetime
    finished_at: datetime
    parallel: int
    timeout: float
    run_args: Sequence[str]
    interrupted: bool = False
    require_pass: bool = False

    @property
    def complete(self) -> bool:
        """True when every target's run gave a verdict on its platform."""
        return all(o.judged for o in self.outcomes)

    def exit_code(self) -> int:
        """The documented exit code (the module docstring)."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        if not self.complete:
            return EXIT_INCOMPLETE
        if self.require_pass and any(o.exit_code != 0 for o in self.outcomes):
            return EXIT_NOT_ALL_PASSED
        return EXIT_COMPLETE

    def to_json(self) -> dict[str, Any]:
        """``campaign.json``: paths relative to the campaign's folder, so it moves with it."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "campaign",
            "started_at": _instant(self.started_at),
            "finished_at": _instant(self.finished_at),
            "parallel": self.parallel,
            "timeout": self.timeout,
            "run_options": list(self.run_args),
            "complete": self.complete,
            "interrupted": self.interrupted,
            "exit_code": self.exit_code(),
            "targets": [self._entry(o) for o in self.outcomes],
        }

    def _entry(self, outcome: Outcome) -> dict[str, Any]:
        target = outcome.target
        folder = self.out / target.name
        return {
            "name": target.name,
            "target_file": str(target.file),
            "env_file": str(target.env_file) if target.env_file else None,
            "state": outcome.state,
            "exit_code": outcome.exit_code,
            "exit_meaning": outcome.meaning,
            "judged": outcome.judged,
            "verdict": outcome.verdict,
            "headline": outcome.headline,
            "problem": outcome.problem or None,
            "duration_s": round(outcome.duration, 3),
            "report_dir": target.name,
            "run_dir": _relative(outcome.run_dir, self.out),
            "stdout": _relative(folder / "stdout.log", self.out),
            "stderr": _relative(folder / "stderr.log", self.out),
        }


def write_summary(campaign: Campaign, name: str = SUMMARY_FILE) -> Path:
    """Write the summary (``campaign.json``; one pod's ``campaign-I.json``) into the
    campaign's folder, atomically, and return its path."""
    path = campaign.out / name
    scratch = path.with_name(f".{name}.{os.getpid()}")
    scratch.write_bytes(json_bytes(campaign.to_json(), indent=2) + b"\n")
    scratch.replace(path)
    return path


def line(outcome: Outcome, position: int, total: int) -> str:
    """One outcome as the campaign reports it when it ends: ``[3/8] name VERDICT (...)``."""
    return console_text(
        f"[{position}/{total}] {outcome.target.name}: {_verdict(outcome)} "
        f"({_exit(outcome)}, {outcome.duration:.1f} s)"
        + (f": {outcome.problem}" if outcome.problem else "")
    )


def render(campaign: Campaign, summary_name: str = SUMMARY_FILE) -> str:
    """The console table: target, verdict, exit code, duration, report directory; then a
    line for each target that gave no verdict, the totals and how to publish."""
    rows = [("target", "verdict", "exit", "time", "report")]
    for o in campaign.outcomes:
        where = _relative(o.run_dir, Path.cwd()) or "(none)"
        rows.append((o.target.name, _verdict(o), _exit(o), f"{o.duration:.1f} s", where))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True))
        + "  "
        + row[-1]
        for row in rows
    ]
    for o in campaign.outcomes:
        if o.problem:
            lines.append(f"{o.target.name}: no verdict: {o.problem}")
    judged = sum(o.judged for o in campaign.outcomes)
    lines.append(
        f"{judged} of {len(campaign.outcomes)} target(s) judged"
        + ("" if campaign.complete else "; INCOMPLETE")
        + (" (interrupted)" if campaign.interrupted else "")
        + f"; summary: {campaign.out / summary_name}"
    )
    if judged:
        lines.append(f"publish: conformance publish {campaign.out} --out SITE_DIR")
    return console_text("\n".join(lines))


def _verdict(outcome: Outcome) -> str:
    if outcome.verdict:
        return outcome.verdict.upper().replace("-", " ")
    return "NO VERDICT"


def _exit(outcome: Outcome) -> str:
    if outcome.exit_code is None:
        return outcome.meaning
    return f"{outcome.exit_code} {outcome.meaning}"


def _relative(path: Path | None, base: Path) -> str | None:
    if path is None:
        return None
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
