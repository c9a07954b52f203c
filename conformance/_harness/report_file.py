"""Reading a run's ``report.json`` back: from its directory or the file, checked against its schema.

``diff`` and ``certify`` read reports that may come from elsewhere (a CI
artifact, a baseline kept in a repository): a path that holds no report, or
a file that is not one, is a ``UsageError`` that says what to give instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from conformance._harness.errors import UsageError
from conformance._harness.report.json_report import schema

REPORT_FILE = "report.json"


def read_report(path: Path, role: str) -> dict[str, Any]:
    """The report of a run's directory or of a ``report.json`` (``role`` names it in errors)."""
    file = path / REPORT_FILE if path.is_dir() else path
    if not file.is_file():
        raise UsageError(f"{role} {path}: {_missing(path)}")
    try:
        report = json.loads(file.read_bytes())
        jsonschema.validate(report, schema())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{role} {file}: not a readable report.json ({exc})") from None
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        version = schema()["properties"]["schema_version"]["const"]
        raise UsageError(
            f"{role} {file}: not a report of schema {version} (at {where}: {exc.message}). "
            "Fix: give a report.json this version of the suite wrote"
        ) from None
    return report  # type: ignore[no-any-return]


def _missing(path: Path) -> str:
    """Why there is no report at ``path``, and what to give instead."""
    fix = "Fix: give a run's directory (reports/<run-id>, reports/latest) or its report.json"
    if not path.exists():
        return f"does not exist. {fix}"
    if not path.is_dir():
        return f"is not a report.json. {fix}"
    runs = sorted(p.parent.name for p in path.glob(f"*/{REPORT_FILE}"))
    if runs:
        shown = ", ".join(runs[:3]) + (", ..." if len(runs) > 3 else "")
        return f"holds runs ({shown}), not one run's report. Fix: give one of them, as {path / runs[-1]}"
    return f"has no {REPORT_FILE}. {fix}"
