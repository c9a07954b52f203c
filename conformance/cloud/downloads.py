"""CLOUD-004: which resources' ``export_url`` the suite downloads, and what each must serve.

Every resource's URL must serve bytes of its ``size`` and ``sha256`` — the
representation after any content coding the response declares is undone
(a body gzip-compressed with no ``Content-Encoding`` saying so does not
match), with a ``Content-Type`` that is the resource's ``media_type`` or one
of the document's ``export_formats`` (essences compared, parameters and case
ignored).

Downloads are bounded: the suite fetches at most :data:`MAX_DOWNLOADS`
resources and :data:`MAX_BYTES` in all, taking first the resources the check
seeded itself, then at least one of each kind, then a seeded random choice
of the rest; the check says how many it left out.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from conformance import Mismatch, human_size
from conformance.cloud.inventory import Resource
from conformance.cloud.media_types import essence, same_type

MAX_DOWNLOADS: Final = 12
MAX_BYTES: Final = 32 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Download:
    """What one ``export_url`` served."""

    url: str
    status: int
    size: int
    sha256: str
    content_type: str | None
    content_encoding: str | None
    head: bytes
    """The first bytes of the body as received (to tell an undeclared coding)."""
    exchange: str


@dataclass
class Sample:
    """The resources chosen for download, and how many were left out and why."""

    chosen: list[Resource] = field(default_factory=list)
    unusable: list[Resource] = field(default_factory=list)
    left_out: int = 0


def usable(resource: Resource) -> bool:
    """Whether a resource states what a download can be checked against."""
    return resource.pair() is not None and isinstance(resource.export_url, str)


def sample(
    resources: Sequence[Resource],
    wanted: Iterable[tuple[int, str]],
    rng: random.Random,
    *,
    limit: int = MAX_DOWNLOADS,
    byte_budget: int = MAX_BYTES,
) -> Sample:
    """Choose what to download: the ``wanted`` pairs first, one of each kind, then at random."""
    out = Sample()
    candidates: list[Resource] = []
    for resource in resources:
        (candidates if usable(resource) else out.unusable).append(resource)
    pending = list(wanted)
    first: list[Resource] = []
    rest: list[Resource] = []
    for resource in candidates:
        pair = resource.pair()
        if pair in pending and resource.kind == "object":
            pending.remove(pair)
            first.append(resource)
        else:
            rest.append(resource)
    kinds_seen = {str(r.kind) for r in first}
    for resource in list(rest):
        if str(resource.kind) not in kinds_seen:
            kinds_seen.add(str(resource.kind))
            first.append(resource)
            rest.remove(resource)
    rng.shuffle(rest)
    spent = 0
    for resource in first + rest:
        size = resource.size if isinstance(resource.size, int) else 0
        if len(out.chosen) < limit and spent + size <= byte_budget:
            out.chosen.append(resource)
            spent += size
        else:
            out.left_out += 1
    return out


def unusable_mismatches(resource: Resource) -> list[Mismatch]:
    """Why a resource cannot be checked: no integer size, no sha256 or no export_url."""
    label = f"resource {resource.id!r}"
    out = []
    if resource.pair() is None:
        out.append(
            Mismatch(
                f"{resource.path}.size, .sha256",
                "an integer size and a hex SHA-256",
                {"size": resource.size, "sha256": resource.sha256},
                "what the export_url's bytes are checked against",
                label,
            )
        )
    if not isinstance(resource.export_url, str):
        out.append(Mismatch(f"{resource.path}.export_url", "a URL", resource.export_url, "", label))
    return out


def download_mismatches(
    resource: Resource, download: Download, export_formats: Sequence[str]
) -> list[Mismatch]:
    """Where what the URL served differs from what the resource and the document state."""
    label = f"resource {resource.id!r} ({download.exchange})"
    if download.status != 200:
        return [Mismatch("status", 200, download.status, f"GET {download.url}", label)]
    out: list[Mismatch] = []
    pair = resource.pair()
    assert pair is not None  # only usable resources are downloaded
    size, digest = pair
    undeclared = download.content_encoding is None and download.head.startswith(_GZIP_MAGIC)
    coding = (
        "; the body is gzip-compressed, and no Content-Encoding says so"
        if undeclared and download.sha256 != digest
        else ""
    )
    if download.size != size:
        out.append(
            Mismatch(
                f"{resource.path}.size",
                human_size(size),
                human_size(download.size),
                "the bytes the export_url served" + coding,
                label,
            )
        )
    if download.sha256 != digest:
        out.append(
            Mismatch(
                f"{resource.path}.sha256",
                digest,
                download.sha256,
                "SHA-256 of the bytes the export_url served" + coding,
                label,
            )
        )
    allowed = [resource.media_type, *export_formats]
    if not any(same_type(download.content_type, str(a)) for a in allowed if isinstance(a, str)):
        shown = essence(download.content_type) if download.content_type else None
        out.append(
            Mismatch(
                "header Content-Type",
                f"the resource's media_type ({resource.media_type}) or one of export_formats",
                shown or download.content_type or "absent",
                "",
                label,
            )
        )
    return out
