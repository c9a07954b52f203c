"""GitHub Actions: an ``::error`` annotation per failure and a Markdown step summary.

Used by ``conformance run`` when ``GITHUB_ACTIONS=true``. Annotations are
workflow commands on stdout; their text is escaped as GitHub documents it
(``%``, CR, LF; also ``:`` and ``,`` in properties), so a reason can neither
end the command early nor start another. The summary is appended to the
file ``$GITHUB_STEP_SUMMARY`` names, every platform-controlled text made
inert Markdown (``md_text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from conformance._harness.report.markdown import md_text
from conformance._harness.results import Outcome, RunResult
from conformance._harness.safe_text import console_text

_MESSAGE_CHARS = 4000


def active(environ: Mapping[str, str]) -> bool:
    """True when running as a GitHub Actions step."""
    return environ.get("GITHUB_ACTIONS", "").lower() == "true"


def workflow_commands(result: RunResult) -> list[str]:
    """One workflow command per requirement that failed or errored.

    A failed MUST is an ``::error``; a failed SHOULD and an ``error``
    outcome (undecided, not the platform's failure) are ``::warning``.
    """
    lines = []
    for r in result.requirements:
        if r.outcome not in (Outcome.FAIL, Outcome.ERROR):
            continue
        command = "error" if r.outcome is Outcome.FAIL and r.is_must else "warning"
        message = console_text(f"{r.info.level} {r.outcome.value}: {r.reason}")[:_MESSAGE_CHARS]
        lines.append(f"::{command} title={_property(r.info.id)}::{_data(message)}")
    if result.internal_error or result.configuration_error or result.unreachable:
        lines.append(f"::error title=conformance::{_data(console_text(result.headline()))}")
    return lines


def summary(result: RunResult, report_dir: Path | None = None) -> str:
    """The run as Markdown: the headline, the counts, then every requirement that did not pass."""
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items() if n) or "none judged"
    lines = [
        f"### Conformance of {md_text(str(result.target.get('name')))}",
        "",
        f"**{md_text(result.headline(), 600)}**",
        "",
        f"Requirements: {counts}. Seed {result.seed}."
        + (f" Reports: {md_text(str(report_dir))}" if report_dir else ""),
        "",
    ]
    shown = [r for r in result.requirements if r.outcome in (Outcome.FAIL, Outcome.ERROR)]
    if shown:
        lines += ["| requirement | level | outcome | reason |", "|---|---|---|---|"]
        lines += [
            f"| {r.info.id} | {r.info.level} | {r.outcome.value} | "
            f"{md_text((r.reason.splitlines() or [''])[0], 300)} |"
            for r in shown
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def append_summary(result: RunResult, path: Path, report_dir: Path | None = None) -> None:
    """Append the summary to the step summary file (GitHub renders it on the run's page)."""
    with path.open("a", encoding="utf-8", errors="backslashreplace") as file:
        file.write(summary(result, report_dir))


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
