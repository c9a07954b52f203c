"""A schema violation names the operation, the JSON path, what was expected and what arrived."""

from __future__ import annotations

import json

import pytest
from openapi_core.templating.responses.exceptions import ResponseNotFound

from conformance._harness.catalogue import Catalogue
from conformance._harness.validation import OpenApiCoreValidator, _mismatches, media_type

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
    assert mismatch.received == "10"


def test_an_error_without_problem_details_is_a_violation() -> None:
    op = VALIDATOR.find("GET", "/port/v1/exports/e1")
    assert op is not None
    found = VALIDATOR.check_response(
        op, "/port/v1/exports/e1", 404, {"Content-Type": "text/plain"}, b"nope"
    )
    assert found and "problem+json" in " ".join(f"{m.expected} {m.why}" for m in found)


def test_a_body_that_is_not_json_is_named_as_such() -> None:
    op = VALIDATOR.find("GET", "/.well-known/interop")
    assert op is not None
    (mismatch,) = VALIDATOR.check_response(op, "/.well-known/interop", 200, JSON, b"\xff<html>")
    assert "not JSON" in mismatch.why


def test_an_undocumented_media_type_says_what_arrived_and_what_is_documented() -> None:
    op = VALIDATOR.find("DELETE", "/port/v1/records/r1")
    assert op is not None
    (mismatch,) = VALIDATOR.check_response(
        op, "/port/v1/records/r1", 409, {"Content-Type": "text/plain; charset=utf-8"}, b"no"
    )
    assert mismatch.describe().splitlines() == [
        "Content-Type",
        "  Documented: application/problem+json",
        "  Received:   text/plain (status 409)",
        "  Why: the media types deleteRecord documents for 409",
    ]


def test_an_undocumented_status_lists_the_documented_ones() -> None:
    # Every operation of the catalogue documents a default, so the error is made by hand.
    op = VALIDATOR.find("DELETE", "/port/v1/records/r1")
    assert op is not None
    (mismatch,) = _mismatches(op, 299, ResponseNotFound("299", ["204", "404"]))
    assert (mismatch.path, mismatch.expected, mismatch.received) == ("status", "204, 404", 299)


# A response corpus: every way a conformant platform may write a media type
# (RFC 9110 §8.3.1: case-insensitive type, any parameters, quoted or not).
JSON_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    'application/json; charset="utf-8"',
    "Application/JSON",
    "application/json ; charset=utf-8",
    "application/json;",
    'application/json; profile="https://example.org/a;b=c"; charset=utf-8',
)
PROBLEM_TYPES = tuple(
    t.replace("json", "problem+json").replace("JSON", "Problem+JSON") for t in JSON_TYPES
)
PROBLEM = {"type": "about:blank", "title": "Not Found", "status": 404, "code": "NOT_FOUND"}
INTEROP = {"platform": "p", "standards": [], "limits": {}, "deprecations": []}


@pytest.mark.parametrize("content_type", JSON_TYPES)
def test_json_with_any_parameters_validates(content_type: str) -> None:
    for method, path, body in (
        ("GET", "/port/v1/exports/e1", _job()),
        ("GET", "/.well-known/interop", json.dumps(INTEROP).encode()),
    ):
        op = VALIDATOR.find(method, path)
        assert op is not None
        headers = {"Content-Type": content_type}
        assert VALIDATOR.check_response(op, path, 200, headers, body) == [], content_type


@pytest.mark.parametrize("content_type", PROBLEM_TYPES)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/fair/v1/items/x"),
        ("GET", "/port/v1/exports/x"),
        ("DELETE", "/port/v1/records/x"),
        ("GET", "/link/v1/messages/x"),
        ("POST", "/disc/v1/pay-quotes"),
        ("GET", "/.well-known/interop"),
    ],
)
def test_problem_bodies_with_any_parameters_validate(
    content_type: str, method: str, path: str
) -> None:
    op = VALIDATOR.find(method, path)
    assert op is not None
    headers = {"Content-Type": content_type}
    body = json.dumps(PROBLEM).encode()
    assert VALIDATOR.check_response(op, path, 404, headers, body) == [], content_type


@pytest.mark.parametrize(
    ("value", "essence"),
    [
        ("application/problem+json; charset=utf-8", "application/problem+json"),
        ("TEXT/HTML;Charset=UTF-8", "text/html"),
        ("application/json , text/plain", None),
        ("json", None),
        ("", None),
    ],
)
def test_media_types_are_read_as_rfc_9110_writes_them(value: str, essence: str | None) -> None:
    parsed = media_type(value)
    assert (parsed.essence if parsed else None) == essence


def test_an_error_body_can_be_left_to_c002_while_headers_are_checked() -> None:
    op = VALIDATOR.find("GET", "/port/v1/parts/e1/0")
    assert op is not None
    plain = {"Content-Type": "text/plain"}
    assert (
        VALIDATOR.check_response(
            op,
            "/port/v1/parts/e1/0",
            416,
            plain | {"Content-Range": "bytes */10"},
            b"no",
            include_body=False,
        )
        == []
    )
    (missing,) = VALIDATOR.check_response(
        op, "/port/v1/parts/e1/0", 416, plain, b"no", include_body=False
    )
    assert missing.path == "header Content-Range"
