"""CLOUD-104: ETags are the quoted MD5 of the bytes, or S3's multipart form."""

from __future__ import annotations

import pytest

from conformance import Harness, Mismatch, human_size
from conformance.cloud import etags
from conformance.cloud.fidelity import answered, etag_mismatch, fail_on
from conformance.cloud.objects import MIB, MIN_PART_SIZE, WrittenObject
from conformance.cloud.s3 import S3Client
from conformance.cloud.seeding import result_etag, write

_TYPE = "application/vnd.google-earth.kmz"  # not a default type; no marker of the suite

Seen = tuple[str, str | None, str]
"""Where an ETag was read, its value, and the exchange that carried it."""


def judge_everywhere(
    client: S3Client, bucket: str, key: str, expected: etags.ETag, reply: Seen, what: str
) -> None:
    """The ETag the write answered, HeadObject's, GetObject's and the listing's, each judged."""
    head = client.head_object(bucket, key)
    get = client.get_object(bucket, key)
    listing = client.list_all(bucket, prefix=key, max_keys=1000, page_limit=20)
    listed = [k.etag for k in listing.keys if k.key == key]
    seen: list[Seen] = [
        reply,
        ("HeadObject: ETag", head.headers.get("ETag"), head.exchange),
        ("GetObject: ETag", get.headers.get("ETag"), get.exchange),
    ]
    rows: list[Mismatch] = []
    evidence: list[str] = []
    if listed:
        seen.append(("ListObjectsV2: Contents.ETag", listed[0], listing.exchanges[0]))
    else:
        rows.append(Mismatch("ListObjectsV2: Contents", f"lists {key!r}", "not listed", "", key))
        evidence += listing.exchanges[:1]
    for path, value, exchange in seen:
        row = etag_mismatch(expected, value, path=path, subject=key)
        if row is not None:
            rows.append(row)
            evidence.append(exchange)
    for response, operation in ((head, "HeadObject"), (get, "GetObject")):
        if response.status != 200:
            rows.append(Mismatch(f"{operation}: status", 200, answered(response), "", key))
            evidence.append(response.exchange)
    fail_on(rows, f"the ETag of {what} is not {expected}", evidence=evidence)


@pytest.mark.requirement("CLOUD-104")
def test_single_part_etags_are_the_quoted_md5_of_the_bytes(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """Objects of 0 B, 1 KB and past 1 MiB, and a copy: the write's answer, HEAD, GET, listing."""
    sizes = (0, 1000, MIB + 1)
    for n, size in enumerate(sizes):
        obj = WrittenObject(f"etag/single-{size}", size, harness.seed + n, _TYPE)
        stored = write(alice_s3, scratch_bucket, obj)
        reply = ("PutObject: ETag", stored.answered_etag, stored.exchanges[-1])
        judge_everywhere(alice_s3, scratch_bucket, obj.key, stored.etag, reply, obj.describe())
    copied = alice_s3.copy_object(scratch_bucket, obj.key, scratch_bucket, "etag/copy")
    alice_s3.require_success(copied, "CopyObject")
    reply = (
        "CopyObject: CopyObjectResult.ETag",
        result_etag(copied, "CopyObjectResult"),
        copied.exchange,
    )
    judge_everywhere(
        alice_s3, scratch_bucket, "etag/copy", stored.etag, reply, f"a copy of {obj.key!r}"
    )
    harness.verified(
        f"{len(sizes)} objects of 0 B to {human_size(sizes[-1])} and a copy: every ETag "
        "(the write's answer, HEAD, GET, listing) the quoted MD5 of the bytes"
    )


@pytest.mark.requirement("CLOUD-104")
def test_multipart_etags_are_the_md5_of_the_part_md5s_and_the_count(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """Two parts of 5 MiB and a short one, and a one-part upload: "<md5 of md5s>-<n>"."""
    uploads = (
        WrittenObject(
            "etag/three-parts",
            2 * MIN_PART_SIZE + 777,
            harness.seed,
            _TYPE,
            part_size=MIN_PART_SIZE,
        ),
        WrittenObject("etag/one-part", 1000, harness.seed + 1, _TYPE, part_size=MIN_PART_SIZE),
    )
    for obj in uploads:
        stored = write(alice_s3, scratch_bucket, obj)
        reply = (
            "CompleteMultipartUpload: CompleteMultipartUploadResult.ETag",
            stored.answered_etag,
            stored.exchanges[-1],
        )
        judge_everywhere(alice_s3, scratch_bucket, obj.key, stored.etag, reply, obj.describe())
    harness.verified(
        "multipart uploads of 3 parts and of 1 part: CompleteMultipartUpload, HEAD, GET and "
        'the listing each gave "<md5 of the part md5s>-<parts>"'
    )
