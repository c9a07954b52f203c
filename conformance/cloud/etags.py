"""S3 ETags: what an object's ETag must be, and whether a received one is it (CLOUD-104).

A single-part object's ETag is the hex MD5 of its bytes in double quotes;
an object completed from ``n`` parts has ``"<hex MD5 of the concatenated
binary MD5s of its parts>-<n>"``. Quotes are part of the value: in a header
they are literal, in a listing's XML they may be written ``&quot;`` or
``"``, which the XML parser has made the same character before this module
sees them. S3 writes hex digits in lower case; upper case says the same
digest and is accepted (the draft does not make the case a requirement).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

_ETAG = re.compile(r'"(?P<hex>[0-9a-fA-F]{32})(?:-(?P<parts>[1-9][0-9]{0,4}))?"')


@dataclass(frozen=True)
class ETag:
    """A well-formed S3 ETag: its digest (lower case) and, for multipart, the part count."""

    digest: str
    parts: int | None = None

    def __str__(self) -> str:
        suffix = f"-{self.parts}" if self.parts is not None else ""
        return f'"{self.digest}{suffix}"'


def single_part(data: bytes) -> ETag:
    """The ETag of an object written in one request (PutObject, CopyObject of one)."""
    return ETag(hashlib.md5(data).hexdigest())


def multipart(parts: Iterable[bytes]) -> ETag:
    """The ETag of an object completed from ``parts``, in part-number order."""
    digests = [hashlib.md5(part).digest() for part in parts]
    return ETag(hashlib.md5(b"".join(digests)).hexdigest(), len(digests))


def parse(value: str | None) -> ETag | None:
    """The ETag ``value`` writes, or None when it is not a quoted S3 ETag.

    Whitespace around the value is not part of it (a header's or an XML
    leaf's); anything else, missing quotes included, is.
    """
    if value is None:
        return None
    match = _ETAG.fullmatch(value.strip())
    if match is None:
        return None
    parts = match.group("parts")
    return ETag(match.group("hex").lower(), int(parts) if parts else None)


def digits(value: str | None) -> str | None:
    """The hex digits of an MD5 ETag, quoted or not (lower case); None for anything else.

    CLOUD-108 compares single-part ETags by these digits alone: how a platform
    quotes is CLOUD-104's to judge, not the migration's.
    """
    if value is None:
        return None
    text = value.strip()
    parsed = parse(text) or parse(f'"{text}"')
    return parsed.digest if parsed is not None and parsed.parts is None else None


def problem(expected: ETag, received: str | None) -> str | None:
    """Why ``received`` is not ``expected``, or None when it is the same ETag."""
    if received is None:
        return "no ETag was sent"
    parsed = parse(received)
    if parsed is None:
        bare = parse(f'"{received.strip()}"')
        if bare is not None:
            return "the ETag is not in double quotes"
        return "not an S3 ETag (a quoted hex MD5, with -<parts> for a multipart object)"
    if parsed.parts != expected.parts:
        if expected.parts is None:
            return "a multipart form for an object written in one request"
        if parsed.parts is None:
            return f"no -{expected.parts} part count for an object completed from parts"
        return f"completed from {expected.parts} part(s), not {parsed.parts}"
    if parsed.digest != expected.digest:
        return (
            "not the MD5 of the object's bytes"
            if expected.parts is None
            else "not the MD5 of the concatenated MD5s of the parts"
        )
    return None


def same(first: str | None, second: str | None) -> bool:
    """Whether two received ETags say the same thing (hex case and surrounding space aside)."""
    a, b = parse(first), parse(second)
    if a is None or b is None:
        return first is not None and first == second
    return a == b
