"""Serving stored bytes with ETag, conditional requests and single byte ranges."""

from __future__ import annotations

import re
from typing import Final

from werkzeug.wrappers import Request, Response

from .problems import Problem

_RANGE: Final = re.compile(r"[ \t]*bytes[ \t]*=[ \t]*([0-9]*)[ \t]*-[ \t]*([0-9]*)[ \t]*")
# A bound with more digits is past any stored size; int() refuses over 4300.
_MAX_DIGITS: Final = 30


def _position(text: str) -> int:
    """A bound of a range, capped where it is past any size."""
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


def _precedes(a: str, b: str) -> bool:
    """Whether the bound ``a`` is less than ``b``, exactly, however long both are."""
    a, b = a.lstrip("0"), b.lstrip("0")
    return (len(a), a) < (len(b), b)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Resolve a ``Range`` header to an inclusive (first, last) byte pair.

    Returns None when the header should be ignored (malformed, several
    ranges, or a unit other than bytes): RFC 9110 lets a server answer the
    whole content then. Raises a 416 problem when the range cannot be
    satisfied: its first byte is at or past the end, or it asks for the
    last zero bytes.
    """
    match = _RANGE.fullmatch(header)
    if match is None:
        return None
    first_text, last_text = match.groups()
    unsatisfiable = Problem(
        416,
        "INVALID",
        f"the range {header.strip()!r} starts at or past the end of {size} bytes",
        {"Content-Range": f"bytes */{size}"},
    )
    if first_text == "":
        if last_text == "":
            return None
        suffix = _position(last_text)
        if suffix == 0 or size == 0:
            raise unsatisfiable
        return max(0, size - suffix), size - 1
    if last_text and _precedes(last_text, first_text):
        return None
    first = _position(first_text)
    if first >= size:
        raise unsatisfiable
    last = _position(last_text) if last_text else size - 1
    return first, min(last, size - 1)


def serve_bytes(request: Request, data: bytes, etag: str, content_type: str) -> Response:
    """Answer a GET or HEAD for ``data``: 200, 206 for a range, 304 if unchanged.

    ``etag`` is the bare tag; it is quoted here (a strong validator).
    """
    quoted = f'"{etag}"'
    headers = {"ETag": quoted, "Accept-Ranges": "bytes"}
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None and (
        if_none_match.strip() == "*"
        or quoted in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    ):
        return Response(status=304, headers=headers)
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    # A stale If-Range means the client's partial copy is of other bytes:
    # send everything rather than a piece of the wrong whole.
    if range_header is not None and (if_range is None or if_range.strip() == quoted):
        try:
            byte_range = parse_range(range_header, len(data))
        except Problem as problem:
            problem.headers.update(headers)
            raise
        if byte_range is not None:
            first, last = byte_range
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            return Response(
                data[first : last + 1], status=206, headers=headers, content_type=content_type
            )
    return Response(data, status=200, headers=headers, content_type=content_type)
