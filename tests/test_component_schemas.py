"""The compiled validator in ``ComponentSchemas.check`` never passes what ``jsonschema`` refuses.

``check`` asks ``jsonschema-rs`` first and skips ``jsonschema`` when it
accepts; that is sound only if the compiled one is never the laxer. Held here
over valid records and mutations of every kind a schema forbids, and over
generated date-time text against ``jsonschema``'s own format check.
"""

from __future__ import annotations

import copy
import string
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance._harness.catalogue import Catalogue
from conformance._harness.schemas import (
    PYTHON_SPACE,
    RUST_DATE_TIME,
    ComponentSchemas,
    _fast_validator,
    _for_rust,
    _formats_named,
)

SCHEMAS = ComponentSchemas(Catalogue.load())
STAMP = "2024-01-01T00:00:00Z"
BASE = {"created_at": STAMP, "updated_at": STAMP}
VALID: dict[str, dict[str, Any]] = {
    "Profile": {"type": "Profile", "id": "p", "display_name": "A", "bio": "", "locale": "en"}
    | {"avatar_media_id": None}
    | BASE,
    "Post": {"type": "Post", "id": "q", "content": "hi", "visibility": "public"}
    | {"media_ids": ["m"], "in_reply_to": None}
    | BASE,
    "Contact": {"type": "Contact", "id": "c", "name": "C", "emails": ["a@b"]}
    | {"phones": ["+33612345678"], "handles": [{"platform": "x", "handle": "@c"}]}
    | BASE,
    "Order": {"type": "Order", "id": "o", "order_number": "1", "ordered_at": STAMP}
    | {"status": "paid", "merchant": "M", "currency": "EUR", "total": "19.90"}
    | {"items": [{"sku": "s", "title": "t", "quantity": 2, "unit_price": "9.95"}]}
    | BASE,
    "Review": {"type": "Review", "id": "r", "item_ref": "i", "rating": 5, "text": "ok"}
    | {"reviewed_at": STAMP}
    | BASE,
    "Media": {"type": "Media", "id": "m", "media_type": "image/png", "size": 3}
    | {"sha256": "a" * 64, "filename": "a.png", "url": "/port/v1/media/" + "a" * 64}
    | BASE,
}
ODD_VALUES: list[Any] = [
    None, True, 0, 1.0, 2.5, -1, 10**30, "", "x", "1.0\n", "19.90", "2024-02-30T00:00:00Z",
    "2024-01-01T00:00:00z", "2024-01-01 00:00:00Z", "0000-01-01T00:00:00Z", "+33 6", [], {},
    ["m", 1], [{"sku": 1}], "friends", "eur", "\u0661", "2024-01-01T00:00:60Z",
    "a\x1cb/c", "text/plain;\x1c q=1", "text/plain\u3000; q=1", "image/png\n", "a/b/c",
]  # fmt: skip


def python_says_invalid(name: str, instance: Any) -> bool:
    schema = SCHEMAS.schema("PORT", name)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return any(True for _ in validator.iter_errors(instance))


def mutations() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, record in VALID.items():
        for key in record:
            missing = copy.deepcopy(record)
            del missing[key]
            out.append((name, missing))
            for value in ODD_VALUES:
                out.append((name, copy.deepcopy(record) | {key: value}))
    return out


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_records_pass_both(name: str) -> None:
    assert SCHEMAS.check("PORT", name, VALID[name]) == []
    assert not python_says_invalid(name, VALID[name])


def test_every_mutation_gets_the_verdict_jsonschema_gives() -> None:
    disagreements = [
        (name, record)
        for name, record in mutations()
        if bool(SCHEMAS.check("PORT", name, record)) != python_says_invalid(name, record)
    ]
    assert not disagreements, disagreements[:5]


DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=4)
RUST_DATE_TIME_CHECK = jsonschema_rs.Draft202012Validator({"pattern": RUST_DATE_TIME})
"""The pattern as the compiled validator runs it (Rust's regex, not Python's)."""
YEARS = [0, 1, 4, 99, 100, 104, 200, 300, 400, 800, 1000, 1600, 1700, 1800, 1900, 1996]
YEARS += [1999, 2000, 2001, 2004, 2023, 2024, 2100, 2400, 9000, 9996, 9999]


def test_the_date_time_pattern_knows_the_calendar_as_jsonschema_does() -> None:
    # Equal, not merely stricter: a valid timestamp the pattern refused would send
    # its record to jsonschema, slowly, and every record has two of them.
    checker = jsonschema.FormatChecker()
    disagreements = [
        text
        for year in [*YEARS, *range(2, 9), *range(1896, 1906)]
        for month in range(14)
        for day in range(33)
        for text in [f"{year:04d}-{month:02d}-{day:02d}T23:59:59Z"]
        if RUST_DATE_TIME_CHECK.is_valid(text) != checker.conforms(text, "date-time")
    ]
    assert not disagreements, disagreements[:5]


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-01T00:00:00Z",
        "2024-12-31T23:59:59.123456+14:00",
        "0001-01-01T00:00:00-23:59",
        "2024-06-30T12:00:00.5Z",
    ],
)
def test_the_date_time_pattern_takes_the_upper_case_forms(text: str) -> None:
    assert RUST_DATE_TIME_CHECK.is_valid(text)
    assert jsonschema.FormatChecker().conforms(text, "date-time")


@pytest.mark.parametrize(
    "text", ["2024-01-01t00:00:00z", "2024-01-01T00:00:00Z\n", "2024-01-01T00:00:60Z"]
)
def test_what_the_pattern_refuses_is_judged_by_jsonschema(text: str) -> None:
    record = VALID["Review"] | {"reviewed_at": text}
    assert not RUST_DATE_TIME_CHECK.is_valid(text)
    assert bool(SCHEMAS.check("PORT", "Review", record)) == python_says_invalid("Review", record)


def test_a_date_time_inside_a_const_is_data_not_a_format() -> None:
    # The rewrite for Rust must not touch an instance written in the schema.
    schema = {"const": {"format": "date-time", "pattern": "\\s"}, "format": "date-time"}
    rewritten = _for_rust(schema)
    assert rewritten["const"] == {"format": "date-time", "pattern": "\\s"}
    assert "format" not in rewritten
    assert rewritten["allOf"] == [{"pattern": RUST_DATE_TIME}]


def test_members_named_like_keywords_are_schemas_all_the_same() -> None:
    # A member called "default" (or "format") is a schema, rewritten like any other.
    schema = {
        "properties": {
            "default": {"type": "string", "format": "date-time"},
            "format": {"const": "port/1.0"},
            "enum": {"type": "string", "pattern": "^\\s$"},
        }
    }
    members = _for_rust(schema)["properties"]
    assert members["default"] == {"type": "string", "allOf": [{"pattern": RUST_DATE_TIME}]}
    assert members["format"] == {"const": "port/1.0"}
    assert "\\x{1C}" in members["enum"]["pattern"]
    fast = _fast_validator(schema)
    assert not fast.is_valid({"default": "2024-01-01T00:00:60Z"})  # no leap second
    assert fast.is_valid({"default": "2024-02-29T00:00:00Z", "format": "port/1.0"})
    assert _formats_named(schema) == {"date-time"}


@settings(max_examples=300, derandomize=True, database=None)
@given(
    st.builds(
        "{}-{}-{}{}{}:{}:{}{}{}".format,
        DIGITS, DIGITS, DIGITS, st.sampled_from("Tt "), DIGITS, DIGITS, DIGITS,
        st.sampled_from(["", ".5", ".123456"]),
        st.sampled_from(["Z", "z", "+01:00", "-23:59", "+24:00", "", "\n"]),
    )
    | st.text(alphabet=string.digits + "-:TZ+.", max_size=26)
)  # fmt: skip
def test_the_date_time_pattern_accepts_only_what_jsonschema_accepts(text: str) -> None:
    if RUST_DATE_TIME_CHECK.is_valid(text):
        assert jsonschema.FormatChecker().conforms(text, "date-time"), text
    record = VALID["Review"] | {"reviewed_at": text}
    assert bool(SCHEMAS.check("PORT", "Review", record)) == python_says_invalid("Review", record)


def test_pythons_whitespace_is_spelled_out_whole() -> None:
    spelled = set()
    for part in PYTHON_SPACE.split("-"):
        spelled |= set(part)
    first, last = PYTHON_SPACE.split("-")[0][-1], PYTHON_SPACE.split("-")[1][0]
    spelled |= {chr(c) for c in range(ord(first), ord(last) + 1)}
    assert spelled == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_the_compiled_validator_is_given_the_python_format_checks_its_schema_names() -> None:
    # Only those named (any Python function slows every check), but every one of those.
    schema = {"type": "object", "properties": {"to": {"type": "string", "format": "email"}}}
    fast = _fast_validator(schema)
    assert fast.is_valid({"to": "a@b"})
    assert not fast.is_valid({"to": "no at sign"})  # jsonschema's own email check
    assert _formats_named(schema | {"const": {"format": "ipv4"}}) == {"email"}
