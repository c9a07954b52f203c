"""CLOUD-202 and 203: a pushed image pulls back with its digests, and every blob with its bytes."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from conformance import ConformanceError, Finding, Harness, Mismatch, human_size
from conformance.cloud.names import image_tag, seeded
from conformance.cloud.oci import OciClient, SeededImage
from conformance.cloud.pulls import (
    Unverifiable,
    blob_mismatches,
    manifest_content,
    manifest_mismatches,
)
from conformance.cloud.surfaces import oci_of

MAX_CHILDREN = 4
"""Manifests of an index the suite follows at most."""


def seeded_image(oci_client: OciClient, harness: Harness) -> SeededImage:
    """The suite's image, pushed once per run into ``cloud.oci.repository`` (or the
    repository ``oci_of`` names), under a tag like a CI pipeline's (``sha-4e1d2b7``).

    Pushing is not part of the Pull category: a refusal is the suite unable to
    prepare, not a finding of the requirement at hand.
    """

    def push() -> SeededImage:
        tag = image_tag(seeded(harness.seed, "oci", "tag"))
        try:
            image = oci_client.seed_image(tag, random.Random(harness.seed))
        except Finding as exc:
            raise ConformanceError(
                f"the suite could not push its test image into {oci_client.repository} "
                f"({exc.message}); give the configured login push rights on "
                "cloud.oci.repository"
            ) from None
        pushed: list[SeededImage] = harness.memo("cloud.oci.pushed", list)
        pushed.append(image)
        return image

    return harness.memo("cloud.oci.image", push)


@pytest.fixture(scope="session", autouse=True)
def _delete_the_suites_image(harness: Harness) -> Iterator[None]:
    """At the end of the run, delete what the suite pushed (a refusal is not judged)."""
    yield
    pushed: list[SeededImage] = harness.memo("cloud.oci.pushed", list)
    if not pushed or harness.target.oci is None:
        return
    client = OciClient(
        harness.probe("cloud: deleting the suite's image", ""),
        oci_of(harness.target, harness.seed),
    )
    for image in pushed:
        try:
            client.cleanup(image)
        except (ConformanceError, Finding):
            pass


@pytest.mark.requirement("CLOUD-202")
def test_manifest_pulled_by_tag_and_digest_has_the_digest_it_states(
    oci_client: OciClient, harness: Harness
) -> None:
    """By tag and by digest: ``Docker-Content-Digest`` is the bytes' digest (and the one asked)."""
    image = seeded_image(oci_client, harness)
    by_tag = oci_client.get_manifest(image.tag)
    by_digest = oci_client.get_manifest(image.manifest_digest)
    try:
        mismatches = manifest_mismatches(
            by_tag,
            f"by tag {image.tag} ({by_tag.exchange})",
            image.manifest_digest,
            "the digest of the manifest the suite pushed under the tag",
        )
        mismatches += manifest_mismatches(
            by_digest,
            f"by digest ({by_digest.exchange})",
            image.manifest_digest,
            "the digest asked for",
        )
    except Unverifiable as exc:
        raise ConformanceError(f"the suite cannot verify the manifest's digest: {exc}") from None
    evidence = [by_tag.exchange, by_digest.exchange]
    if mismatches:
        raise Finding(
            "a pulled manifest does not have the digest it states",
            operation=f"GET /v2/{oci_client.repository}/manifests/<reference>",
            mismatches=mismatches,
            evidence=evidence,
        )
    harness.verified(
        f"the suite's image ({image.media_type}, {human_size(len(image.manifest))} manifest) "
        "pulled by tag and by digest: Docker-Content-Digest equals the bytes' digest and the "
        "digest pushed, both times",
        evidence=evidence,
    )


@pytest.mark.requirement("CLOUD-203")
def test_every_blob_a_manifest_references_downloads_with_its_digest_and_size(
    oci_client: OciClient, harness: Harness
) -> None:
    """Config and layers of the pulled manifest (and of an index's manifests) download intact."""
    image = seeded_image(oci_client, harness)
    pulled = oci_client.get_manifest(image.manifest_digest)
    evidence = [pulled.exchange]
    if pulled.status != 200:
        raise Finding(
            "the suite's image cannot be pulled by digest",
            mismatches=[Mismatch("status", 200, pulled.status, f"GET {pulled.url}")],
            evidence=evidence,
        )
    content = manifest_content(pulled.content, pulled.json_limit)
    if content is None:
        raise Finding(
            "the pulled manifest is not a JSON object",
            mismatches=[Mismatch("body", "an image manifest or index", pulled.content[:80])],
            evidence=evidence,
        )
    blobs = list(content.blobs)
    for child in content.manifests[:MAX_CHILDREN]:
        answer = oci_client.get_manifest(str(child.digest))
        evidence.append(answer.exchange)
        nested = (
            manifest_content(answer.content, answer.json_limit) if answer.status == 200 else None
        )
        blobs += nested.blobs if nested is not None else []
    mismatches: list[Mismatch] = []
    total = 0
    try:
        for descriptor in blobs:
            response = oci_client.get_blob(str(descriptor.digest))
            evidence.append(response.exchange)
            if 300 <= response.status < 400:
                raise ConformanceError(
                    f"blob {descriptor.digest} redirects to {response.headers.get('Location')}, "
                    "an origin the target file does not allow: add it to allowed_origins"
                )
            total += len(response.content)
            mismatches += blob_mismatches(
                descriptor, response, f"blob {descriptor.digest} ({response.exchange})"
            )
    except Unverifiable as exc:
        raise ConformanceError(f"the suite cannot verify a blob's digest: {exc}") from None
    if not blobs:
        mismatches.append(
            Mismatch("$.config, $.layers", "the blobs the suite pushed", "no descriptor")
        )
    if mismatches:
        raise Finding(
            "blobs do not download as their manifest describes them",
            operation=f"GET /v2/{oci_client.repository}/blobs/<digest>",
            mismatches=mismatches,
            evidence=evidence,
        )
    harness.verified(
        f"{len(blobs)} blob(s) of the suite's image ({human_size(total)}): each downloads with "
        "its descriptor's digest and size",
        evidence=evidence,
    )
