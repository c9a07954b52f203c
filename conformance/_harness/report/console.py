"""The console table: one line per requirement, then the headline that says what was decided."""

from __future__ import annotations

from pathlib import Path

from conformance._harness.results import Outcome, RunResult

_MARK = {
    Outcome.PASS: "pass",
    Outcome.FAIL: "FAIL",
    Outcome.ERROR: "ERROR",
    Outcome.SKIP: "skip",
    Outcome.NOT_CLAIMED: "not-claimed",
    Outcome.NOT_APPLICABLE: "n/a",
}


def render(result: RunResult, report_dir: Path | None = None, width: int = 100) -> str:
    """The table as text."""
    lines = [
        f"conformance of {result.target.get('name')} ({result.target.get('base_url')})",
        f"{'requirement':<12} {'level':<9} {'profile':<11} {'outcome':<12} reason",
    ]
    for r in result.requirements:
        reason = (r.reason.splitlines() or [""])[0]
        head = f"{r.info.id:<12} {r.info.level:<9} {r.info.profile:<11} {_MARK[r.outcome]:<12} "
        lines.append(head + reason[: max(20, width - len(head))])
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items() if n)
    lines += [
        counts or "no requirement judged",
        result.headline(),
        f"seed {result.seed} (replay with --seed {result.seed})",
    ]
    if report_dir is not None:
        lines.append(f"reports: {report_dir}")
    return "\n".join(lines)
