"""PutObject, GetObject, HeadObject, DeleteObject and CopyObject."""

from __future__ import annotations

from email.utils import formatdate, parsedate_to_datetime
from typing import Final
from urllib.parse import unquote

from werkzeug.wrappers import Response

from .byteranges import parse_range
from .choices import ChoiceSet
from .choices.cloud_s3 import DELETE_STATUS, GET_FRAMING
from .cloud_s3_body import payload
from .cloud_s3_call import (
    S3Call,
    checked_key,
    object_headers,
    object_response_headers,
    owned_bucket,
)
from .cloud_s3_listing import iso_time
from .cloud_s3_xml import S3Error, XmlWriter, empty, invalid_argument, no_such_key
from .cloud_store import ObjectStore, StoredObject
from .problems import Problem

_DIRECTIVES: Final = ("COPY", "REPLACE")
# Headers a GET may ask to be answered with instead (``?response-content-type=…``).
_OVERRIDABLE: Final = (
    "Content-Type",
    "Content-Language",
    "Expires",
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
)


class Objects:
    """The object operations of the S3 surface."""

    def __init__(self, store: ObjectStore, writer: XmlWriter, choices: ChoiceSet) -> None:
        self._store = store
        self._writer = writer
        self._chunked = choices[GET_FRAMING] == "chunked"
        self._delete_status = choices[DELETE_STATUS]

    def put(self, call: S3Call, key: str) -> Response:
        """PutObject: the body becomes the object, with its type and metadata."""
        bucket = owned_bucket(self._store, call)
        checked_key(key)
        content_type, metadata, system = object_headers(call.request)
        with self._store.writing(payload(call.request, call.signed)) as written:
            stored = self._store.put(
                bucket.name,
                key,
                written,
                content_type=content_type,
                metadata=metadata,
                system=system,
            )
        return empty(200, {"ETag": f'"{stored.md5_etag}"'})

    def get(self, call: S3Call, key: str) -> Response:
        """GetObject and HeadObject, with conditions and a single byte range."""
        bucket = owned_bucket(self._store, call)
        stored = self._store.get(bucket.name, key)
        if stored is None:
            raise no_such_key(key)
        headers = object_response_headers(
            stored.md5_etag, stored.content_type, stored.metadata, stored.system
        )
        headers["Last-Modified"] = formatdate(stored.modified, usegmt=True)
        for name in _OVERRIDABLE:
            override = call.query.get(f"response-{name.lower()}")
            if override is not None:
                headers[name] = override
        headers["Accept-Ranges"] = "bytes"
        status = _preconditions(call, stored)
        if status is not None:
            return empty(status, {"ETag": headers["ETag"]})
        first, last = 0, stored.size - 1
        status = 200
        range_header = call.request.headers.get("Range")
        if range_header is not None:
            picked = _byte_range(range_header, stored.size)
            if picked is not None:
                first, last = picked
                status = 206
                headers["Content-Range"] = f"bytes {first}-{last}/{stored.size}"
        length = last - first + 1
        is_head = call.request.method == "HEAD"
        if is_head or not self._chunked:
            headers["Content-Length"] = str(length)
        try:
            body = (
                iter(())
                if is_head or length == 0
                else self._store.blocks(self._store.path(stored), first, last)
            )
        except FileNotFoundError:  # deleted since it was looked up
            raise no_such_key(key) from None
        return Response(body, status=status, headers=headers, direct_passthrough=True)

    def delete(self, call: S3Call, key: str) -> Response:
        """DeleteObject: gone, or never there; either way a success."""
        bucket = owned_bucket(self._store, call)
        self._store.delete(bucket.name, key)
        return empty(self._delete_status)

    def copy(self, call: S3Call, key: str) -> Response:
        """CopyObject: ``x-amz-copy-source`` to this key, metadata copied unless replaced."""
        bucket = owned_bucket(self._store, call)
        checked_key(key)
        source_bucket, source_key = _copy_source(call.request.headers["x-amz-copy-source"])
        owned_bucket(self._store, call, source_bucket)
        source = self._store.get(source_bucket, source_key)
        if source is None:
            raise no_such_key(source_key)
        directive = call.request.headers.get("x-amz-metadata-directive", "COPY").upper()
        if directive not in _DIRECTIVES:
            raise invalid_argument(
                "Unknown metadata directive.", "x-amz-metadata-directive", directive
            )
        if (source_bucket, source_key) == (bucket.name, key) and directive == "COPY":
            raise S3Error(
                400,
                "InvalidRequest",
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                "location or encryption attributes.",
            )
        if directive == "REPLACE":
            content_type, metadata, system = object_headers(call.request)
        else:
            content_type, metadata, system = (
                source.content_type,
                dict(source.metadata),
                dict(source.system),
            )
        blocks = self._store.blocks(self._store.path(source))
        with self._store.writing(blocks) as written:
            stored = self._store.put(
                bucket.name,
                key,
                written,
                content_type=content_type,
                metadata=metadata,
                system=system,
            )
        result = (
            "CopyObjectResult",
            [("LastModified", iso_time(stored.modified)), ("ETag", f'"{stored.md5_etag}"')],
        )
        return self._writer.response(result)


def _copy_source(header: str) -> tuple[str, str]:
    """``/bucket/key`` (URL-encoded, optionally ``?versionId=null``) as bucket and key."""
    path, _, version = header.partition("?")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key or version not in ("", "versionId=null"):
        raise invalid_argument("Invalid copy source object key", "x-amz-copy-source", header)
    return bucket, key


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """One byte range (None: ignore the header, as S3 does); 416 InvalidRange if unsatisfiable."""
    try:
        return parse_range(header, size)
    except Problem:
        raise S3Error(
            416,
            "InvalidRange",
            "The requested range is not satisfiable",
            {"RangeRequested": header, "ActualObjectSize": str(size)},
            {"Content-Range": f"bytes */{size}"},
        ) from None


def _preconditions(call: S3Call, stored: StoredObject) -> int | None:
    """304 or 412 when ``If-*`` headers say so, else None."""
    headers = call.request.headers
    quoted = f'"{stored.md5_etag}"'
    if_match = headers.get("If-Match")
    if if_match is not None and not _matches(if_match, quoted):
        raise S3Error(
            412,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
        )
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None and _matches(if_none_match, quoted):
        return 304
    modified = int(stored.modified)
    since = _date(headers.get("If-Modified-Since"))
    if if_none_match is None and since is not None and modified <= since:
        return 304
    unmodified = _date(headers.get("If-Unmodified-Since"))
    if if_match is None and unmodified is not None and modified > unmodified:
        raise S3Error(
            412,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
        )
    return None


def _matches(header: str, quoted: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or quoted in tags or quoted.strip('"') in tags


def _date(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError):
        return None
