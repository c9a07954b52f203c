"""The registry's HTTP vocabulary: names, tags, digests, error bodies and byte answers.

Grammar from the OCI distribution spec (repository names of lower-case path
components, tags of up to 128 characters, ``<algorithm>:<encoded>``
digests), the error body every registry answer uses (``{"errors": [{"code",
"message", "detail"}]}``, never a problem body), and answers that carry
stored bytes streamed, so nothing between the registry and the socket (the
application's JSON shaping included) re-encodes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from werkzeug.wrappers import Request, Response

from .cloud_oci_store import ALGORITHMS
from .routing import json_response

MAX_MANIFEST_BYTES: Final = 4 * 1024 * 1024
MAX_BLOB_BYTES: Final = 1024 * 1024 * 1024
_COMPONENT: Final = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
NAME: Final = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
TAG: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
DIGEST: Final = re.compile(r"(?P<alg>[a-z0-9]+(?:[+._-][a-z0-9]+)*):(?P<hex>[a-zA-Z0-9=_-]+)")
API_VERSION: Final = {"Docker-Distribution-API-Version": "registry/2.0"}


class OciError(Exception):
    """A registry error answer: status, an OCI error code, a message and a detail."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers = dict(headers or {})

    def response(self) -> Response:
        """The distribution spec's error body."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            error["detail"] = self.detail
        return json_response({"errors": [error]}, self.status, {**API_VERSION, **self.headers})


def supported_digest(text: str) -> str | None:
    """``text`` if it is a digest of an algorithm the registry verifies, else None."""
    match = DIGEST.fullmatch(text)
    if match is None or match["alg"] not in ALGORITHMS:
        return None
    if not re.fullmatch(rf"[a-f0-9]{{{ALGORITHMS[match['alg']]}}}", match["hex"]):
        return None
    return text


def request_body(request: Request, limit: int) -> Iterator[bytes]:
    """The request body in chunks; a body over ``limit`` bytes ends in ``SIZE_INVALID``."""
    stream = request.stream
    received = 0
    while chunk := stream.read(65536):
        received += len(chunk)
        if received > limit:
            raise OciError(413, "SIZE_INVALID", f"the body exceeds {limit} bytes")
        yield chunk


def stored_bytes(head: bool, size: int, media_type: str, chunks: Iterator[bytes]) -> Response:
    """Bytes as stored, with their length: streamed, so no later layer re-encodes them."""
    response = Response(
        () if head else chunks, status=200, content_type=media_type, direct_passthrough=True
    )
    response.headers["Content-Length"] = str(size)
    return response


def content_response(
    head: bool, size: int, media_type: str, digest: str, chunks: Iterator[bytes]
) -> Response:
    """A manifest or blob: its bytes, length and ``Docker-Content-Digest``."""
    response = stored_bytes(head, size, media_type, chunks)
    response.headers["Docker-Content-Digest"] = digest
    response.headers["ETag"] = f'"{digest}"'
    response.headers.update(API_VERSION)
    return response


def file_chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes in blocks, opened only when the first block is wanted."""
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 16), b"")
