"""Multipart uploads: create, upload parts, complete (or abort).

The object a completed upload makes has the ETag S3 gives it: the MD5 of
the concatenated binary MD5s of its parts, a dash and the number of parts
(CLOUD-104). Every part but the last must hold at least 5 MiB, as in S3.
"""

from __future__ import annotations

import hashlib
from typing import Final
from urllib.parse import quote

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException
from werkzeug.wrappers import Response

from .cloud_s3_body import payload, read_small
from .cloud_s3_call import S3Call, checked_key, object_headers, owned_bucket
from .cloud_s3_xml import S3Error, XmlWriter, empty, invalid_argument
from .cloud_store import ObjectStore, Part, Upload

MIN_PART_SIZE: Final = 5 << 20
MAX_PARTS: Final = 10000


def multipart_etag(parts: list[Part]) -> str:
    """``<hex MD5 of the parts' binary MD5s>-<n>``."""
    joined = b"".join(bytes.fromhex(part.md5) for part in parts)
    return f"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(parts)}"


def _malformed(detail: str) -> S3Error:
    return S3Error(
        400,
        "MalformedXML",
        f"The XML you provided was not well-formed or did not validate against our published "
        f"schema ({detail}).",
    )


def _name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class Multipart:
    """The multipart operations of the S3 surface."""

    def __init__(self, store: ObjectStore, writer: XmlWriter) -> None:
        self._store = store
        self._writer = writer

    def create(self, call: S3Call, key: str) -> Response:
        """CreateMultipartUpload: an upload id; type and metadata are kept for the object."""
        bucket = owned_bucket(self._store, call)
        checked_key(key)
        content_type, metadata, system = object_headers(call.request)
        upload = self._store.start_upload(bucket.name, key, content_type, metadata, system)
        result = (
            "InitiateMultipartUploadResult",
            [("Bucket", bucket.name), ("Key", key), ("UploadId", upload.id)],
        )
        return self._writer.response(result)

    def upload_part(self, call: S3Call, key: str) -> Response:
        """UploadPart: the body becomes part ``partNumber``; its ETag is its MD5."""
        upload = self._upload(call, key)
        text = call.query.get("partNumber", "")
        if not text.isdigit() or not 1 <= int(text) <= MAX_PARTS:
            raise invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
                "partNumber",
                text,
            )
        if "x-amz-copy-source" in call.request.headers:
            raise S3Error(501, "NotImplemented", "UploadPartCopy is not implemented")
        with self._store.writing(payload(call.request, call.signed)) as written:
            part = self._store.put_part(upload, int(text), written)
        return empty(200, {"ETag": f'"{part.md5}"'})

    def complete(self, call: S3Call, key: str) -> Response:
        """CompleteMultipartUpload: the listed parts, in order, become the object."""
        upload = self._upload(call, key)
        wanted = self._listed_parts(read_small(call.request, call.signed))
        have = self._store.parts(upload)
        parts: list[Part] = []
        for number, etag in wanted:
            part = have.get(number)
            if part is None or etag.strip('"').lower() != part.md5:
                raise S3Error(
                    400,
                    "InvalidPart",
                    "One or more of the specified parts could not be found. The part may not "
                    "have been uploaded, or the specified entity tag may not match the part's "
                    "entity tag.",
                    {"PartNumber": str(number), "ETag": etag},
                )
            parts.append(part)
        for part in parts[:-1]:
            if part.size < MIN_PART_SIZE:
                raise S3Error(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed object size.",
                    {
                        "PartNumber": str(part.number),
                        "ProposedSize": str(part.size),
                        "MinSizeAllowed": str(MIN_PART_SIZE),
                    },
                )
        etag = multipart_etag(parts)
        with self._store.writing(self._store.part_blocks(upload, parts)) as written:
            self._store.put(
                upload.bucket,
                upload.key,
                written,
                etag=etag,
                content_type=upload.content_type,
                metadata=upload.metadata,
                system=upload.system,
            )
        self._store.drop_upload(upload.id)
        location = f"http://{call.request.host}/{upload.bucket}/{quote(upload.key, safe='/~')}"
        result = (
            "CompleteMultipartUploadResult",
            [
                ("Location", location),
                ("Bucket", upload.bucket),
                ("Key", upload.key),
                ("ETag", f'"{etag}"'),
            ],
        )
        return self._writer.response(result)

    def abort(self, call: S3Call, key: str) -> Response:
        """AbortMultipartUpload: the upload and its parts are gone."""
        upload = self._upload(call, key)
        self._store.drop_upload(upload.id)
        return empty(204)

    def _upload(self, call: S3Call, key: str) -> Upload:
        bucket = owned_bucket(self._store, call)
        upload_id = call.query.get("uploadId", "")
        upload = self._store.upload(upload_id)
        if upload is None or upload.bucket != bucket.name or upload.key != key:
            raise S3Error(
                404,
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the "
                "upload may have been aborted or completed.",
                {"UploadId": upload_id},
            )
        return upload

    @staticmethod
    def _listed_parts(body: bytes) -> list[tuple[int, str]]:
        """(part number, ETag) pairs of a CompleteMultipartUpload body, checked for order."""
        try:
            root = SafeXml.fromstring(body)
        except (SafeXml.ParseError, DefusedXmlException):
            raise _malformed("the body is not XML") from None
        if _name(root.tag) != "CompleteMultipartUpload":
            raise _malformed("the root element is not CompleteMultipartUpload")
        listed: list[tuple[int, str]] = []
        for element in root:
            if _name(element.tag) != "Part":
                continue
            fields = {_name(child.tag): (child.text or "").strip() for child in element}
            number = fields.get("PartNumber", "")
            if not number.isdigit() or "ETag" not in fields:
                raise _malformed("a Part lacks a PartNumber or an ETag")
            listed.append((int(number), fields["ETag"]))
        if not listed:
            raise _malformed("no Part is listed")
        numbers = [number for number, _ in listed]
        if numbers != sorted(set(numbers)):
            raise S3Error(
                400,
                "InvalidPartOrder",
                "The list of parts was not in ascending order. The parts list must be specified "
                "in order by part number.",
            )
        return listed
