"""CLOUD-103: ListObjectsV2 pages through every key once, in UTF-8 binary order, and ends."""

from __future__ import annotations

import pytest

from conformance import Finding, Harness, Mismatch, draw
from conformance.cloud.fidelity import fail_on
from conformance.cloud.keys import key_sets
from conformance.cloud.listing import Listing
from conformance.cloud.paging import expected_listing, judge_walk, page_bound
from conformance.cloud.s3 import S3Client

MAX_KEYS = (1, 2, 7, 1000)
"""The page sizes the draft names."""

HIERARCHY = (
    "a",
    "a/b",
    "a/b/c",
    "a/c",
    "a+b",
    "ab",
    "b/",
    "b//x",
    "photos/2006/January/sample.jpg",
    "photos/2006/February/sample.jpg",
    "photos/index.html",
    "Z-upper",
    "z-lower",
    "~tilde",
    "ä/x",
    "é/y",
    "中/文",
    "\ufffd-replacement",
    "😀-astral",
)
"""Keys whose binary order differs from case-insensitive, locale and UTF-16 orders, with
hierarchies for ``delimiter``: empty segments, a trailing delimiter, nesting."""

LISTINGS: tuple[tuple[str | None, str | None], ...] = (
    (None, "/"),
    ("a", "/"),
    ("a/", "/"),
    ("photos/", "/"),
    ("photos/2006/", "/"),
    ("b/", "/"),
    ("a/", None),
    ("nothing-here/", "/"),
    ("a+", None),
    ("é/", "/"),
    (None, "b"),
)
"""(prefix, delimiter) pairs: rolled-up prefixes at several depths, one multi-level, one with
no match, one with a ``+`` (a query parameter a form decoder reads as a space), one not
ASCII, one with a delimiter that is not ``/``."""


def _written(harness: Harness) -> list[str]:
    """The fixed hierarchy and a few generated keys of every script (seeded by the run)."""
    generated = draw(key_sets(max_size=6), harness.seed)
    return list(dict.fromkeys([*HIERARCHY, *generated]))


def _seed(client: S3Client, bucket: str, keys: list[str]) -> None:
    for key in keys:
        client.require_success(
            client.put_object(bucket, key, key.encode("utf-8"), content_type="text/plain"),
            "PutObject",
        )


def _walk(
    client: S3Client,
    bucket: str,
    written: list[str],
    *,
    max_keys: int,
    prefix: str | None = None,
    delimiter: str | None = None,
) -> tuple[Listing, list[Mismatch], list[str]]:
    """List with these parameters; the rows by which the walk breaks CLOUD-103."""
    subject = f"max-keys {max_keys}" + (f", prefix {prefix!r}" if prefix is not None else "")
    subject += f", delimiter {delimiter!r}" if delimiter is not None else ""
    expected = expected_listing(written, prefix=prefix, delimiter=delimiter)
    try:
        listing = client.list_all(
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            max_keys=max_keys,
            page_limit=page_bound(len(written)),
        )
    except Finding as exc:
        raise Finding(
            f"{exc.message} ({subject})",
            operation=exc.operation,
            mismatches=exc.mismatches,
            evidence=exc.evidence,
        ) from None
    verdict = judge_walk(listing, expected, max_keys=max_keys, subject=subject)
    return listing, verdict.rows, [listing.exchanges[i] for i in verdict.pages]


@pytest.mark.requirement("CLOUD-103")
def test_every_page_size_lists_each_key_once_in_binary_order(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """max-keys 1, 2, 7 and 1000 over keys of every script: the same keys, in order, once."""
    written = _written(harness)
    _seed(alice_s3, scratch_bucket, written)
    rows: list[Mismatch] = []
    evidence: list[str] = []
    pages = 0
    for max_keys in MAX_KEYS:
        listing, found, cited = _walk(alice_s3, scratch_bucket, written, max_keys=max_keys)
        rows += found
        evidence += cited or listing.exchanges[:1]
        pages += len(listing.pages)
    fail_on(
        rows,
        "paging through the bucket does not list every key once in UTF-8 binary order",
        operation="ListObjectsV2",
        evidence=evidence if rows else [],
    )
    harness.verified(
        f"{len(written)} keys listed with max-keys {', '.join(map(str, MAX_KEYS))} in {pages} "
        "pages: each once, in UTF-8 binary order, every continuation token echoed"
    )


@pytest.mark.requirement("CLOUD-103")
def test_prefix_and_delimiter_give_the_keys_and_common_prefixes_s3_defines(
    alice_s3: S3Client, scratch_bucket: str, harness: Harness
) -> None:
    """Each (prefix, delimiter) listed in pages of 1 and of 1000 entries."""
    written = _written(harness)
    _seed(alice_s3, scratch_bucket, written)
    rows: list[Mismatch] = []
    evidence: list[str] = []
    entries = 0
    for prefix, delimiter in LISTINGS:
        for max_keys in (1, 1000):
            listing, found, cited = _walk(
                alice_s3,
                scratch_bucket,
                written,
                max_keys=max_keys,
                prefix=prefix,
                delimiter=delimiter,
            )
            rows += found
            evidence += cited
            entries += len(listing.keys) + len(listing.prefixes)
    fail_on(
        rows,
        "prefix and delimiter do not give the keys and common prefixes S3 defines",
        operation="ListObjectsV2",
        evidence=evidence,
    )
    harness.verified(
        f"{len(LISTINGS)} prefix/delimiter listings of {len(written)} keys, in pages of 1 and "
        f"1000: {entries} keys and common prefixes, exactly as S3 defines them"
    )
