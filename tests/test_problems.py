"""C-002's one check of an error body: what passes, what does not, and what it says."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance import Finding
from conformance.common.problems import (
    problem_body,
    problem_codes,
    problem_defects,
    problem_mismatches,
)

PROBLEM = "application/problem+json"


def _body(**members: Any) -> bytes:
    return json.dumps(members).encode()


CONFORMANT = [
    # RFC 9457 §4.2.1: about:blank, its title the status phrase...
    (404, PROBLEM, _body(type="about:blank", title="Not Found", status=404, code="NOT_FOUND")),
    # ...or any other title: C-002 asks for a title, not a particular one
    (404, PROBLEM, _body(type="about:blank", title="Nothing here", status=404, code="NOT_FOUND")),
    (
        409,
        f"{PROBLEM}; charset=utf-8",
        _body(type="https://p.example/conflict", title="", status=409, code="CONFLICT"),
    ),
    (
        416,
        "Application/Problem+JSON",
        _body(type="/problems/range", title="Range", status=416, code="INVALID"),
    ),
    # extension members of any shape (C5)
    (
        422,
        PROBLEM,
        _body(
            type="about:blank",
            title="t",
            status=422,
            code="INVALID",
            errors=[{"at": 1}],
            x_nonce=0.5,
        ),
    ),
    (
        429,
        PROBLEM,
        b'{"code":"TOO_MANY_REQUESTS","status":429,"title":"Slow down","type":"about:blank"}',
    ),
    (
        503,
        PROBLEM,
        json.dumps(
            {
                "type": "about:blank",
                "title": "Indisponible \u00e9",
                "status": 503,
                "code": "UNAVAILABLE",
            },
            ensure_ascii=True,
        ).encode(),
    ),
]


@pytest.mark.parametrize(("status", "content_type", "body"), CONFORMANT)
def test_conformant_problems_pass(status: int, content_type: str, body: bytes) -> None:
    assert problem_defects(status, {"Content-Type": content_type}, body) == []


VIOLATIONS = [
    ("a plain-text error", 404, "text/plain", b"Not found", "Content-Type"),
    (
        "JSON, not problem+json",
        404,
        "application/json",
        _body(type="about:blank", title="t", status=404, code="NOT_FOUND"),
        "Content-Type",
    ),
    ("not JSON", 404, PROBLEM, b"<html>", "body"),
    ("an array", 404, PROBLEM, b"[]", "body"),
    (
        "a code outside the list",
        416,
        PROBLEM,
        _body(type="about:blank", title="t", status=416, code="RANGE_NOT_SATISFIABLE"),
        "$.code",
    ),
    ("no code", 404, PROBLEM, _body(type="about:blank", title="t", status=404), "$.code"),
    ("no title", 404, PROBLEM, _body(type="about:blank", status=404, code="NOT_FOUND"), "$.title"),
    ("no type", 404, PROBLEM, _body(title="t", status=404, code="NOT_FOUND"), "$.type"),
    (
        "a status that is not the response's",
        404,
        PROBLEM,
        _body(type="about:blank", title="t", status=400, code="NOT_FOUND"),
        "$.status",
    ),
    (
        "a status as a string",
        404,
        PROBLEM,
        _body(type="about:blank", title="t", status="404", code="NOT_FOUND"),
        "$.status",
    ),
    (
        "a type that is no URI reference",
        404,
        PROBLEM,
        _body(type="not found", title="t", status=404, code="NOT_FOUND"),
        "$.type",
    ),
]


@pytest.mark.parametrize(
    ("status", "content_type", "body", "path"),
    [v[1:] for v in VIOLATIONS],
    ids=[v[0] for v in VIOLATIONS],
)
def test_violations_are_named_where_they_are(
    status: int, content_type: str, body: bytes, path: str
) -> None:
    found = problem_defects(status, {"Content-Type": content_type}, body)
    assert path in [m.path for m in found]


def test_the_codes_come_from_the_spec() -> None:
    assert len(problem_codes()) == 11 and "TOO_LARGE" in problem_codes()


@dataclass
class _Answer:
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": PROBLEM})
    exchange: str = "ex-000007"


def test_a_labelled_mismatch_names_the_exchange_and_status() -> None:
    (mismatch,) = problem_mismatches(
        "an unknown export", _Answer(404, b"x", {"Content-Type": "text/plain"})
    )
    assert (mismatch.path, mismatch.subject) == (
        "Content-Type",
        "an unknown export (ex-000007, 404)",
    )
    assert mismatch.expected == PROBLEM and mismatch.received == "text/plain"


def test_the_same_defect_on_several_answers_is_one_row_naming_them() -> None:
    plain = {"Content-Type": "text/plain"}
    rows = problem_mismatches("an unknown item", _Answer(404, b"x", plain))
    rows += problem_mismatches("no token", _Answer(401, b"x", plain, exchange="ex-000008"))
    text = Finding("errors are not problem details", mismatches=rows).describe()
    assert text.splitlines()[1:4] == [
        "  Content-Type  (for an unknown item (ex-000007, 404), no token (ex-000008, 401))",
        f"    Documented: {PROBLEM}",
        "    Received:   text/plain",
    ]


def test_missing_members_are_named_from_the_data() -> None:
    found = problem_defects(422, {"Content-Type": PROBLEM}, b"{}")
    assert {m.path for m in found} == {"$.type", "$.title", "$.status", "$.code"}
    assert {(m.expected, m.received) for m in found} == {("present (required)", "absent")}


def test_a_check_reads_a_problem_body_or_learns_it_cannot() -> None:
    body = _body(type="about:blank", title="t", status=422, code="INVALID")
    assert problem_body(
        _Answer(422, body, {"Content-Type": f"{PROBLEM}; charset=utf-8"})
    ) == json.loads(body)
    assert problem_body(_Answer(422, body, {"Content-Type": "text/plain"})) is None
    assert problem_body(_Answer(422, b"{", {})) is None
