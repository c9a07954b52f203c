"""The console table: one row per requirement with its whole reason, then the headline.

Each reason is shown whole, wrapped to the width and indented under its
row, so the line that says what to do (``Fix: …``, ``Replay: …``) is never
cut off; a reason longer than ``_REASON_LINES`` lines is shortened in the
middle, those lines kept, and ``report.json`` has it all. A run that judged
nothing (the target unreachable, no discovery document, a configuration
error) shows its diagnosis and where the reports are, not a table of
identical errors. Everything is escaped (``console_text``): a platform's
text cannot act on the terminal.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from conformance._harness.results import Outcome, RunResult, Verdict
from conformance._harness.safe_text import console_text

_MARK = {
    Outcome.PASS: "pass",
    Outcome.FAIL: "FAIL",
    Outcome.ERROR: "ERROR",
    Outcome.SKIP: "skip",
    Outcome.NOT_CLAIMED: "not-claimed",
    Outcome.NOT_APPLICABLE: "n/a",
}

_REASON_LINES = 40
"""Lines of one reason the console shows; report.json has them all."""

_INDENT = "    "
"""Where a reason's further lines start, under its row."""

_KEPT = ("Fix:", "Replay:")
"""Lines of a reason kept whatever its length: what to do, and how to see it again."""

_FIX = re.compile(r"\.\s+Fix:\s")

NOTHING_JUDGED = frozenset({Verdict.UNREACHABLE, Verdict.NO_DISCOVERY, Verdict.CONFIGURATION_ERROR})
"""Verdicts of a run that judged no requirement: the diagnosis is all there is to say."""


def render(result: RunResult, report_dir: Path | None = None, width: int = 100) -> str:
    """The table as text, inert on a terminal whatever the platform put in it."""
    title = console_text(
        f"conformance of {result.target.get('name')} ({result.target.get('base_url')})"
    )
    if result.verdict() in NOTHING_JUDGED:
        return "\n".join([title, console_text(result.headline()), _unjudged(result, report_dir)])
    lines = [title, f"{'requirement':<12} {'level':<9} {'profile':<11} {'outcome':<12} reason"]
    for r in result.requirements:
        head = f"{r.info.id:<12} {r.info.level:<9} {r.info.profile:<11} {_MARK[r.outcome]:<12} "
        lines += reason_lines(r.reason, head, width)
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items() if n)
    lines += [
        counts or "no requirement judged",
        console_text(result.headline()),
        f"seed {result.seed} (replay with --seed {result.seed})",
    ]
    if report_dir is not None:
        lines.append(f"reports: {console_text(str(report_dir))}")
    return "\n".join(lines)


def nothing_judged(result: RunResult, report_dir: Path | None) -> str:
    """The line after a diagnosis: the verdict, that nothing was judged, where the reports are."""
    return f"{console_text(result.headline().partition(':')[0])}: {_unjudged(result, report_dir)}"


def _unjudged(result: RunResult, report_dir: Path | None) -> str:
    ended = (
        f" (each of the {len(result.requirements)} selected ends error in report.json)"
        if result.requirements
        else ""
    )
    where = f"; reports: {report_dir}" if report_dir is not None else ""
    return console_text(f"no requirement was judged{ended}; seed {result.seed}{where}")


def reason_lines(reason: str, head: str, width: int = 100, most: int = _REASON_LINES) -> list[str]:
    """``reason`` escaped and wrapped: its first words on the row ``head``, the rest under it.

    Each line of the reason keeps its own indentation; ``Fix:`` starts a line of
    its own; the ``Replay:`` command is never broken. Past ``most`` lines the middle is cut, the ``Fix:`` and ``Replay:``
    lines kept.
    """
    logical = _FIX.sub(".\nFix: ", console_text(reason.rstrip())).split("\n")
    blocks = [_wrap(line, head if i == 0 else "", width) for i, line in enumerate(logical)]
    if sum(len(b) for b in blocks) <= most:
        return [line for block in blocks for line in block]
    kept = {i for i, line in enumerate(logical) if i and line.lstrip().startswith(_KEPT)}
    room = max(most - 1 - sum(len(blocks[i]) for i in kept), 1)
    out: list[str] = []
    cut, at = 0, -1
    for i, block in enumerate(blocks):
        if i in kept:
            out += block
            continue
        shown = block[:room]
        out += shown
        room -= len(shown)
        if len(shown) < len(block):
            at = len(out) if at < 0 else at
            cut += len(block) - len(shown)
    if cut:
        out.insert(at, f"{_INDENT}... ({cut} lines more in report.json)")
    return out


def _wrap(line: str, head: str, width: int) -> list[str]:
    """One line of a reason wrapped; on the row (``head``) or indented under it."""
    own = " " * (len(line) - len(line.lstrip(" ")))
    text = line.strip(" ").expandtabs(4)
    first = head or _INDENT + own
    if text.startswith("Replay:"):  # a command to copy: never broken
        return [first + text]
    wrapped = textwrap.wrap(
        text,
        width=max(width, len(first) + 20),
        initial_indent=first,
        subsequent_indent=_INDENT + own,
        break_on_hyphens=False,
        break_long_words=True,
    )
    return wrapped or [first.rstrip()]
