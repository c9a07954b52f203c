"""PORT-011 and PORT-012: media bytes download intact; parts answer byte ranges."""

from __future__ import annotations

import hashlib

import pytest

from conformance import ALICE, Finding, Mismatch, human_size, not_applicable
from conformance.port.client import PortClient, resolve_media_url

from .conftest import Baseline


@pytest.mark.requirement("PORT-011")
def test_every_media_record_downloads_with_its_size_and_hash(
    port: PortClient, baseline: Baseline
) -> None:
    """Each exported Media record's url serves bytes of its size and SHA-256."""
    archive = baseline.export.archive
    assert archive is not None
    media = [r for r in archive.records if r.get("type") == "Media"]
    if not media:
        not_applicable("the baseline archive holds no Media record")
    mismatches = []
    for record in media:
        url = resolve_media_url(port.probe, str(record.get("url", "")))
        response = port.probe.get(url, role=ALICE, validate=False)
        label = f"Media {record.get('id')} ({response.exchange})"
        if response.status != 200:
            mismatches.append(Mismatch("status", 200, response.status, f"GET {url}", label))
            continue
        declared = record.get("size")
        if len(response.content) != declared:
            mismatches.append(
                Mismatch(
                    "size",
                    human_size(declared) if isinstance(declared, int) else declared,
                    human_size(len(response.content)),
                    "the bytes downloaded, against the record's size",
                    label,
                )
            )
        digest = hashlib.sha256(response.content).hexdigest()
        if digest != str(record.get("sha256")).lower():
            mismatches.append(
                Mismatch(
                    "sha256",
                    record.get("sha256"),
                    digest,
                    "SHA-256 of the bytes downloaded",
                    label,
                )
            )
    if mismatches:
        raise Finding("media bytes do not match their records", mismatches=mismatches)


@pytest.mark.requirement("PORT-012")
def test_parts_answer_byte_ranges(port: PortClient, baseline: Baseline) -> None:
    """First, middle and suffix ranges give 206 and the exact bytes; past the end gives 416."""
    urls, _ = port.fresh_part_urls(ALICE, baseline.export)
    if not urls:
        raise Finding(
            "the baseline export cannot be read by range",
            mismatches=[Mismatch("$.parts", "at least one part", "none")],
        )
    url = urls[0]
    whole = port.probe.get(url, role=ALICE, validate=False)
    if whole.status != 200:
        raise Finding(
            "the baseline export's first part cannot be downloaded",
            mismatches=[Mismatch("status", 200, whole.status, f"GET {url}")],
            evidence=[whole.exchange],
        )
    size = len(whole.content)
    if size == 0:
        not_applicable("the first part is empty, so no byte range can be asked")
    mismatches = []
    for spec, first, last in _ranges(size):
        response = port.probe.get(
            url, role=ALICE, headers={"Range": f"bytes={spec}"}, validate=False
        )
        label = f"Range bytes={spec} ({response.exchange})"
        expected = whole.content[first : last + 1]
        content_range = f"bytes {first}-{last}/{size}"
        if response.status != 206:
            mismatches.append(Mismatch(label, 206, response.status))
        elif response.headers.get("Content-Range") != content_range:
            mismatches.append(
                Mismatch(
                    f"{label} Content-Range", content_range, response.headers.get("Content-Range")
                )
            )
        elif response.content != expected:
            mismatches.append(
                Mismatch(
                    f"{label} body",
                    f"{human_size(len(expected))} from byte {first}",
                    f"{human_size(len(response.content))}, other than those",
                )
            )
    beyond = port.probe.get(url, role=ALICE, headers={"Range": f"bytes={size}-"}, validate=False)
    if beyond.status != 416 or beyond.headers.get("Content-Range") != f"bytes */{size}":
        mismatches.append(
            Mismatch(
                f"Range bytes={size}- ({beyond.exchange})",
                f"416 with bytes */{size}",
                f"{beyond.status} with {beyond.headers.get('Content-Range')!r}",
            )
        )
    if mismatches:
        raise Finding("byte ranges are not served as PORT-012 requires", mismatches=mismatches)


def _ranges(size: int) -> list[tuple[str, int, int]]:
    middle = size // 2
    tail = min(7, size)
    return [
        (f"0-{min(9, size - 1)}", 0, min(9, size - 1)),
        (f"{middle}-{min(middle + 99, size - 1)}", middle, min(middle + 99, size - 1)),
        (f"-{tail}", size - tail, size - 1),
    ]
