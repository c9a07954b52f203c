"""The payload of an S3 write, as real clients send it, checked as S3 checks it.

Three framings arrive: the bytes as they are (``x-amz-content-sha256`` their
hex SHA-256, checked, or ``UNSIGNED-PAYLOAD``); ``aws-chunked`` with a
signature per chunk (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]``,
each chunk's signature chained from the request's, as the AWS SDKs send
large uploads); and ``aws-chunked`` without signatures but with a checksum
trailer (``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, botocore's and the newer
SDKs' default for uploads). Whatever the framing, ``Content-MD5`` and the
``x-amz-checksum-*`` values (header or trailer) are checked against the
decoded bytes; those of algorithms the platform cannot compute (CRC32C,
CRC64NVME) are accepted unchecked.

:func:`payload` yields the decoded bytes block by block and raises an
:class:`S3Error` where the body turns out wrong — possibly after the last
block, so a caller keeps nothing until the iteration has ended.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Final

from botocore.httpchecksum import BaseChecksum, Crc32Checksum, Sha1Checksum, Sha256Checksum
from werkzeug.wrappers import Request

from .cloud_s3_auth import UNSIGNED, Signed
from .cloud_s3_xml import S3Error

STREAMING_SIGNED: Final = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER: Final = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER: Final = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_EMPTY_SHA256: Final = hashlib.sha256(b"").hexdigest()
_BLOCK: Final = 1 << 16
_LINE: Final = 8192
_MAX_CHUNK: Final = 5 << 30
_CHUNK_HEAD: Final = re.compile(rb"([0-9A-Fa-f]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?")
_CHECKSUMS: Final[Mapping[str, Callable[[], BaseChecksum]]] = {
    "crc32": Crc32Checksum,
    "sha1": Sha1Checksum,
    "sha256": Sha256Checksum,
}


def _incomplete(detail: str) -> S3Error:
    return S3Error(400, "IncompleteBody", f"The request body is not well framed: {detail}.")


class _Reader:
    """Lines and exact byte counts from a request stream."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._buffer = bytearray()

    def _more(self) -> bool:
        block = self._stream.read(_BLOCK)
        self._buffer += block
        return bool(block)

    def line(self) -> bytes:
        """The next line without its CRLF; an error at the end of the body or past 8 KiB."""
        while (end := self._buffer.find(b"\r\n")) < 0:
            if len(self._buffer) > _LINE or not self._more():
                raise _incomplete("a chunk header or trailer line is missing or too long")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        return line

    def pieces(self, count: int) -> Iterator[bytes]:
        """Exactly ``count`` bytes, in pieces; an error if the body ends first."""
        while count > 0:
            if not self._buffer and not self._more():
                raise _incomplete("the body ended inside a chunk")
            piece = bytes(self._buffer[:count])
            del self._buffer[: len(piece)]
            count -= len(piece)
            yield piece

    def rest(self) -> Iterator[bytes]:
        """Everything left."""
        if self._buffer:
            yield bytes(self._buffer)
            self._buffer.clear()
        while block := self._stream.read(_BLOCK):
            yield block


def _chunks(
    reader: _Reader, mode: str, signed: Signed | None, trailers: dict[str, str]
) -> Iterator[bytes]:
    """Decode ``aws-chunked``, verifying chained chunk signatures when the mode has them."""
    signing = mode in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER)
    if signing and signed is None:
        raise S3Error(403, "AccessDenied", "A signed streaming payload needs a signed request.")
    previous = signed.signature if signed is not None else ""
    while True:
        match = _CHUNK_HEAD.fullmatch(reader.line())
        if match is None or (signing and match.group(2) is None):
            raise _incomplete("a chunk header is not <hex size>[;chunk-signature=<sig>]")
        size = int(match.group(1), 16)
        if size > _MAX_CHUNK:
            raise _incomplete("a chunk is larger than 5 GiB")
        digest = hashlib.sha256()
        for piece in reader.pieces(size):
            digest.update(piece)
            yield piece
        if signing and signed is not None:
            string = "\n".join(
                (
                    "AWS4-HMAC-SHA256-PAYLOAD",
                    signed.timestamp,
                    signed.scope,
                    previous,
                    _EMPTY_SHA256,
                    digest.hexdigest(),
                )
            )
            previous = _check(signed, string, match.group(2).decode("ascii"), "chunk")
        if size == 0:
            break
        if reader.line() != b"":
            raise _incomplete("a chunk's data is not followed by CRLF")
    if mode == STREAMING_SIGNED:
        reader.line()  # the empty line after the last chunk
        return
    canonical = ""
    while line := reader.line():
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise _incomplete("a trailer line has no ':'")
        name, value = name.strip().lower(), value.strip()
        if name == "x-amz-trailer-signature" and signing and signed is not None:
            string = "\n".join(
                (
                    "AWS4-HMAC-SHA256-TRAILER",
                    signed.timestamp,
                    signed.scope,
                    previous,
                    hashlib.sha256(canonical.encode("latin-1")).hexdigest(),
                )
            )
            _check(signed, string, value, "trailer")
            continue
        canonical += f"{name}:{value}\n"
        trailers[name] = value


def _check(signed: Signed, string_to_sign: str, sent: str, what: str) -> str:
    expected = signed.sign(string_to_sign)
    if expected != sent:
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            f"The {what} signature we calculated does not match the signature you provided.",
        )
    return expected


def payload(request: Request, signed: Signed | None) -> Iterator[bytes]:
    """The decoded payload of ``request``, verified; see the module's description."""
    headers = request.headers
    mode = signed.payload if signed is not None else headers.get("x-amz-content-sha256", UNSIGNED)
    reader = _Reader(request.stream)
    trailers: dict[str, str] = {}
    streaming = mode.startswith("STREAMING-")
    wanted = {
        name.removeprefix("x-amz-checksum-")
        for name in [k.lower() for k in headers.keys()]
        + [t.strip().lower() for t in headers.get("x-amz-trailer", "").split(",")]
        if name.startswith("x-amz-checksum-")
    }
    sums = {name: _CHECKSUMS[name]() for name in wanted if name in _CHECKSUMS}
    md5, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
    for block in _chunks(reader, mode, signed, trailers) if streaming else reader.rest():
        md5.update(block)
        sha256.update(block)
        for checksum in sums.values():
            checksum.update(block)
        size += len(block)
        yield block
    if not streaming and mode != UNSIGNED and sha256.hexdigest() != mode:
        raise S3Error(
            400,
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            {"ClientComputedContentSHA256": mode, "S3ComputedContentSHA256": sha256.hexdigest()},
        )
    declared = headers.get("x-amz-decoded-content-length")
    if streaming and declared is not None and declared != str(size):
        raise _incomplete(f"x-amz-decoded-content-length says {declared}, the chunks hold {size}")
    _check_md5(headers.get("Content-MD5"), md5.digest())
    for name, checksum in sums.items():
        sent = trailers.get(f"x-amz-checksum-{name}") or headers.get(f"x-amz-checksum-{name}")
        if sent is not None and sent != checksum.b64digest():
            raise S3Error(
                400,
                "BadDigest",
                f"The {name.upper()} you specified did not match the calculated checksum.",
            )


def _check_md5(sent: str | None, digest: bytes) -> None:
    if sent is None:
        return
    try:
        claimed = base64.b64decode(sent.strip(), validate=True)
    except (binascii.Error, ValueError):
        claimed = b""
    if len(claimed) != len(digest):
        raise S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
    if claimed != digest:
        raise S3Error(
            400, "BadDigest", "The Content-MD5 you specified did not match what we received."
        )


def read_small(request: Request, signed: Signed | None, limit: int = 1 << 20) -> bytes:
    """A whole (XML) request body of at most ``limit`` bytes, verified like any payload."""
    data = bytearray()
    for block in payload(request, signed):
        data += block
        if len(data) > limit:
            raise S3Error(400, "MalformedXML", f"The XML body is larger than {limit} bytes.")
    return bytes(data)
