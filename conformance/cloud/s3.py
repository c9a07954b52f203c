"""S3 operations as the CLOUD checks use them, signed by botocore, sent through the probe.

Every request goes through the check's ``Probe`` (so it is guarded, paced,
time-limited and recorded as evidence, the Authorization header redacted)
and, for a user, is signed with SigV4 by botocore right before it leaves
(``signing.sigv4``). Keys are percent-encoded in the path exactly as
botocore encodes them (``quote(key, safe="/~")``); query parameters as SigV4
canonicalises them (``quote(value, safe="-_.~")``), so that what the
platform decodes is what the suite meant and the signature it recomputes
matches.

Methods that hand back parsed data (a listing page, an upload id, a part's
ETag) raise a ``Finding`` when the answer is not a success or its XML breaks
CLOUD's component schema; the others return the ``Response`` and leave the
status to the check (a 403 or a 416 may be what it is looking for).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Protocol
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

from conformance._harness.catalogue import Catalogue
from conformance._harness.cloud_target import S3Settings
from conformance._harness.errors import Finding, Mismatch, SchemaViolation
from conformance._harness.probe import Probe, Response
from conformance._harness.schemas import ComponentSchemas
from conformance.cloud.listing import ListedObject, Listing, ListPage, read_page
from conformance.cloud.signing import sigv4
from conformance.cloud.xmlbody import XmlError, convert, local_name, read

__all__ = [
    "ListPage",
    "ListedObject",
    "Listing",
    "S3Client",
    "SchemaSource",
    "object_url_path",
    "s3_error",
]

STANDARD = "CLOUD"
DEFAULT_PAGE_LIMIT = 1000


class SchemaSource(Protocol):
    """Where the client finds CLOUD's component schemas (``ComponentSchemas`` is one)."""

    def schema(self, standard: str, name: str) -> dict[str, Any]:
        """The component as one JSON Schema."""

    def check(self, standard: str, name: str, instance: Any) -> list[Mismatch]:
        """Every way ``instance`` breaks the component."""


@cache
def _catalogue_schemas() -> ComponentSchemas:
    return ComponentSchemas(Catalogue.load())


def object_url_path(bucket: str | None, key: str | None, *, virtual: bool = False) -> str:
    """The request path of a bucket or object, percent-encoded as botocore encodes it.

    A ``.`` or ``..`` segment of a key is written ``%2E``: HTTP libraries remove dot
    segments from a URL's path (RFC 3986 §5.2.4), which would name another object.
    """
    encoded_key = _encode_key(key) if key is not None else None
    if virtual or bucket is None:
        return "/" + (encoded_key or "")
    return f"/{quote(bucket, safe='~')}" + (f"/{encoded_key}" if encoded_key is not None else "")


def _encode_key(key: str) -> str:
    segments = quote(key, safe="/~").split("/")
    return "/".join(s.replace(".", "%2E") if s in (".", "..") else s for s in segments)


def query_string(params: Mapping[str, str | None]) -> str:
    """A query as SigV4 canonicalises it: ``name=value`` with RFC 3986 unreserved kept;
    a None value is a bare name (``?uploads``)."""
    parts = []
    for name, value in params.items():
        encoded = quote(name, safe="-_.~")
        parts.append(encoded if value is None else f"{encoded}={quote(value, safe='-_.~')}")
    return "&".join(parts)


def s3_error(response: Response) -> tuple[str, str] | None:
    """``(Code, Message)`` of an S3 error body, or None when the body is not one."""
    try:
        root = read(response.content)
    except XmlError:
        return None
    if local_name(root.tag) != "Error":
        return None
    values = {local_name(child.tag): (child.text or "") for child in root}
    return values.get("Code", ""), values.get("Message", "")


class S3Client:
    """One identity's view of a platform's S3 surface (``user`` None: anonymous, unsigned)."""

    def __init__(
        self,
        probe: Probe,
        settings: S3Settings,
        user: str | None,
        *,
        schemas: SchemaSource | None = None,
    ) -> None:
        self.probe = probe
        self.settings = settings
        self.user = user
        self._signer = sigv4(settings.key(user), settings.region) if user is not None else None
        self._schemas = schemas

    @property
    def schemas(self) -> SchemaSource:
        """CLOUD's component schemas (the installed catalogue's unless given)."""
        if self._schemas is None:
            self._schemas = _catalogue_schemas()
        return self._schemas

    @property
    def who(self) -> str:
        """The identity, for messages: the user or ``anonymous``."""
        return self.user or "anonymous"

    # -- one request ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        bucket: str | None = None,
        key: str | None = None,
        *,
        params: Mapping[str, str | None] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Response:
        """Send one S3 request as this client's identity and return the answer, unjudged."""
        virtual = self.settings.addressing == "virtual" and bucket is not None
        url = self.settings.endpoint + object_url_path(bucket, key, virtual=virtual)
        if params:
            url += "?" + query_string(params)
        sent: dict[str, str | None] = {"Accept": "*/*"}
        if virtual and bucket is not None:
            sent["Host"] = _virtual_host(bucket, self.settings.endpoint)
        sent.update(headers or {})
        return self.probe.request(
            method,
            url,
            content=content,
            headers=sent,
            validate=False,  # S3's bodies are XML: this client validates them
            follow_redirects=False,
            signer=self._signer,
            identity=f"s3:{self.who}",
        )

    # -- buckets ----------------------------------------------------------------------------

    def create_bucket(self, bucket: str) -> Response:
        """CreateBucket (with a LocationConstraint outside us-east-1, as SDKs send it)."""
        body = None
        if self.settings.region != "us-east-1":
            body = (
                '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f"<LocationConstraint>{escape(self.settings.region)}</LocationConstraint>"
                "</CreateBucketConfiguration>"
            ).encode()
        return self.request("PUT", bucket, content=body)

    def delete_bucket(self, bucket: str) -> Response:
        """DeleteBucket."""
        return self.request("DELETE", bucket)

    def list_buckets(self) -> tuple[Response, list[str]]:
        """ListBuckets: the names of the buckets this identity owns."""
        response = self.request("GET")
        value = self._xml(response, "ListAllMyBucketsResult", "ListBuckets")
        buckets = value.get("Buckets")
        entries = buckets.get("Bucket") if isinstance(buckets, Mapping) else None
        items = entries if isinstance(entries, list) else [] if entries is None else [entries]
        names = [str(i["Name"]) for i in items if isinstance(i, Mapping) and "Name" in i]
        return response, names

    # -- objects ----------------------------------------------------------------------------

    def put_object(
        self,
        bucket: str,
        key: str,
        body: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Response:
        """PutObject with a Content-Type and ``x-amz-meta-*`` headers, if given."""
        return self.request(
            "PUT", bucket, key, content=body, headers=_object_headers(content_type, metadata)
        )

    def get_object(self, bucket: str, key: str, *, range: str | None = None) -> Response:
        """GetObject; ``range`` is a ``Range`` header value (``bytes=0-99``)."""
        return self.request("GET", bucket, key, headers={"Range": range} if range else None)

    def head_object(self, bucket: str, key: str) -> Response:
        """HeadObject."""
        return self.request("HEAD", bucket, key)

    def delete_object(self, bucket: str, key: str) -> Response:
        """DeleteObject (200 and 204 are both successes)."""
        return self.request("DELETE", bucket, key)

    def copy_object(self, source_bucket: str, source_key: str, bucket: str, key: str) -> Response:
        """CopyObject (metadata copied); a 200 may still carry an ``Error`` body, as S3's can."""
        source = object_url_path(source_bucket, source_key)
        response = self.request("PUT", bucket, key, headers={"x-amz-copy-source": source})
        if response.status == 200 and s3_error(response) is None:
            self._xml(response, "CopyObjectResult", "CopyObject")
        return response

    # -- listing ----------------------------------------------------------------------------

    def list_page(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        max_keys: int | None = None,
        token: str | None = None,
        encoding_type: str | None = None,
    ) -> tuple[Response, ListPage]:
        """One ListObjectsV2 page; a failed or malformed answer is a ``Finding``."""
        params: dict[str, str | None] = {"list-type": "2"}
        for name, value in (
            ("prefix", prefix),
            ("delimiter", delimiter),
            ("max-keys", None if max_keys is None else str(max_keys)),
            ("continuation-token", token),
            ("encoding-type", encoding_type),
        ):
            if value is not None:
                params[name] = value
        response = self.request("GET", bucket, params=params)
        return response, read_page(self._xml(response, "ListBucketResult", "ListObjectsV2"))

    def list_all(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        max_keys: int | None = None,
        encoding_type: str | None = None,
        page_limit: int = DEFAULT_PAGE_LIMIT,
    ) -> Listing:
        """Every page, following ``NextContinuationToken`` while ``IsTruncated``.

        A truncated page without a token, or paging that goes on past
        ``page_limit`` pages, is a ``Finding`` (the listing does not terminate).
        """
        listing = Listing()
        token: str | None = None
        while True:
            if len(listing.pages) >= page_limit:
                raise Finding(
                    f"ListObjectsV2 of {bucket} as {self.who} did not end",
                    operation="ListObjectsV2",
                    mismatches=[
                        Mismatch(
                            "pages",
                            f"a last page (IsTruncated false) within {page_limit} pages",
                            f"{len(listing.pages)} pages, {len(listing.keys)} keys, still truncated",
                            f"max-keys {max_keys}",
                        )
                    ],
                    evidence=listing.exchanges[-3:],
                )
            response, page = self.list_page(
                bucket,
                prefix=prefix,
                delimiter=delimiter,
                max_keys=max_keys,
                token=token,
                encoding_type=encoding_type,
            )
            listing.pages.append(page)
            listing.responses.append(response)
            listing.sent_tokens.append(token)
            if not page.is_truncated:
                return listing
            if not page.next_token:
                raise Finding(
                    f"a truncated ListObjectsV2 page of {bucket} gives no way to the next",
                    operation="ListObjectsV2",
                    mismatches=[
                        Mismatch(
                            "NextContinuationToken",
                            "present when IsTruncated is true",
                            None,
                            f"page {len(listing.pages)}",
                        )
                    ],
                    evidence=[response.exchange],
                )
            token = page.next_token

    # -- multipart --------------------------------------------------------------------------

    def create_multipart(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> tuple[Response, str]:
        """CreateMultipartUpload: the upload id."""
        response = self.request(
            "POST",
            bucket,
            key,
            params={"uploads": None},
            headers=_object_headers(content_type, metadata),
        )
        value = self._xml(response, "InitiateMultipartUploadResult", "CreateMultipartUpload")
        upload_id = value.get("UploadId")
        if not isinstance(upload_id, str) or not upload_id:
            raise Finding(
                "CreateMultipartUpload gave no upload id",
                operation="CreateMultipartUpload",
                mismatches=[Mismatch("UploadId", "a non-empty string", upload_id)],
                evidence=[response.exchange],
            )
        return response, upload_id

    def upload_part(
        self, bucket: str, key: str, upload_id: str, number: int, body: bytes
    ) -> tuple[Response, str]:
        """UploadPart: the part's ETag (from the ``ETag`` header)."""
        response = self.request(
            "PUT",
            bucket,
            key,
            params={"partNumber": str(number), "uploadId": upload_id},
            content=body,
        )
        self.require_success(response, "UploadPart")
        etag = response.headers.get("ETag")
        if not etag:
            raise Finding(
                f"UploadPart {number} answered without an ETag",
                operation="UploadPart",
                mismatches=[Mismatch("header ETag", f'"{hashlib.md5(body).hexdigest()}"', None)],
                evidence=[response.exchange],
            )
        return response, etag

    def complete_multipart(
        self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> Response:
        """CompleteMultipartUpload with the parts' numbers and ETags; its XML is validated."""
        listed = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{escape(etag)}</ETag></Part>"
            for n, etag in parts
        )
        body = (
            '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"{listed}</CompleteMultipartUpload>"
        ).encode()
        response = self.request("POST", bucket, key, params={"uploadId": upload_id}, content=body)
        if response.status == 200 and s3_error(response) is None:
            self._xml(response, "CompleteMultipartUploadResult", "CompleteMultipartUpload")
        return response

    # -- reading XML answers ----------------------------------------------------------------

    def require_success(self, response: Response, operation: str) -> None:
        """A ``Finding`` unless the answer is a 2xx (with the S3 error code it gave)."""
        if 200 <= response.status < 300:
            return
        error = s3_error(response)
        said = f" ({error[0]}: {error[1]})" if error else ""
        raise Finding(
            f"{operation} as {self.who} failed: {response.status}{said}",
            operation=operation,
            mismatches=[
                Mismatch(
                    "status",
                    "2xx",
                    response.status,
                    f"{response.method} {urlsplit(response.url).path}",
                    self.who,
                )
            ],
            evidence=[response.exchange],
        )

    def _xml(self, response: Response, name: str, operation: str) -> dict[str, Any]:
        """The converted XML body of a success, validated against component ``name``."""
        self.require_success(response, operation)
        schema = self.schemas.schema(STANDARD, name)
        from_xml = _parse(response, schema, operation)
        rows = self.schemas.check(STANDARD, name, from_xml)
        if rows:
            raise SchemaViolation(
                f"the {operation} answer does not match {name}",
                operation=operation,
                mismatches=rows,
                evidence=[response.exchange],
            )
        inner = from_xml.get(name)
        return dict(inner) if isinstance(inner, Mapping) else {}


def _parse(response: Response, schema: Mapping[str, Any], operation: str) -> dict[str, Any]:
    try:
        return convert(read(response.content), schema)
    except XmlError as exc:
        raise Finding(
            f"the {operation} answer is not readable XML",
            operation=operation,
            mismatches=[
                Mismatch(
                    "body",
                    "a well-formed XML document",
                    response.content[:120].decode("utf-8", errors="replace"),
                    str(exc),
                )
            ],
            evidence=[response.exchange],
        ) from None


def _object_headers(content_type: str | None, metadata: Mapping[str, str] | None) -> dict[str, str]:
    headers = {f"x-amz-meta-{name}": value for name, value in (metadata or {}).items()}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


def _virtual_host(bucket: str, endpoint: str) -> str:
    """``<bucket>.<endpoint host>[:port]``: the Host of virtual-hosted addressing."""
    return f"{bucket}.{urlsplit(endpoint).netloc}"
