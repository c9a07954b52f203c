"""An object read back against the object written: rows for what differs."""

from __future__ import annotations

from requests.structures import CaseInsensitiveDict

from conformance.cloud import etags
from conformance.cloud.fidelity import (
    bytes_mismatch,
    etag_mismatch,
    header_mismatches,
    listing_mismatches,
    metadata_of,
)
from conformance.cloud.listing import ListedObject


def test_metadata_names_are_case_insensitive() -> None:
    headers = CaseInsensitiveDict({"X-Amz-Meta-Colour": "blue", "Content-Type": "a/b"})
    assert metadata_of(headers) == {"colour": "blue"}
    rows = header_mismatches(
        "a/b", {"COLOUR": "blue"}, headers, operation="HeadObject", subject="k"
    )
    assert rows == []


def test_a_dropped_or_changed_header_is_a_row() -> None:
    headers = CaseInsensitiveDict({"x-amz-meta-a": "1 ", "Content-Type": "text/plain"})
    rows = header_mismatches(
        "text/plain; charset=utf-8",
        {"a": "1", "b": "2"},
        headers,
        operation="GetObject",
        subject="k",
    )
    assert [(r.path, r.expected, r.received) for r in rows] == [
        ("GetObject: Content-Type", "text/plain; charset=utf-8", "text/plain"),
        ("GetObject: x-amz-meta-a", "1", "1 "),
        ("GetObject: x-amz-meta-b", "2", None),
    ]


def test_extra_metadata_is_not_judged() -> None:
    headers = CaseInsensitiveDict({"x-amz-meta-added": "x"})
    assert header_mismatches(None, {}, headers, operation="GetObject", subject="") == []


def test_bytes_rows_say_where_they_differ() -> None:
    assert bytes_mismatch(b"abc", b"abc", path="body", subject="") is None
    row = bytes_mismatch(b"abcd", b"abXd", path="body", subject="k")
    assert row is not None and "offset 2" in row.why
    row = bytes_mismatch(b"abcd", b"ab", path="body", subject="k")
    assert row is not None and "offset 2" in row.why and "2 bytes" in str(row.received)


def test_etag_rows() -> None:
    tag = etags.single_part(b"x")
    assert etag_mismatch(tag, str(tag), path="ETag", subject="") is None
    row = etag_mismatch(tag, tag.digest, path="ETag", subject="")
    assert row is not None and row.why == "the ETag is not in double quotes"


def test_listing_rows() -> None:
    tag = etags.single_part(b"x")
    written = {"a": (1, tag), "b": (2, None), "c": (0, None)}
    listed = [
        ListedObject("a", 1, str(tag)),
        ListedObject("b", 3, "anything"),
        ListedObject("b", 3, "anything"),
        ListedObject("z", 1, None),
    ]
    rows = listing_mismatches(written, listed)
    assert [(r.path, r.received) for r in rows] == [
        ("Key 'b': Size", 3),
        ("Key 'z'", "listed"),
        ("Key 'b'", "listed 2 times"),
        ("Key 'c'", "missing"),
    ]


def test_a_loose_listing_compares_etag_digits_only() -> None:
    tag = etags.single_part(b"x")
    written = {"a": (1, tag)}
    assert listing_mismatches(written, [ListedObject("a", 1, tag.digest)], loose=True) == []
    rows = listing_mismatches(written, [ListedObject("a", 1, tag.digest)])
    assert [r.why for r in rows] == ["the ETag is not in double quotes"]
    rows = listing_mismatches(written, [ListedObject("a", 1, '"' + "0" * 32 + '"')], loose=True)
    assert [r.path for r in rows] == ["Key 'a': ETag"]
