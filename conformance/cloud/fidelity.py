"""An object read back against the object written: bytes, ETag, Content-Type, metadata.

One comparison for CLOUD-101, 102, 104 and 108, so that "equal" means the
same everywhere: bytes equal exactly (the row gives sizes and SHA-256, not
the bytes); ``Content-Type`` and every ``x-amz-meta-*`` value written are
returned byte for byte, metadata names compared case-insensitively
(metadata the platform adds is not judged); an ETag is the one
:mod:`conformance.cloud.etags` says.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from conformance._harness.errors import Finding, Mismatch
from conformance._harness.probe import Response
from conformance._harness.units import human_size
from conformance.cloud import etags
from conformance.cloud.listing import ListedObject
from conformance.cloud.s3 import s3_error

META_PREFIX = "x-amz-meta-"


def metadata_of(headers: Mapping[str, str]) -> dict[str, str]:
    """The user metadata of an answer: ``x-amz-meta-*`` headers, names lowercased, prefix off."""
    return {
        name.lower()[len(META_PREFIX) :]: value
        for name, value in headers.items()
        if name.lower().startswith(META_PREFIX)
    }


def answered(response: Response) -> int | str:
    """A status as a row shows it: with the S3 error code when the body gives one."""
    error = s3_error(response) if response.status >= 300 else None
    return f"{response.status} ({error[0]})" if error and error[0] else response.status


def fingerprint(data: bytes) -> str:
    """Bytes as a row shows them: size and SHA-256."""
    return f"{human_size(len(data))}, sha256 {hashlib.sha256(data).hexdigest()[:16]}…"


def bytes_mismatch(written: bytes, received: bytes, *, path: str, subject: str) -> Mismatch | None:
    """A row if ``received`` is not exactly ``written``, saying where they first differ."""
    if written == received:
        return None
    common = min(len(written), len(received))
    at = next((i for i in range(common) if written[i] != received[i]), common)
    return Mismatch(
        path,
        fingerprint(written),
        fingerprint(received),
        f"the bytes first differ at offset {at}",
        subject,
    )


def header_mismatches(
    content_type: str | None,
    metadata: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    operation: str,
    subject: str,
) -> list[Mismatch]:
    """Rows where ``headers`` do not return the Content-Type and metadata written."""
    rows: list[Mismatch] = []
    if content_type is not None:
        got = headers.get("Content-Type")
        if got != content_type:
            rows.append(
                Mismatch(
                    f"{operation}: Content-Type",
                    content_type,
                    got,
                    "the Content-Type written, byte for byte",
                    subject,
                )
            )
    received = metadata_of(headers)
    for name, value in metadata.items():
        got = received.get(name.lower())
        if got != value:
            rows.append(
                Mismatch(
                    f"{operation}: {META_PREFIX}{name.lower()}",
                    value,
                    got,
                    "every x-amz-meta-* value written, byte for byte"
                    if got is not None
                    else "every x-amz-meta-* header written is returned",
                    subject,
                )
            )
    return rows


def etag_mismatch(
    expected: etags.ETag, received: str | None, *, path: str, subject: str
) -> Mismatch | None:
    """A row if ``received`` is not the ETag ``expected``."""
    why = etags.problem(expected, received)
    if why is None:
        return None
    return Mismatch(path, str(expected), received, why, subject)


def listing_mismatches(
    written: Mapping[str, tuple[int, etags.ETag | None]],
    listed: Sequence[ListedObject],
    *,
    subject: str = "",
    loose: bool = False,
) -> list[Mismatch]:
    """A listing against what was written: ``key -> (size, ETag or None if not compared)``.

    Every key written is listed once with its size (and its ETag where one
    is given; with ``loose``, only its hex digits are compared); no other key
    is listed.
    """
    rows: list[Mismatch] = []
    seen: dict[str, int] = {}
    for entry in listed:
        seen[entry.key] = seen.get(entry.key, 0) + 1
        if seen[entry.key] > 1:
            continue  # a repeat is one row below, not its fields again
        want = written.get(entry.key)
        if want is None:
            rows.append(
                Mismatch(f"Key {entry.key!r}", "not listed", "listed", "never written", subject)
            )
            continue
        size, etag = want
        if entry.size != size:
            rows.append(Mismatch(f"Key {entry.key!r}: Size", size, entry.size, "", subject))
        if etag is None:
            continue
        if loose and etags.digits(entry.etag) != etag.digest:
            rows.append(
                Mismatch(f"Key {entry.key!r}: ETag", str(etag), entry.etag, "hex digits", subject)
            )
        elif not loose:
            row = etag_mismatch(etag, entry.etag, path=f"Key {entry.key!r}: ETag", subject=subject)
            if row is not None:
                rows.append(row)
    rows += [
        Mismatch(f"Key {key!r}", "listed once", f"listed {count} times", "", subject)
        for key, count in seen.items()
        if count > 1
    ]
    rows += [
        Mismatch(f"Key {key!r}", "listed", "missing", "", subject) for key in _absent(written, seen)
    ]
    return rows


def _absent(written: Iterable[str], seen: Mapping[str, int]) -> list[str]:
    return [key for key in written if key not in seen]


def fail_on(
    rows: Sequence[Mismatch], what: str, *, operation: str = "", evidence: Iterable[str] = ()
) -> None:
    """Raise a ``Finding`` listing ``rows``, if there are any."""
    if rows:
        raise Finding(
            f"{what}: {len(rows)} difference(s)",
            operation=operation,
            mismatches=list(rows),
            evidence=list(dict.fromkeys(evidence)),
        )
