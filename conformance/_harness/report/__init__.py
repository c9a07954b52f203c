"""Reporters: each reads a ``RunResult`` and writes one format."""

from __future__ import annotations

from pathlib import Path

from conformance._harness.report import json_report, junit
from conformance._harness.results import RunResult


def write_reports(result: RunResult, directory: Path) -> list[Path]:
    """Write report.json and junit.xml beside the run's evidence.jsonl."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        json_report.write(result, directory / "report.json"),
        junit.write(result, directory / "junit.xml"),
    ]
