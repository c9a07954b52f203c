"""Writing the suite's objects into a bucket: one PUT, or a multipart upload.

A write the platform refuses is a finding of the requirement in force (the
operations are the profile's); what the write answered is kept so that a
check can judge it too (the ETag a PutObject or CompleteMultipartUpload
returns). A multipart upload sends parts of at least 5 MiB but the last, as
S3 requires, and lists them in the completion in part-number order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance._harness.errors import Finding, Mismatch
from conformance._harness.probe import Response
from conformance.cloud.etags import ETag
from conformance.cloud.objects import WrittenObject
from conformance.cloud.s3 import S3Client, s3_error
from conformance.cloud.xmlbody import XmlError, convert, read


@dataclass
class Stored:
    """An object the suite wrote: what it is, its bytes, and the answers that wrote it."""

    written: WrittenObject
    data: bytes
    responses: list[Response] = field(default_factory=list)

    @property
    def etag(self) -> ETag:
        """The ETag S3 gives the object."""
        return self.written.etag(self.data)

    @property
    def exchanges(self) -> list[str]:
        """The evidence of the write."""
        return [r.exchange for r in self.responses]

    @property
    def answered_etag(self) -> str | None:
        """The ETag the write answered with (PutObject's header, CompleteMultipartUpload's XML)."""
        last = self.responses[-1]
        if self.written.part_size is None:
            return last.headers.get("ETag")
        return result_etag(last, "CompleteMultipartUploadResult")


def write(client: S3Client, bucket: str, obj: WrittenObject) -> Stored:
    """Write ``obj`` into ``bucket`` as ``client``'s identity (a Finding if refused)."""
    data = obj.data
    stored = Stored(obj, data)
    if obj.part_size is None:
        response = client.put_object(
            bucket, obj.key, data, content_type=obj.content_type, metadata=obj.metadata
        )
        stored.responses.append(response)
        client.require_success(response, "PutObject")
        return stored
    created, upload_id = client.create_multipart(
        bucket, obj.key, content_type=obj.content_type, metadata=obj.metadata
    )
    stored.responses.append(created)
    etags: list[tuple[int, str]] = []
    for number, part in enumerate(obj.parts(data), start=1):
        response, etag = client.upload_part(bucket, obj.key, upload_id, number, part)
        stored.responses.append(response)
        etags.append((number, etag))
    completed = client.complete_multipart(bucket, obj.key, upload_id, etags)
    stored.responses.append(completed)
    client.require_success(completed, "CompleteMultipartUpload")
    error = s3_error(completed)
    if error is not None:
        raise Finding(
            f"CompleteMultipartUpload of {obj.key!r} failed inside a 200",
            operation="CompleteMultipartUpload",
            mismatches=[
                Mismatch("body", "CompleteMultipartUploadResult", f"{error[0]}: {error[1]}")
            ],
            evidence=[completed.exchange],
        )
    return stored


def result_etag(response: Response, root: str) -> str | None:
    """The ``ETag`` of an XML result (``CompleteMultipartUploadResult``, ``CopyObjectResult``)."""
    try:
        value: Any = convert(read(response.content))
    except XmlError:
        return None
    result = value.get(root) if isinstance(value, dict) else None
    etag = result.get("ETag") if isinstance(result, dict) else None
    return etag if isinstance(etag, str) else None
