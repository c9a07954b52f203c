"""CLOUD-105: Range reads answer 206 with exactly the bytes asked for, or 416."""

from __future__ import annotations

import pytest

from conformance import Examples, Finding, Harness, Mismatch
from conformance.cloud.fidelity import answered, bytes_mismatch, fail_on
from conformance.cloud.objects import KIB, WrittenObject
from conformance.cloud.ranges import RangeCase, boundary_cases, range_cases
from conformance.cloud.s3 import S3Client
from conformance.cloud.seeding import Stored, write

_SIZE = 10 * KIB + 7
"""Several KiB, not a power of two: a range past a buffer's end shows."""


def range_rows(client: S3Client, bucket: str, stored: Stored, case: RangeCase) -> list[Mismatch]:
    """GET with ``case``'s Range: 206 and its bytes, or 416 when it is unsatisfiable."""
    got = client.get_object(bucket, stored.written.key, range=case.header)
    subject = f"Range: {case.header} ({case.kind}, object of {case.size} bytes)"
    want = 206 if case.satisfiable else 416
    if got.status != want:
        return [Mismatch("status", want, answered(got), "", subject)]
    if not case.satisfiable:
        return []
    row = bytes_mismatch(case.expected(stored.data), got.content, path="body", subject=subject)
    return [row] if row is not None else []


def _object(client: S3Client, bucket: str, harness: Harness) -> Stored:
    obj = WrittenObject("ranges/object", _SIZE, harness.seed, "application/vnd.google-earth.kmz")
    return write(client, bucket, obj)


@pytest.mark.requirement("CLOUD-105")
def test_first_middle_and_suffix_ranges_answer_exactly_those_bytes(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """The first byte, the first 100, the last, a suffix, middles, and two past the end (416)."""
    stored = _object(alice_s3, scratch_bucket, harness)
    cases = boundary_cases(_SIZE)
    rows: list[Mismatch] = []
    evidence: list[str] = []
    for case in cases:
        found = range_rows(alice_s3, scratch_bucket, stored, case)
        rows += found
        evidence += alice_s3.probe.exchanges[-1:] if found else []
    fail_on(
        rows,
        "Range reads do not answer the bytes asked for",
        operation="GetObject",
        evidence=evidence,
    )
    satisfiable = sum(c.satisfiable for c in cases)
    harness.verified(
        f"{satisfiable} ranges of an object of {_SIZE} bytes answered 206 with exactly their "
        f"bytes; {len(cases) - satisfiable} starting at or past its end answered 416"
    )


@pytest.mark.requirement("CLOUD-105")
def test_generated_ranges_answer_exactly_those_bytes(
    alice_s3: S3Client, scratch_bucket: str, examples: Examples, harness: Harness
) -> None:
    """Generated first, middle, suffix and open-ended ranges, the smallest failure shrunk."""
    stored = _object(alice_s3, scratch_bucket, harness)
    done: list[str] = []

    def prop(case: RangeCase) -> None:
        rows = range_rows(alice_s3, scratch_bucket, stored, case)
        if rows:
            raise Finding(
                f"GetObject with Range {case.header} does not answer the bytes asked for",
                operation="GetObject",
                mismatches=rows,
                evidence=alice_s3.probe.exchanges[-1:],
            )
        done.append(case.header)

    # A range of the whole object may be answered 200 without breaking RFC 9110: not drawn.
    examples.given(range_cases(_SIZE, longest=_SIZE - 1))(prop)()
    harness.verified(
        f"{len(done)} generated range(s) of an object of {_SIZE} bytes answered 206 with "
        "exactly their bytes"
    )
