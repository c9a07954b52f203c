"""The console table: one line per requirement, then the headline that says what was decided."""

from __future__ import annotations

from pathlib import Path

from conformance._harness.results import Outcome, RunResult
from conformance._harness.safe_text import console_text

_MARK = {
    Outcome.PASS: "pass",
    Outcome.FAIL: "FAIL",
    Outcome.ERROR: "ERROR",
    Outcome.SKIP: "skip",
    Outcome.NOT_CLAIMED: "not-claimed",
    Outcome.NOT_APPLICABLE: "n/a",
}


_DETAIL_LINES = 40
"""Lines of one reason the console shows; report.json has them all."""


def render(result: RunResult, report_dir: Path | None = None, width: int = 100) -> str:
    """The table as text, inert on a terminal whatever the platform put in it."""
    lines = [
        f"conformance of {result.target.get('name')} ({result.target.get('base_url')})",
        f"{'requirement':<12} {'level':<9} {'profile':<11} {'outcome':<12} reason",
    ]
    for r in result.requirements:
        reason = (r.reason.splitlines() or [""])[0]
        head = f"{r.info.id:<12} {r.info.level:<9} {r.info.profile:<11} {_MARK[r.outcome]:<12} "
        lines.append(head + reason[: max(20, width - len(head))])
    lines += _details(result)
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items() if n)
    lines += [
        counts or "no requirement judged",
        result.headline(),
        f"seed {result.seed} (replay with --seed {result.seed})",
    ]
    if report_dir is not None:
        lines.append(f"reports: {report_dir}")
    return console_text("\n".join(lines))


def _details(result: RunResult, most: int = _DETAIL_LINES) -> list[str]:
    """The whole reason of each requirement that failed or errored, its replay line kept."""
    out: list[str] = []
    for r in result.requirements:
        if r.outcome not in (Outcome.FAIL, Outcome.ERROR) or "\n" not in r.reason:
            continue
        reason = r.reason.splitlines()
        if len(reason) > most:
            cut = len(reason) - most
            reason = [*reason[: most - 1], f"... ({cut} lines more in report.json)", reason[-1]]
        out += ["", f"{r.info.id} {_MARK[r.outcome]}", *(f"  {line}" for line in reason)]
    return [*out, ""] if out else []
