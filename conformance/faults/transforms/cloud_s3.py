"""Transforms that break CLOUD's S3 profile (CLOUD-101…108), in front of an S3 surface.

Each stands where a real S3 implementation goes wrong: a body cut short
past 1 MiB, a metadata header lost on GET only, a page boundary that drops
a key, ETags unquoted or hashed over other bytes, an inclusive range end
read as exclusive, keys rewritten in listings, another account served
someone else's object, sizes misreported, empty objects left out. The
proxy never holds a key to sign with, so every fault works on what the
platform answers (or on what the proxy saw earlier), never on what the
client signed.

S3 actions are told apart as S3 tells them: a listing is a GET with
``list-type``; an object GET is any other GET below ``/``; a copy is a PUT
with ``x-amz-copy-source``; an upload part carries ``partNumber``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from urllib.parse import parse_qs

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.s3_xml import block, edit_keys, edit_leaves, leaf, root_is

_META = "x-amz-meta-"
_HEX_RUN = re.compile(r"[0-9a-fA-F]{32}")
_PART_COUNT = re.compile(r"([0-9a-fA-F]{32})-\d+")
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _query(request: ProxyRequest) -> dict[str, list[str]]:
    return parse_qs(request.query, keep_blank_values=True)


def is_listing(request: ProxyRequest) -> bool:
    """A ListObjectsV2 request."""
    return request.method == "GET" and "list-type" in _query(request)


def names_object(request: ProxyRequest) -> bool:
    """A request on one object: below ``/``, not a listing, not a multipart step."""
    return request.path not in ("", "/") and not {"list-type", "uploads", "uploadId"} & set(
        _query(request)
    )


def is_object_read(request: ProxyRequest) -> bool:
    """A GetObject or HeadObject."""
    return request.method in ("GET", "HEAD") and names_object(request)


def is_upload_part(request: ProxyRequest) -> bool:
    """An UploadPart request (its ETag is the client's to send back, not the object's)."""
    return request.method == "PUT" and "partNumber" in _query(request)


def _object_id(request: ProxyRequest) -> tuple[str, str]:
    """Which object a request names: Host (the bucket, when virtual-hosted) and path."""
    return (request.header("Host") or "", request.path)


class TruncateLargeBodies(Transform):
    """CLOUD-101: a GetObject body past ``over`` bytes loses its last byte."""

    def __init__(self, over: int = 1024 * 1024) -> None:
        self.over = over

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if (
            request.method == "GET"
            and is_object_read(request)
            and response.status == 200
            and len(response.body) > self.over
        ):
            response.body = response.body[:-1]
        return response


class DropMetadataOnGet(Transform):
    """CLOUD-102: GetObject (not HeadObject) leaves out the last ``x-amz-meta-*`` header."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if request.method == "GET" and is_object_read(request) and response.status == 200:
            names = sorted(k for k in response.headers if k.lower().startswith(_META))
            if names:
                response.drop_header(names[-1])
        return response


class CopyLosesContentType(Transform):
    """CLOUD-102: an object made by CopyObject is served as ``application/octet-stream``."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        with exchange.lock:
            copies = exchange.state.setdefault(("cloud_s3", "copies"), set())
            if request.method == "PUT" and request.header("x-amz-copy-source"):
                if response.status == 200:
                    copies.add(_object_id(request))
                return response
            copied = _object_id(request) in copies
        if is_object_read(request) and copied:
            response.drop_header("Content-Type")
            response.headers["Content-Type"] = "application/octet-stream"
        return response


class DropKeyAtPageEnd(Transform):
    """CLOUD-103: a truncated listing page loses its last key (the token still skips it)."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if is_listing(request) and response.status == 200 and _truncated(response.body):
            found = list(block("Contents").finditer(response.body))
            if found:
                last = found[-1]
                response.body = response.body[: last.start()] + response.body[last.end() :]
        return response


class SwapFirstKeys(Transform):
    """CLOUD-103: a listing page holding two keys or more lists its first two swapped."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if is_listing(request) and response.status == 200:
            found = list(block("Contents").finditer(response.body))
            if len(found) >= 2:
                a, b = found[0], found[1]
                body = response.body
                response.body = (
                    body[: a.start()]
                    + body[b.start() : b.end()]
                    + body[a.end() : b.start()]
                    + body[a.start() : a.end()]
                    + body[b.end() :]
                )
        return response


class DropElements(Transform):
    """CLOUD-103: every ``element`` of a listing (``ContinuationToken``, ``CommonPrefixes``)
    is left out."""

    def __init__(self, element: str) -> None:
        self.pattern = block(element)

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if is_listing(request) and response.status == 200:
            response.body = self.pattern.sub(b"", response.body)
        return response


class RewriteETags(Transform):
    """CLOUD-104: every object ETag (headers and XML answers) rewritten by ``how``:
    ``unquote`` (the bare hex), ``other-bytes`` (one hex digit changed: an MD5 of other
    bytes) or ``drop-part-count`` (a multipart ETag without ``-<n>``)."""

    def __init__(self, how: str) -> None:
        changes: dict[str, Callable[[str], str]] = {
            "unquote": lambda tag: tag.replace('"', ""),
            "other-bytes": lambda tag: _HEX_RUN.sub(lambda m: _flip_last(m.group(0)), tag),
            "drop-part-count": lambda tag: _PART_COUNT.sub(r"\1", tag),
        }
        self.change = changes[how]

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if is_upload_part(request) or not 200 <= response.status < 300:
            return response  # a part's ETag is sent back by the client: keep uploads working
        etag = response.header("ETag")
        if etag is not None:
            response.drop_header("ETag")
            response.headers["ETag"] = self.change(etag)
        if any(
            root_is(response.body, root)
            for root in ("ListBucketResult", "CopyObjectResult", "CompleteMultipartUploadResult")
        ):
            response.body = edit_leaves(response.body, "ETag", self.change)
        return response


def _flip_last(digits: str) -> str:
    last = digits[-1].lower()
    return digits[:-1] + ("0" if last != "0" else "1")


class RangeEndExclusive(Transform):
    """CLOUD-105: a 206 reads the range's last position as exclusive: one byte short."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if response.status != 206 or not response.body:
            return response
        response.body = response.body[:-1]
        match = _CONTENT_RANGE.fullmatch((response.header("Content-Range") or "").strip())
        if match:
            first, last, size = match.groups()
            response.drop_header("Content-Range")
            if int(last) > int(first):
                response.headers["Content-Range"] = f"bytes {first}-{int(last) - 1}/{size}"
        return response


class RewriteListedKeys(Transform):
    """CLOUD-106: keys in listings rewritten by ``how``: ``plus-as-space`` (a ``+`` read as a
    form-encoded space somewhere on the way) or ``nfc`` (normalised to Unicode NFC)."""

    def __init__(self, how: str) -> None:
        changes: dict[str, Callable[[str], str]] = {
            "plus-as-space": lambda key: key.replace("+", " "),
            "nfc": lambda key: unicodedata.normalize("NFC", key),
        }
        self.change = changes[how]

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if is_listing(request) and response.status == 200:
            response.body = edit_keys(response.body, self.change)
        return response


class ServeRefusedReads(Transform):
    """CLOUD-107: a GetObject the platform refused (403) is answered 200 with the object's
    bytes, as the proxy last saw them written or read: another account reads it."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if (
            request.method == "PUT"
            and names_object(request)
            and not request.header("x-amz-copy-source")
            and not is_upload_part(request)
        ):
            with exchange.lock:
                pending = exchange.state.setdefault(("cloud_s3", "pending"), {})
                pending[_object_id(request)] = request.body
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        seen = exchange.state.setdefault(("cloud_s3", "seen"), {})
        pending = exchange.state.setdefault(("cloud_s3", "pending"), {})
        target = _object_id(request)
        with exchange.lock:
            if request.method == "PUT" and target in pending:
                body = pending.pop(target)
                if response.status == 200:
                    seen[target] = body
            elif request.method == "GET" and is_object_read(request):
                if response.status == 200:
                    seen[target] = response.body
                elif response.status == 403 and target in seen:
                    data = seen[target]
                    return ProxyResponse(200, {"Content-Type": "application/octet-stream"}, data)
        return response


class MisreportListedSizes(Transform):
    """CLOUD-108: a listing states every non-empty object one byte larger than it is."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if is_listing(request) and response.status == 200:
            response.body = edit_leaves(
                response.body,
                "Size",
                lambda size: str(int(size) + 1) if size.strip().isdigit() and int(size) else size,
            )
        return response


class HideEmptyObjects(Transform):
    """CLOUD-108: listings leave out objects of 0 bytes (a sync that skips "folders")."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if is_listing(request) and response.status == 200:
            size = leaf("Size")

            def drop_empty(match: re.Match[bytes]) -> bytes:
                found = size.search(match.group(0))
                empty = found is not None and found.group("text").strip() == b"0"
                return b"" if empty else match.group(0)

            response.body = block("Contents").sub(drop_empty, response.body)
        return response


def _truncated(body: bytes) -> bool:
    match = leaf("IsTruncated").search(body)
    return match is not None and match.group("text").strip().lower() == b"true"


TRANSFORMS: dict[str, type[Transform]] = {
    "s3_truncate_large_bodies": TruncateLargeBodies,
    "s3_drop_metadata_on_get": DropMetadataOnGet,
    "s3_copy_loses_content_type": CopyLosesContentType,
    "s3_drop_key_at_page_end": DropKeyAtPageEnd,
    "s3_swap_first_keys": SwapFirstKeys,
    "s3_drop_listing_elements": DropElements,
    "s3_rewrite_etags": RewriteETags,
    "s3_range_end_exclusive": RangeEndExclusive,
    "s3_rewrite_listed_keys": RewriteListedKeys,
    "s3_serve_refused_reads": ServeRefusedReads,
    "s3_misreport_listed_sizes": MisreportListedSizes,
    "s3_hide_empty_objects": HideEmptyObjects,
}
