"""CLOUD-102: Content-Type and every x-amz-meta-* header come back from GET and HEAD, exactly."""

from __future__ import annotations

import pytest
from hypothesis import example
from hypothesis import strategies as st

from conformance import Examples, Finding, Harness, Mismatch
from conformance.cloud.fidelity import answered, fail_on, header_mismatches
from conformance.cloud.objects import WrittenObject, written_objects
from conformance.cloud.s3 import S3Client
from conformance.cloud.seeding import write

_TRICKY = WrittenObject(
    "metadata/tricky",
    10,
    1,
    "text/plain; charset=utf-8",
    {
        "Mixed-Case": "Value With  Two Spaces",
        "quotes": "\"double\" and 'single'",
        "symbols": "a=b; c, d/e:f?g&h#i%20j+k~",
        "x": "x",
    },
)


def returned_rows(client: S3Client, bucket: str, obj: WrittenObject, how: str) -> list[Mismatch]:
    """GET and HEAD ``obj``: rows where either does not return its type and metadata."""
    rows: list[Mismatch] = []
    for operation, response in (
        ("GetObject", client.get_object(bucket, obj.key)),
        ("HeadObject", client.head_object(bucket, obj.key)),
    ):
        if response.status != 200:
            rows.append(Mismatch(f"{operation}: status", 200, answered(response), how, client.who))
            continue
        rows += header_mismatches(
            obj.content_type, obj.metadata, response.headers, operation=operation, subject=how
        )
    return rows


@pytest.mark.requirement("CLOUD-102")
def test_type_and_metadata_written_come_back_from_get_and_head(
    alice_s3: S3Client, scratch_bucket: str, examples: Examples, harness: Harness
) -> None:
    """Generated Content-Types and US-ASCII metadata, written by PUT, read by GET and HEAD."""
    headers: list[int] = []

    @example(_TRICKY)
    def prop(obj: WrittenObject) -> None:
        stored = write(alice_s3, scratch_bucket, obj)
        rows = returned_rows(alice_s3, scratch_bucket, obj, "PutObject")
        if rows:
            raise Finding(
                "GetObject or HeadObject does not return the Content-Type and metadata of "
                + obj.describe(),
                mismatches=rows,
                evidence=stored.exchanges + alice_s3.probe.exchanges[-2:],
            )
        headers.append(1 + len(obj.metadata))

    examples.given(written_objects(st.just("metadata/object"), max_size=1000))(prop)()
    harness.verified(
        f"{len(headers)} object(s) written with {sum(headers)} Content-Type and x-amz-meta-* "
        "header(s): GetObject and HeadObject returned each byte for byte"
    )


@pytest.mark.requirement("CLOUD-102")
def test_multipart_and_copied_objects_keep_their_type_and_metadata(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """Type and metadata given to CreateMultipartUpload, and kept by CopyObject (S3's default
    metadata directive, COPY), come back from GET and HEAD."""
    parted = WrittenObject(
        "metadata/multipart",
        2048,
        harness.seed,
        "application/json",
        {"origin": "CreateMultipartUpload", "Part-Count": "1"},
        part_size=4096,
    )
    stored = write(alice_s3, scratch_bucket, parted)
    rows = returned_rows(alice_s3, scratch_bucket, parted, "CreateMultipartUpload")
    evidence = stored.exchanges[:1] + alice_s3.probe.exchanges[-2:]
    source = write(alice_s3, scratch_bucket, _TRICKY)
    copy = WrittenObject(
        "metadata/copy", _TRICKY.size, _TRICKY.seed, _TRICKY.content_type, _TRICKY.metadata
    )
    copied = alice_s3.copy_object(scratch_bucket, _TRICKY.key, scratch_bucket, copy.key)
    alice_s3.require_success(copied, "CopyObject")
    rows += returned_rows(alice_s3, scratch_bucket, copy, "CopyObject of a PUT object")
    evidence += [*source.exchanges, copied.exchange, *alice_s3.probe.exchanges[-2:]]
    fail_on(
        rows,
        "an object written in parts, or copied, lost its Content-Type or metadata",
        evidence=evidence if rows else [],
    )
    harness.verified(
        f"a multipart object ({1 + len(parted.metadata)} headers) and a copy "
        f"({1 + len(copy.metadata)} headers): GetObject and HeadObject returned each exactly"
    )
