"""CLOUD-004: every ``export_url`` serves the bytes its resource states, in a stated format."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlsplit

import pytest

from conformance import (
    ALICE,
    Finding,
    Harness,
    Mismatch,
    Probe,
    human_size,
    not_applicable,
    origin_of,
)
from conformance.cloud.downloads import (
    MAX_BYTES,
    MAX_DOWNLOADS,
    Download,
    download_mismatches,
    sample,
    unusable_mismatches,
)
from conformance.cloud.s3 import S3Client
from conformance.cloud.signing import sigv4

from .switching_api import (
    SeededObject,
    claims_profile,
    inventory_path,
    read_inventory_as,
    seed_objects,
    switching_document,
)

_HEAD = 16
_Signer = Callable[[str, str, Mapping[str, str], bytes | None], Mapping[str, str]]


@pytest.mark.requirement("CLOUD-004")
def test_every_export_url_serves_its_resources_bytes(
    probe: Probe, harness: Harness, request: pytest.FixtureRequest
) -> None:
    """Size, SHA-256 and Content-Type of what each (sampled) export_url serves."""
    document = switching_document(probe, harness)
    formats = document.body.get("export_formats")
    export_formats = [f for f in formats if isinstance(f, str)] if isinstance(formats, list) else []
    seeded: list[SeededObject] = []
    s3: S3Client | None = None
    if claims_profile(harness, "s3"):
        s3 = request.getfixturevalue("alice_s3")
        bucket: str = request.getfixturevalue("scratch_bucket")
        seeded = seed_objects(s3, bucket, random.Random(harness.seed + 4))
    inventory = read_inventory_as(probe, harness)
    if not inventory.resources:
        not_applicable("alice's inventory lists no resource, so no export_url can be fetched")
    chosen = sample(inventory.resources, [o.pair for o in seeded], random.Random(harness.seed))
    mismatches = [m for r in chosen.unusable for m in unusable_mismatches(r)]
    base = probe.url(inventory_path(harness))
    downloads = [
        _fetch(probe, harness, s3, probe.url(str(r.export_url), base=base)) for r in chosen.chosen
    ]
    for resource, download in zip(chosen.chosen, downloads, strict=True):
        mismatches += download_mismatches(resource, download, export_formats)
    evidence = [*inventory.exchanges, *(d.exchange for d in downloads)]
    if mismatches:
        raise Finding(
            "export URLs do not serve what the inventory states",
            operation="listInventory",
            mismatches=mismatches,
            evidence=evidence,
        )
    if not downloads:
        raise Finding(
            "no resource of the inventory can be downloaded",
            mismatches=[Mismatch("$.resources", "resources with an export_url", "none")],
            evidence=evidence,
        )
    kinds = sorted({str(r.kind) for r in chosen.chosen})
    total = sum(d.size for d in downloads)
    left = (
        f"; {chosen.left_out} more left out (the suite downloads at most {MAX_DOWNLOADS}, "
        f"{human_size(MAX_BYTES)} in all)"
        if chosen.left_out
        else ""
    )
    harness.verified(
        f"{len(downloads)} of {len(inventory.resources)} resource(s) downloaded "
        f"({', '.join(kinds)}; {human_size(total)}, {len(seeded)} seeded by the suite): each "
        f"export_url serves the stated size and SHA-256 with the resource's media_type or an "
        f"export format{left}",
        evidence=evidence,
    )


def _fetch(probe: Probe, harness: Harness, s3: S3Client | None, url: str) -> Download:
    """GET an export URL as its origin expects: the API's with alice's token, S3's signed as
    alice unless presigned, another origin without credentials, then with them (the probe
    refuses an origin the target file does not allow: add it to ``allowed_origins``)."""
    origin = origin_of(url)
    if s3 is not None and origin == origin_of(s3.settings.endpoint) and not _presigned(url):
        signer = sigv4(s3.settings.key("alice"), s3.settings.region)
        return _stream(probe, url, signer=signer)
    if origin == harness.target.origin:
        return _stream(probe, url, authenticated=True)
    anonymous = _stream(probe, url)
    if anonymous.status in (401, 403):
        return _stream(probe, url, authenticated=True)
    return anonymous


def _stream(
    probe: Probe, url: str, *, authenticated: bool = False, signer: _Signer | None = None
) -> Download:
    """Stream the body once, keeping its size, SHA-256 and first bytes (as decoded)."""
    hasher = hashlib.sha256()
    size = 0
    head = b""
    with probe.stream(
        url,
        role=ALICE if authenticated else None,
        signer=signer,
        headers={"Accept": "*/*", "Accept-Encoding": "identity"},
    ) as stream:
        for chunk in stream.chunks:
            if len(head) < _HEAD:
                head = (head + chunk)[:_HEAD]
            hasher.update(chunk)
            size += len(chunk)
        return Download(
            url,
            stream.status,
            size,
            hasher.hexdigest(),
            stream.headers.get("Content-Type"),
            stream.headers.get("Content-Encoding"),
            head,
            stream.exchange,
        )


def _presigned(url: str) -> bool:
    query = {k.lower() for k in parse_qs(urlsplit(url).query)}
    return bool(query & {"x-amz-signature", "signature"})
