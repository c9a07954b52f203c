"""Reporters: each reads a ``RunResult`` and writes one format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conformance._harness.report import html, json_report, junit
from conformance._harness.results import RunResult

_WRITERS: tuple[tuple[str, Callable[[RunResult, Path], Path]], ...] = (
    ("report.json", json_report.write),
    ("junit.xml", junit.write),
    ("index.html", html.write),
)


def write_reports(result: RunResult, directory: Path) -> list[str]:
    """Write report.json, junit.xml and index.html beside the run's evidence.jsonl.

    One report that cannot be written (a bug) does not keep the other from
    being written: the run's result then says it ended in an internal error,
    and each report that can be written again says so too. Returns what
    could not be written (empty when everything was).
    """
    directory.mkdir(parents=True, exist_ok=True)
    failed = _write_each(result, directory)
    if failed and not result.internal_error:
        result.internal_error = "writing the reports failed: " + "; ".join(failed)
        failed = _write_each(result, directory)
    return failed


def _write_each(result: RunResult, directory: Path) -> list[str]:
    failed = []
    for name, write in _WRITERS:
        try:
            write(result, directory / name)
        except Exception as exc:  # a bug of a writer: the others still write
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    return failed
