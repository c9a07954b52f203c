"""CLOUD-101: the bytes read back are the bytes written, whatever the size and however written."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from conformance import Examples, Finding, Harness, Mismatch, human_size
from conformance.cloud.fidelity import answered, bytes_mismatch, fail_on
from conformance.cloud.objects import (
    KIB,
    MIB,
    MIN_PART_SIZE,
    SIZE_CLASSES,
    WrittenObject,
    written_objects,
)
from conformance.cloud.s3 import S3Client
from conformance.cloud.seeding import Stored, write

_TYPE = "application/vnd.google-earth.kmz"  # not a default type; no marker of the suite
_GENERATED_MAX = MIB + KIB  # the size classes reach past 5 MiB already; these vary the rest


def read_back_rows(client: S3Client, bucket: str, stored: Stored, how: str) -> list[Mismatch]:
    """GET the object and compare its bytes with what was written."""
    key = stored.written.key
    got = client.get_object(bucket, key)
    where = f"GetObject {key!r}"
    if got.status != 200:
        return [Mismatch(f"{where}: status", 200, answered(got), how, client.who)]
    row = bytes_mismatch(stored.data, got.content, path=f"{where}: body", subject=how)
    return [row] if row is not None else []


@pytest.mark.requirement("CLOUD-101")
def test_every_size_class_reads_back_byte_for_byte(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """One object per size class, 0 B to past 5 MiB in one PUT, read back whole."""
    rows: list[Mismatch] = []
    evidence: list[str] = []
    for n, size in enumerate(SIZE_CLASSES):
        obj = WrittenObject(f"size-class/{size}", size, harness.seed + n, _TYPE)
        stored = write(alice_s3, scratch_bucket, obj)
        found = read_back_rows(alice_s3, scratch_bucket, stored, f"PutObject of {size} bytes")
        rows += found
        if found:
            evidence += stored.exchanges[-1:] + alice_s3.probe.exchanges[-1:]
    fail_on(rows, "objects read back differ from the bytes written", evidence=evidence)
    harness.verified(
        f"{len(SIZE_CLASSES)} objects of 0 B to {human_size(max(SIZE_CLASSES))} "
        "read back byte for byte"
    )


@pytest.mark.requirement("CLOUD-101")
def test_a_multipart_upload_reads_back_as_its_parts_joined(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """Two parts of 5 MiB and a short last one, completed, read back as one object."""
    size = 2 * MIN_PART_SIZE + 1234
    obj = WrittenObject("multipart/three-parts", size, harness.seed, _TYPE, part_size=MIN_PART_SIZE)
    stored = write(alice_s3, scratch_bucket, obj)
    rows = read_back_rows(alice_s3, scratch_bucket, stored, "3 parts, completed")
    fail_on(
        rows,
        "a multipart object reads back differently from its parts",
        evidence=stored.exchanges[-1:] + alice_s3.probe.exchanges[-1:],
    )
    harness.verified(f"a multipart object of 3 parts ({human_size(size)}) read back byte for byte")


@pytest.mark.requirement("CLOUD-101")
def test_a_copied_object_reads_back_as_its_source(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """CopyObject within the bucket: the copy holds the source's bytes."""
    obj = WrittenObject("copy/source", MIB + 1, harness.seed, _TYPE)
    stored = write(alice_s3, scratch_bucket, obj)
    copied = alice_s3.copy_object(scratch_bucket, obj.key, scratch_bucket, "copy/target")
    alice_s3.require_success(copied, "CopyObject")
    copy = Stored(WrittenObject("copy/target", obj.size, obj.seed, _TYPE), stored.data)
    rows = read_back_rows(alice_s3, scratch_bucket, copy, "CopyObject of the source")
    fail_on(
        rows,
        "a copy does not hold its source's bytes",
        evidence=[copied.exchange, *alice_s3.probe.exchanges[-1:]],
    )
    harness.verified(f"an object of {human_size(obj.size)} copied, the copy read back equal")


@pytest.mark.requirement("CLOUD-101")
def test_generated_objects_read_back_byte_for_byte(
    alice_s3: S3Client, scratch_bucket: str, examples: Examples, harness: Harness
) -> None:
    """Objects of generated sizes (up to 1 MiB) written and read back, smallest failure shrunk."""
    sizes: list[int] = []

    def prop(obj: WrittenObject) -> None:
        stored = write(alice_s3, scratch_bucket, obj)
        rows = read_back_rows(alice_s3, scratch_bucket, stored, obj.describe())
        if rows:
            raise Finding(
                f"{obj.describe()} reads back differently",
                mismatches=rows,
                evidence=stored.exchanges[-1:] + alice_s3.probe.exchanges[-1:],
            )
        sizes.append(obj.size)

    examples.given(written_objects(st.just("generated/object"), max_size=_GENERATED_MAX))(prop)()
    harness.verified(
        f"{len(sizes)} generated object(s) of {min(sizes, default=0)} to "
        f"{human_size(max(sizes, default=0))} read back byte for byte"
    )
