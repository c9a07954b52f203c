"""A schema violation names the operation, the JSON path, what was expected and what arrived."""

from __future__ import annotations

import json

from conformance.catalogue import Catalogue
from conformance.validation import OpenApiCoreValidator

VALIDATOR = OpenApiCoreValidator(Catalogue.load())
JSON = {"Content-Type": "application/json"}


def _job(**changes: object) -> bytes:
    job = {
        "id": "e1",
        "status": "ready",
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-08T00:00:00Z",
        "parts": [
            {"url": "/p/0", "size": 10, "sha256": "0" * 64, "media_type": "application/x-ndjson"}
        ],
    }
    job.update(changes)  # type: ignore[arg-type]
    return json.dumps(job).encode()


def test_operations_are_found_literal_paths_first() -> None:
    op = VALIDATOR.find("GET", "/port/v1/exports/abc")
    assert op is not None and op.operation_id == "getExport"
    listing = VALIDATOR.find("GET", "/port/v1/exports")
    assert listing is not None and listing.operation_id == "listExports"
    assert VALIDATOR.find("GET", "/not/in/any/spec") is None


def test_a_valid_response_has_no_mismatch() -> None:
    op = VALIDATOR.find("GET", "/port/v1/exports/e1")
    assert op is not None
    assert VALIDATOR.check_response(op, "/port/v1/exports/e1", 200, JSON, _job()) == []


def test_a_wrong_type_is_reported_at_its_json_path() -> None:
    op = VALIDATOR.find("GET", "/port/v1/exports/e1")
    assert op is not None
    parts = [
        {"url": "/p/0", "size": "10", "sha256": "0" * 64, "media_type": "application/x-ndjson"}
    ]
    (mismatch,) = VALIDATOR.check_response(op, "/port/v1/exports/e1", 200, JSON, _job(parts=parts))
    assert mismatch.path == "$.parts[0].size"
    assert "integer" in str(mismatch.expected)
    assert "'10'" in str(mismatch.actual)


def test_an_error_without_problem_details_is_a_violation() -> None:
    op = VALIDATOR.find("GET", "/port/v1/exports/e1")
    assert op is not None
    found = VALIDATOR.check_response(
        op, "/port/v1/exports/e1", 404, {"Content-Type": "text/plain"}, b"nope"
    )
    assert found and "problem+json" in " ".join(f"{m.expected} {m.reason}" for m in found)


def test_a_body_that_is_not_json_is_named_as_such() -> None:
    op = VALIDATOR.find("GET", "/.well-known/interop")
    assert op is not None
    (mismatch,) = VALIDATOR.check_response(op, "/.well-known/interop", 200, JSON, b"\xff<html>")
    assert "not JSON" in mismatch.reason
