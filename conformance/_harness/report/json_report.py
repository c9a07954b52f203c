"""report.json: the run as data, valid against ``schemas/report.schema.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from conformance._harness.results import RunResult
from conformance._harness.safe_text import json_bytes

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas_data" / "report.schema.json"


def schema() -> dict[str, Any]:
    """The JSON Schema every report.json satisfies."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def write(result: RunResult, path: Path) -> Path:
    """Validate the report against its schema, then write it (whatever text it holds).

    A run that ended in an internal error is written even if it does not
    validate: a report to send with the bug beats none.
    """
    document = result.to_json()
    if not result.internal_error:
        jsonschema.validate(document, schema())
    path.write_bytes(json_bytes(document, indent=2) + b"\n")
    return path
