"""Fixtures of the CLOUD checks: S3 clients per identity, a scratch bucket, the OCI client.

A check that needs a surface the target file does not configure (``cloud.s3``,
``cloud.oci``) ends ``error`` with a ``ConfigError`` naming the key to add.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from conformance import ComponentSchemas, ConformanceError, Finding, Harness, Probe, S3Settings
from conformance.cloud.names import bucket_name, seeded
from conformance.cloud.oci import OciClient
from conformance.cloud.s3 import S3Client
from conformance.cloud.surfaces import oci_of, s3_of

_CLEANUP_PAGES = 50  # pages of 1000 keys read to empty a scratch bucket, at most


def cloud_schemas(harness: Harness) -> ComponentSchemas:
    """CLOUD's component schemas, built once per run."""
    return harness.memo("cloud.schemas", lambda: ComponentSchemas(harness.catalogue))


@pytest.fixture
def s3_settings(harness: Harness) -> S3Settings:
    """The target's ``cloud.s3`` section."""
    return s3_of(harness.target)


@pytest.fixture
def alice_s3(probe: Probe, s3_settings: S3Settings, harness: Harness) -> S3Client:
    """S3 as alice (signed with her access key) on this check's probe."""
    return S3Client(probe, s3_settings, "alice", schemas=cloud_schemas(harness))


@pytest.fixture
def bob_s3(probe: Probe, s3_settings: S3Settings, harness: Harness) -> S3Client:
    """S3 as bob, another account."""
    return S3Client(probe, s3_settings, "bob", schemas=cloud_schemas(harness))


@pytest.fixture
def anonymous_s3(probe: Probe, s3_settings: S3Settings, harness: Harness) -> S3Client:
    """S3 without credentials (unsigned requests)."""
    return S3Client(probe, s3_settings, None, schemas=cloud_schemas(harness))


@pytest.fixture
def second_s3(second_probe: Probe, harness: Harness) -> S3Client:
    """S3 as alice on the second target (not-applicable without one)."""
    assert harness.second is not None  # second_probe ends the check otherwise
    return S3Client(second_probe, s3_of(harness.second), "alice", schemas=cloud_schemas(harness))


@pytest.fixture
def oci_client(probe: Probe, harness: Harness) -> OciClient:
    """The target's registry (``cloud.oci``) on this check's probe."""
    return OciClient(probe, oci_of(harness.target, harness.seed))


@pytest.fixture
def names(harness: Harness, request: pytest.FixtureRequest) -> random.Random:
    """This check's generator of names: fixed by the run's seed and the check's id."""
    return seeded(harness.seed, request.node.nodeid)


def scratch_name(settings: S3Settings, names: random.Random) -> str:
    """A fresh bucket name: ``cloud.s3.bucket_prefix`` and 12 hex digits when the target
    file sets one, otherwise an ordinary-looking name (conformance.cloud.names)."""
    return bucket_name(names, settings.bucket_prefix)


@pytest.fixture
def scratch_bucket(alice_s3: S3Client, names: random.Random) -> Iterator[str]:
    """A fresh bucket of alice's, emptied and deleted after the check.

    Failing to create it is a finding (CreateBucket is part of the profile);
    failing to clean it up is not judged.
    """
    bucket = scratch_name(alice_s3.settings, names)
    alice_s3.require_success(alice_s3.create_bucket(bucket), "CreateBucket")
    yield bucket
    empty_and_delete(alice_s3, bucket)


def empty_and_delete(client: S3Client, bucket: str) -> None:
    """Delete every object of ``bucket``, then the bucket; nothing here is judged."""
    try:
        listing = client.list_all(bucket, max_keys=1000, page_limit=_CLEANUP_PAGES)
        for listed in listing.keys:
            client.delete_object(bucket, listed.key)
        client.delete_bucket(bucket)
    except (ConformanceError, Finding):
        pass  # a check's own failure says what went wrong; the run's seed names the leftovers
