"""Witnesses: real migration tools move data between the reference and the peers.

rclone (Debian's) syncs a bucket from the reference's S3 surface to moto and
back; skopeo (Debian's) copies an image from the reference's registry to a
distribution registry and on to a second one. What arrives is verified by
code that is neither the tool's nor the suite's: botocore's S3 client, and
plain HTTP to the registries. Everything stays on loopback.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from peer_support import in_ci, s3_client, started
from witness_oci import Registry, build_image, docker_reference, skopeo_copy
from witness_s3 import MIB, Remote, Seed, assert_carried, rclone_sync

from conformance._harness.cloud_target import S3Settings
from conformance.peers import DistributionRegistry, MotoServer
from conformance.reference.choices import choice_set
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target


def _need(program: str) -> None:
    """Skip without ``program`` outside CI; in CI (which installs it) fail."""
    if shutil.which(program) is None:
        message = f"{program} is not installed (apt-get install {program})"
        if in_ci():
            pytest.fail(f"{message}; .ci/run installs it")
        pytest.skip(message)


@pytest.fixture
def reference_platform(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[ReferencePlatform]:
    """A fresh reference platform (its S3 listener and /v2/ registry included), under the
    choice set the test is parametrized with (``default`` when it is not)."""
    choices = choice_set(getattr(request, "param", "default"))
    with ReferencePlatform(data_dir=tmp_path / "reference", choices=choices) as platform:
        yield platform


def _seeds() -> list[Seed]:
    random = os.urandom
    return [
        Seed("plain.txt", b"hello, switching\n", "text/plain; charset=utf-8", {"colour": "blue"}),
        Seed("empty", b""),
        Seed("dir/sub/a b+c%d.bin", random(70_000), "application/octet-stream", {"k": "v w"}),
        Seed("dir/日本語 ключ.json", b'{"a": 1}', "application/json", {"origin": "reference"}),
        Seed("large.bin", random(6 * MIB), "application/x-probe", {"parts": "two"}),
    ]


def fill(client: Any, bucket: str, seeds: list[Seed]) -> None:
    """Create ``bucket`` with botocore's ``client`` and put every seed into it."""
    client.create_bucket(Bucket=bucket)
    for seed in seeds:
        extra = {"ContentType": seed.content_type} if seed.content_type else {}
        client.put_object(
            Bucket=bucket,
            Key=seed.key,
            Body=seed.body,
            Metadata=dict(seed.metadata or {}),
            **extra,
        )


# `alt` serves virtual-hosted addressing only, which rclone cannot reach on an IP address
# (it would resolve <bucket>.127.0.0.1); `strict` pages one key at a time.
@pytest.mark.parametrize("reference_platform", ["default", "strict"], indirect=True)
def test_rclone_syncs_a_bucket_from_the_reference_to_moto_and_back(
    reference_platform: ReferencePlatform, moto: MotoServer, tmp_path: Path
) -> None:
    _need("rclone")
    reference = reference_target(reference_platform).s3
    assert reference is not None, "the reference target has no cloud.s3 section"
    assert reference.addressing == "path"
    on_reference = s3_client(reference, "alice")
    on_moto = s3_client(moto.s3_settings(), "alice")
    seeds = _seeds()
    fill(on_reference, "witness-source", seeds)
    on_moto.create_bucket(Bucket="witness-moto")
    on_reference.create_bucket(Bucket="witness-back")
    remotes = {
        "reference": Remote(reference, "alice"),
        "moto": Remote(moto.s3_settings(), "alice"),
    }

    rclone_sync(remotes, "reference:witness-source", "moto:witness-moto", tmp_path)
    assert_carried(on_moto, "witness-moto", seeds)
    rclone_sync(remotes, "moto:witness-moto", "reference:witness-back", tmp_path)
    assert_carried(on_reference, "witness-back", seeds)


def test_rclone_moves_a_bucket_between_two_moto_accounts(moto: MotoServer, tmp_path: Path) -> None:
    # The same tool and comparison on the peer alone: a failure of the test above
    # that this one shares points at the reference, not at rclone or the comparison.
    _need("rclone")
    settings: S3Settings = moto.s3_settings()
    alice, bob = s3_client(settings, "alice"), s3_client(settings, "bob")
    seeds = _seeds()
    fill(alice, "witness-alice", seeds)
    bob.create_bucket(Bucket="witness-bob")
    remotes = {"alice": Remote(settings, "alice"), "bob": Remote(settings, "bob")}
    rclone_sync(remotes, "alice:witness-alice", "bob:witness-bob", tmp_path)
    assert_carried(bob, "witness-bob", seeds)


# The registry's login under each set: none (`open`), Bearer tokens (`alt`), Basic (`strict`).
@pytest.mark.parametrize("reference_platform", ["default", "alt", "strict"], indirect=True)
def test_skopeo_copies_an_image_from_the_reference_through_two_registries(
    reference_platform: ReferencePlatform, registry: DistributionRegistry, tmp_path: Path
) -> None:
    _need("skopeo")
    oci = reference_target(reference_platform).oci
    assert oci is not None, "the reference target has no cloud.oci section"
    password = oci.password.reveal() if oci.password is not None else None
    source = Registry(oci.endpoint, oci.username, password)
    image = build_image(b"witness")
    source.push("witness/source", "witness", image)
    creds = f"{oci.username}:{password}" if oci.username and password else None

    skopeo_copy(
        docker_reference(oci.endpoint, "witness/source", "witness"),
        docker_reference(registry.endpoint, "witness/from-reference", "v1"),
        tmp_path / "first",
        source_creds=creds,
    )
    Registry(registry.endpoint).assert_holds("witness/from-reference", "v1", image)

    with started(DistributionRegistry(tmp_path / "second")) as second:
        skopeo_copy(
            docker_reference(registry.endpoint, "witness/from-reference", "v1"),
            docker_reference(second.endpoint, "witness/onwards", "v1"),
            tmp_path / "second-copy",
        )
        Registry(second.endpoint).assert_holds("witness/onwards", "v1", image)


def test_skopeo_copies_between_two_registries(
    registry: DistributionRegistry, tmp_path: Path
) -> None:
    # The tool and the comparison on peers alone (see the rclone pair above).
    _need("skopeo")
    image = build_image(b"peers only")
    Registry(registry.endpoint).push("witness/peers", "v1", image)
    with started(DistributionRegistry(tmp_path / "other")) as other:
        skopeo_copy(
            docker_reference(registry.endpoint, "witness/peers", "v1"),
            docker_reference(other.endpoint, "witness/peers-copy", "v2"),
            tmp_path / "copy",
        )
        Registry(other.endpoint).assert_holds("witness/peers-copy", "v2", image)
