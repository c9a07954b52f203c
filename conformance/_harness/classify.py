"""From pytest's outcome of a check to exactly one COMMON C4 outcome, with its reason.

Decided by the type of what ended the check, never by its text or its
class's name: a ``Finding`` or an ``AssertionError`` fails, a
``ConformanceError`` could not decide, ``NotClaimed`` and ``NotApplicable``
say so, any other skip is a skip, anything else is an error of the check.
"""

from __future__ import annotations

import inspect

import pytest
from hypothesis.errors import Flaky

from conformance._harness.checking import NotApplicable, NotClaimed
from conformance._harness.errors import (
    ConfigError,
    ConformanceError,
    DeadlineExceeded,
    Finding,
    RefusedDestination,
    ResponseTooLarge,
    TargetUnreachable,
)
from conformance._harness.results import Outcome

_MAX_NOTES = 6000

_SKIPS: tuple[tuple[type[BaseException], Outcome], ...] = (
    (NotClaimed, Outcome.NOT_CLAIMED),
    (NotApplicable, Outcome.NOT_APPLICABLE),
)

_LABELS: tuple[tuple[type[ConformanceError], str], ...] = (
    (TargetUnreachable, "target unreachable"),
    (DeadlineExceeded, "time limit reached"),
    (ResponseTooLarge, "response too large"),
    (RefusedDestination, "destination refused"),
    (ConfigError, "configuration"),
)


def classify(call: pytest.CallInfo[None], report: pytest.TestReport) -> tuple[Outcome, str]:
    """The outcome of one phase (setup or call) of a check, and its reason."""
    if report.passed:
        return Outcome.PASS, ""
    excinfo = call.excinfo
    if excinfo is None:
        return Outcome.ERROR, "the check ended without an outcome"
    exc = excinfo.value
    if report.skipped:
        reason = str(getattr(exc, "msg", exc))
        outcome = next((o for kind, o in _SKIPS if isinstance(exc, kind)), Outcome.SKIP)
        return outcome, reason
    return classify_exception(exc)


def classify_exception(exc: BaseException) -> tuple[Outcome, str]:
    """The outcome of a check that raised ``exc``, and its reason (with the exception's notes)."""
    notes = "".join(f"\n{n}" for n in getattr(exc, "__notes__", []) if "Explanation" not in n)
    if len(notes) > _MAX_NOTES:
        notes = notes[:_MAX_NOTES] + "\n... (cut; the seed in the report replays the whole case)"
    if isinstance(exc, BaseExceptionGroup):
        inner = [classify_exception(e) for e in exc.exceptions]
        worst = next((o for o in inner if o[0] is Outcome.FAIL), inner[0])
        return worst[0], worst[1] + notes
    if isinstance(exc, Finding):
        return Outcome.FAIL, exc.describe() + notes
    if isinstance(exc, AssertionError):
        return Outcome.FAIL, (str(exc) or "assertion failed") + notes
    if isinstance(exc, ConformanceError):
        return Outcome.ERROR, f"{_label(exc)}: {exc}" + notes
    if isinstance(exc, Flaky):
        return Outcome.ERROR, f"the platform answered inconsistently while replaying a case: {exc}"
    name = type(exc).__name__
    return Outcome.ERROR, f"the check could not complete ({name}: {str(exc)[:300]})" + notes


def _label(exc: ConformanceError) -> str:
    return next((label for kind, label in _LABELS if isinstance(exc, kind)), "could not decide")


def what_was_checked(item: pytest.Item, exchanges: int) -> str:
    """A pass reason for a check that said nothing itself: its docstring, and on what."""
    doc = inspect.getdoc(getattr(item, "obj", None)) or item.name.removeprefix("test_")
    first = doc.strip().splitlines()[0].replace("``", "").replace("_", " ").rstrip(".")
    return f"{first} (checked on {exchanges} exchange(s))"


def finding_evidence(call: pytest.CallInfo[None]) -> list[str]:
    """The exchanges a finding that ended the check cites."""
    exc = call.excinfo.value if call.excinfo else None
    return list(getattr(exc, "evidence", ()) or ())


def relabel(report: pytest.TestReport, outcome: Outcome, reason: str, levels: list[str]) -> None:
    """Make pytest's own outcome agree with ours (SHOULD failures do not fail the run)."""
    if outcome is Outcome.FAIL and all(level == "SHOULD" for level in levels):
        report.outcome = "skipped"
        report.wasxfail = f"SHOULD not met: {reason.splitlines()[0] if reason else ''}"
    elif outcome is Outcome.ERROR and report.when == "call":
        report.outcome = "failed"
        report.longrepr = f"error (could not decide): {reason}"
