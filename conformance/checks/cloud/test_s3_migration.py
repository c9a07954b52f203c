"""CLOUD-108: a bucket moved between two S3 platforms, through the profile alone, arrives whole.

The platform under test is the source once and the destination once; the
other end is the second target (``--second-target``, by default a
reference platform). The suite writes a bucket of its own to the source,
copies it as a migration client would (list, get, put), and holds the
destination to what it wrote.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import strategies as st

from conformance import Harness, draw
from conformance.cloud.fidelity import fail_on
from conformance.cloud.migration import compare_arrival, copy_bucket
from conformance.cloud.objects import (
    KIB,
    MIB,
    WrittenObject,
    content_types,
    metadata,
)
from conformance.cloud.s3 import S3Client
from conformance.cloud.seeding import Stored, write

from .conftest import empty_and_delete, scratch_name

_KEYS_AND_SIZES: tuple[tuple[str, int, int | None], ...] = (
    ("empty", 0, None),
    ("one byte", 1, None),
    ("docs/report 2024+final.txt", 1000, None),
    ("docs/ключ 键 😀", 64 * KIB + 1, None),
    ("media/large.bin", MIB + 1, None),
    ("media/written-in-one-part", 100 * KIB, 5 * MIB),
    ("percent%20and?query#hash", 17, None),
)
"""(key, size, part size if written by a multipart upload)."""


def _objects(seed: int) -> list[WrittenObject]:
    """The bucket the suite writes to the source: sizes, keys, a multipart object, and a
    Content-Type and metadata per object drawn from the run's seed."""
    headers: Any = draw(
        st.lists(
            st.tuples(content_types(), metadata()),
            min_size=len(_KEYS_AND_SIZES),
            max_size=len(_KEYS_AND_SIZES),
        ),
        seed,
    )
    return [
        WrittenObject(key, size, seed + n, kind, meta, part_size=part)
        for n, ((key, size, part), (kind, meta)) in enumerate(
            zip(_KEYS_AND_SIZES, headers, strict=True)
        )
    ]


@pytest.fixture
def second_bucket(second_s3: S3Client, names: random.Random) -> Iterator[str]:
    """A fresh bucket of alice's on the second target, emptied and deleted afterwards."""
    bucket = scratch_name(second_s3.settings, names)
    second_s3.require_success(second_s3.create_bucket(bucket), "CreateBucket")
    yield bucket
    empty_and_delete(second_s3, bucket)


def migrate(
    source: S3Client,
    source_bucket: str,
    dest: S3Client,
    dest_bucket: str,
    harness: Harness,
    direction: str,
) -> None:
    """Write the suite's bucket to the source, copy it, and judge what arrived."""
    written: list[Stored] = [write(source, source_bucket, o) for o in _objects(harness.seed)]
    moved = copy_bucket(source, source_bucket, dest, dest_bucket)
    arrival = compare_arrival(written, dest, dest_bucket)
    fail_on(
        arrival.rows,
        f"objects migrated {direction} did not arrive as written",
        evidence=moved.exchanges + arrival.exchanges,
    )
    harness.verified(
        f"{len(written)} objects ({sum(s.written.size for s in written)} bytes) migrated "
        f"{direction} by list, get and put: bytes, single-part ETags, Content-Type, metadata "
        "and the destination's listing equal what was written"
    )


@pytest.mark.requirement("CLOUD-108")
def test_a_bucket_migrates_out_of_the_platform(
    alice_s3: S3Client,
    scratch_bucket: str,
    second_s3: S3Client,
    second_bucket: str,
    harness: Harness,
) -> None:
    """The platform as the source, the second target as the destination."""
    migrate(
        alice_s3,
        scratch_bucket,
        second_s3,
        second_bucket,
        harness,
        "out of the platform (to the second target)",
    )


@pytest.mark.requirement("CLOUD-108")
def test_a_bucket_migrates_into_the_platform(
    alice_s3: S3Client,
    scratch_bucket: str,
    second_s3: S3Client,
    second_bucket: str,
    harness: Harness,
) -> None:
    """The second target as the source, the platform as the destination."""
    migrate(
        second_s3,
        second_bucket,
        alice_s3,
        scratch_bucket,
        harness,
        "into the platform (from the second target)",
    )
