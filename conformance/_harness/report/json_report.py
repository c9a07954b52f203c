"""report.json: the run as data, valid against ``schemas/report.schema.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from conformance._harness.results import RunResult

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas_data" / "report.schema.json"


def schema() -> dict[str, Any]:
    """The JSON Schema every report.json satisfies."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def write(result: RunResult, path: Path) -> Path:
    """Validate the report against its schema, then write it."""
    document = result.to_json()
    jsonschema.validate(document, schema())
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
