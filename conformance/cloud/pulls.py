"""CLOUD-202…204: what a pulled manifest, a blob and an error answer must be.

- A manifest answer (by tag or by digest) states its digest in
  ``Docker-Content-Digest`` and its bytes hash to it; pulled by digest, that
  is the digest asked for. The header is required: CLOUD-202 names it.
- A blob's bytes hash to the digest its descriptor gives and have its size.
- An unknown manifest or blob answers 404 with the OCI error body
  ``{"errors": [{"code", "message", "detail"?}]}``: ``code`` upper-case
  letters and underscores (distribution spec, "Error Codes") and
  ``message`` a string, as the draft lists them (the distribution spec
  makes ``message`` optional; the draft does not).

Manifests may be OCI or Docker schema 2 image manifests or indexes; their
descriptors are read the same way (``config``, ``layers``, ``manifests``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from conformance import Mismatch, Response, human_size
from conformance._harness import bounded_json
from conformance._harness.bounded_json import MAX_JSON_BYTES
from conformance.cloud.digests import matches, parse

DIGEST_HEADER = "Docker-Content-Digest"
_CODE = re.compile(r"^[A-Z_]+$")


class Unverifiable(Exception):
    """A digest of an algorithm the suite cannot compute (not a fault of the registry)."""


@dataclass(frozen=True)
class Descriptor:
    """A descriptor a manifest holds: what it points to, by digest and size."""

    path: str
    media_type: Any
    digest: Any
    size: Any


@dataclass(frozen=True)
class ManifestContent:
    """A manifest's descriptors: blobs (config, layers) and, for an index, child manifests."""

    blobs: list[Descriptor]
    manifests: list[Descriptor]


def manifest_mismatches(
    response: Response, label: str, expected: str | None = None, whose: str = ""
) -> list[Mismatch]:
    """The answer's ``Docker-Content-Digest`` against its bytes, and both against ``expected``
    (the digest asked for, or the one pushed under the tag: ``whose`` says which)."""
    if response.status != 200:
        return [Mismatch("status", 200, response.status, f"GET {response.url}", label)]
    out: list[Mismatch] = []
    stated = response.headers.get(DIGEST_HEADER)
    digest = parse(stated)
    if digest is None:
        out.append(
            Mismatch(
                f"header {DIGEST_HEADER}",
                "the manifest's digest (algorithm:hex)",
                stated if stated is not None else "absent",
                "CLOUD-202 holds the stated digest to the bytes",
                label,
            )
        )
    else:
        verdict = matches(digest, response.content)
        if verdict is None:
            raise Unverifiable(f"{DIGEST_HEADER}: {stated} (the suite computes sha256 and sha512)")
        if not verdict:
            out.append(
                Mismatch(
                    f"header {DIGEST_HEADER}",
                    f"the digest of the {human_size(len(response.content))} served",
                    stated,
                    "the manifest's bytes hash otherwise",
                    label,
                )
            )
    if expected is not None:
        wanted = parse(expected)
        if wanted is not None and matches(wanted, response.content) is False:
            out.append(
                Mismatch(
                    "body",
                    f"bytes hashing to {expected}, {whose}",
                    f"{human_size(len(response.content))} hashing otherwise",
                    "",
                    label,
                )
            )
        if digest is not None and str(digest) != expected:
            out.append(
                Mismatch(f"header {DIGEST_HEADER}", f"{expected}, {whose}", stated, "", label)
            )
    return out


def manifest_content(body: bytes, max_bytes: int | None = MAX_JSON_BYTES) -> ManifestContent | None:
    """The descriptors of a manifest or index; None when it is not a JSON object.

    One over ``max_bytes`` (``limits.max_json_bytes``) is not parsed: ``JsonTooLarge``,
    a limit of the suite, not a finding.
    """
    try:
        doc = bounded_json.loads(body, max_bytes)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    blobs: list[Descriptor] = []
    if isinstance(doc.get("config"), dict):
        blobs.append(_descriptor("$.config", doc["config"]))
    for name in ("layers", "blobs"):
        entries = doc.get(name)
        if isinstance(entries, list):
            blobs += [_descriptor(f"$.{name}[{i}]", e) for i, e in enumerate(entries)]
    children = doc.get("manifests")
    manifests = (
        [_descriptor(f"$.manifests[{i}]", e) for i, e in enumerate(children)]
        if isinstance(children, list)
        else []
    )
    return ManifestContent(blobs, manifests)


def blob_mismatches(descriptor: Descriptor, response: Response, label: str) -> list[Mismatch]:
    """A downloaded blob against its descriptor's digest and size."""
    if response.status != 200:
        return [Mismatch("status", 200, response.status, f"GET {response.url}", label)]
    out: list[Mismatch] = []
    digest = parse(descriptor.digest)
    if digest is None:
        return [
            Mismatch(f"{descriptor.path}.digest", "algorithm:hex", descriptor.digest, "", label)
        ]
    verdict = matches(digest, response.content)
    if verdict is None:
        raise Unverifiable(f"{descriptor.path}.digest: {descriptor.digest}")
    size = len(response.content)
    if size != descriptor.size:
        out.append(
            Mismatch(
                f"{descriptor.path}.size",
                human_size(descriptor.size)
                if isinstance(descriptor.size, int)
                else descriptor.size,
                human_size(size),
                "the bytes the blob downloads as",
                label,
            )
        )
    if not verdict:
        out.append(
            Mismatch(
                f"{descriptor.path}.digest",
                str(digest),
                "a digest of other bytes",
                f"the {human_size(size)} downloaded hash otherwise",
                label,
            )
        )
    return out


def error_body_mismatches(response: Response, label: str) -> list[Mismatch]:
    """A 404 with the OCI error body, or the rows that say how it is not."""
    if response.status != 404:
        return [Mismatch("status", 404, response.status, f"GET {response.url}", label)]
    try:
        body = bounded_json.loads(response.content, response.json_limit)
    except (UnicodeDecodeError, ValueError):
        return [
            Mismatch(
                "body",
                '{"errors": [{"code", "message"}]}',
                f"{response.headers.get('Content-Type', 'no Content-Type')}, not JSON",
                "the OCI distribution spec's error body",
                label,
            )
        ]
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return [
            Mismatch(
                "$.errors",
                "a non-empty list of errors",
                _excerpt(body),
                "the OCI distribution spec's error body",
                label,
            )
        ]
    out: list[Mismatch] = []
    for i, error in enumerate(errors):
        code = error.get("code") if isinstance(error, dict) else None
        if not isinstance(code, str) or not _CODE.match(code):
            out.append(
                Mismatch(
                    f"$.errors[{i}].code",
                    "an error code: upper-case letters and underscores (MANIFEST_UNKNOWN)",
                    code if isinstance(error, dict) else error,
                    "",
                    label,
                )
            )
        if isinstance(error, dict) and not isinstance(error.get("message"), str):
            out.append(
                Mismatch(
                    f"$.errors[{i}].message",
                    "a string",
                    error.get("message", "absent"),
                    "the draft lists code and message",
                    label,
                )
            )
    return out


def _descriptor(path: str, value: Any) -> Descriptor:
    d = value if isinstance(value, dict) else {}
    return Descriptor(path, d.get("mediaType"), d.get("digest"), d.get("size"))


def _excerpt(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."
