"""CLOUD-107: another account, and anyone anonymous, can neither read, list nor write a private
bucket."""

from __future__ import annotations

import pytest

from conformance import Harness, Mismatch, Response
from conformance.cloud.fidelity import answered, bytes_mismatch, fail_on
from conformance.cloud.s3 import S3Client

_KEY = "private/object"
_TYPE = "text/plain"


def attempts(client: S3Client, bucket: str) -> list[tuple[str, Response]]:
    """Every way to read, list or write the bucket, as ``client``'s identity."""
    return [
        ("GetObject", client.get_object(bucket, _KEY)),
        ("HeadObject", client.head_object(bucket, _KEY)),
        ("ListObjectsV2", client.request("GET", bucket, params={"list-type": "2"})),
        (
            "PutObject (a new key)",
            client.put_object(bucket, f"{_KEY}-by-{client.who}", b"intruder", content_type=_TYPE),
        ),
        (
            "PutObject (the existing key)",
            client.put_object(bucket, _KEY, b"overwritten", content_type=_TYPE),
        ),
        ("DeleteObject", client.delete_object(bucket, _KEY)),
    ]


def refusal_rows(who: str, tried: list[tuple[str, Response]]) -> list[Mismatch]:
    """A row for every attempt not answered 403."""
    rows = []
    for operation, response in tried:
        if response.status == 403:
            continue
        rows.append(
            Mismatch(
                f"{operation}: status",
                403,
                answered(response),
                "a private bucket of alice's refuses every other identity"
                + (" (404 is for buckets that do not exist)" if response.status == 404 else ""),
                who,
            )
        )
    return rows


@pytest.mark.requirement("CLOUD-107")
def test_another_account_and_anonymous_requests_are_refused(
    alice_s3: S3Client,
    bob_s3: S3Client,
    anonymous_s3: S3Client,
    scratch_bucket: str,
    harness: Harness,
) -> None:
    """bob's signed requests and unsigned ones: GET, HEAD, list, PUT (new and existing key)
    and DELETE on alice's bucket all answer 403, and her object and listing stay as they were."""
    data = f"alice's private object in {scratch_bucket}".encode()
    alice_s3.require_success(
        alice_s3.put_object(scratch_bucket, _KEY, data, content_type=_TYPE), "PutObject"
    )
    rows: list[Mismatch] = []
    evidence: list[str] = []
    counted = 0
    for client in (bob_s3, anonymous_s3):
        tried = attempts(client, scratch_bucket)
        counted += len(tried)
        found = refusal_rows(client.who, tried)
        rows += found
        refused = {row.path.split(":")[0] for row in found}
        evidence += [r.exchange for op, r in tried if op in refused]
    after = alice_s3.get_object(scratch_bucket, _KEY)
    listing = alice_s3.list_all(scratch_bucket, max_keys=1000, page_limit=20)
    row = bytes_mismatch(
        data, after.content, path="alice's GetObject afterwards: body", subject="alice"
    )
    if after.status != 200:
        rows.append(
            Mismatch("alice's GetObject afterwards: status", 200, answered(after), "", "alice")
        )
    elif row is not None:
        rows.append(row)
    listed = [k.key for k in listing.keys]
    if listed != [_KEY]:
        rows.append(
            Mismatch(
                "alice's listing afterwards",
                [_KEY],
                listed,
                "nobody but alice may add or remove her objects",
                "alice",
            )
        )
    if rows:
        evidence += [after.exchange, *listing.exchanges]
    fail_on(
        rows,
        "another account or an anonymous request reached alice's private bucket",
        evidence=evidence,
    )
    harness.verified(
        f"{counted} requests by bob and anonymous (GET, HEAD, list, PUT new and existing, DELETE) "
        "answered 403; alice's object and listing unchanged"
    )
