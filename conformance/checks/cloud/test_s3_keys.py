"""CLOUD-106: keys of any script round-trip through PUT, GET and a url-encoded listing."""

from __future__ import annotations

import pytest
from hypothesis import example

from conformance import Examples, Finding, Harness, Mismatch
from conformance.cloud.fidelity import answered, bytes_mismatch
from conformance.cloud.keys import TRICKY_KEYS, key_sets, longest_key
from conformance.cloud.paging import page_bound, utf8_order
from conformance.cloud.s3 import S3Client

EXPLICIT = [*TRICKY_KEYS, longest_key("é"), longest_key("😀"), longest_key("键")]
"""Every run writes these first: each is a way keys get rewritten, and three of exactly
1024 UTF-8 bytes."""


def _content(key: str) -> bytes:
    """An object's bytes name its key: a GET that finds another key's object shows."""
    return key.encode("utf-8")


class Bucket:
    """What the bucket holds: the keys written and not (yet) deleted."""

    def __init__(self) -> None:
        self.held: set[str] = set()


def round_trip_rows(
    client: S3Client, bucket: str, keys: list[str], state: Bucket
) -> tuple[list[Mismatch], list[str]]:
    """PUT each key, GET it back, list the bucket with ``encoding-type=url``; then delete."""
    rows: list[Mismatch] = []
    evidence: list[str] = []
    for key in keys:
        put = client.put_object(bucket, key, _content(key), content_type="text/plain")
        if not 200 <= put.status < 300:
            rows.append(Mismatch("PutObject: status", "2xx", answered(put), "", repr(key)))
            evidence.append(put.exchange)
            continue
        state.held.add(key)
        got = client.get_object(bucket, key)
        if got.status != 200:
            rows.append(Mismatch("GetObject: status", 200, answered(got), "", repr(key)))
            evidence.append(got.exchange)
            continue
        row = bytes_mismatch(_content(key), got.content, path="GetObject: body", subject=repr(key))
        if row is not None:
            rows.append(row)
            evidence.append(got.exchange)
    listing = client.list_all(
        bucket,
        max_keys=1000,
        encoding_type="url",
        page_limit=page_bound(len(state.held | set(keys))),
    )
    listed = [k.key for k in listing.keys]
    for key in utf8_order(state.held - set(listed)):
        rows.append(
            Mismatch("ListObjectsV2 (encoding-type=url): Key", key, "not listed", "", "written")
        )
    for key in utf8_order(set(listed) - state.held):
        rows.append(
            Mismatch(
                "ListObjectsV2 (encoding-type=url): Key",
                "only keys written",
                key,
                "a key the suite never wrote (a written key, rewritten?)",
                "listed",
            )
        )
    if len(listed) != len(set(listed)):
        repeated = utf8_order({k for k in listed if listed.count(k) > 1})
        rows.append(Mismatch("ListObjectsV2 (encoding-type=url): Key", "each key once", repeated))
    if rows:
        evidence += listing.exchanges
    # Keys the platform made up (a written one, rewritten) go too, so the next set starts clean.
    for key in [*keys, *(k for k in listed if k not in state.held)]:
        if 200 <= client.delete_object(bucket, key).status < 300:
            state.held.discard(key)
    return rows, evidence


@pytest.mark.requirement("CLOUD-106")
def test_keys_of_every_script_round_trip_through_put_get_and_listing(
    alice_s3: S3Client, scratch_bucket: str, examples: Examples, harness: Harness
) -> None:
    """Spaces, +, %, ?, #, decomposed and precomposed letters, right-to-left scripts, emoji,
    1024-byte keys; then generated sets of keys, the smallest failing set shrunk."""
    state = Bucket()
    written: list[int] = []

    @example(EXPLICIT)
    def prop(keys: list[str]) -> None:
        rows, evidence = round_trip_rows(alice_s3, scratch_bucket, keys, state)
        if rows:
            raise Finding(
                f"keys do not round-trip through PUT, GET and a listing ({len(keys)} written)",
                mismatches=rows,
                evidence=evidence,
            )
        written.append(len(keys))

    examples.given(key_sets())(prop)()
    harness.verified(
        f"{sum(written)} keys in {len(written)} set(s) (of every script, up to 1024 UTF-8 "
        "bytes) read back by GET and listed with encoding-type=url exactly as written"
    )
