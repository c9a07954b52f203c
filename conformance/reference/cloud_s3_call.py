"""One S3 request as the handlers see it, and the rules every handler applies.

Access is S3's default for private buckets: a bucket belongs to the
account that created it, and only that account may list it, read or
write its objects, or delete it. Anyone else, signed by another account
or not signed at all, gets 403 AccessDenied (CLOUD-107).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from werkzeug.wrappers import Request

from .cloud_s3_auth import Signed
from .cloud_s3_xml import S3Error, access_denied, no_such_bucket
from .cloud_store import Bucket, ObjectStore

MAX_KEY_BYTES: Final = 1024
MAX_METADATA_BYTES: Final = 2048
DEFAULT_CONTENT_TYPE: Final = "binary/octet-stream"
# The other headers S3 keeps with an object and returns on GET and HEAD.
SYSTEM_HEADERS: Final = (
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Expires",
)
_META: Final = "x-amz-meta-"


@dataclass(frozen=True)
class S3Call:
    """A request, where it points (bucket, key), its decoded query and who signed it."""

    request: Request
    bucket: str | None
    key: str | None
    query: Mapping[str, str]
    signed: Signed | None

    @property
    def account(self) -> str | None:
        """The signing account, or None for an anonymous request."""
        return self.signed.account if self.signed is not None else None

    @property
    def user(self) -> str | None:
        """The signing user's name, or None."""
        return self.signed.user if self.signed is not None else None


def owned_bucket(store: ObjectStore, call: S3Call, name: str | None = None) -> Bucket:
    """The bucket ``name`` (default: the call's), if the caller owns it; else 403 or 404."""
    name = name or call.bucket or ""
    if call.account is None:
        raise access_denied()
    bucket = store.bucket(name)
    if bucket is None:
        raise no_such_bucket(name)
    if bucket.owner != call.account:
        raise access_denied()
    return bucket


def checked_key(key: str) -> str:
    """``key``, if S3 accepts it as a key (1 to 1024 bytes of UTF-8)."""
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise S3Error(400, "KeyTooLongError", "Your key is too long", {"Size": str(len(key))})
    return key


def object_headers(request: Request) -> tuple[str, dict[str, str], dict[str, str]]:
    """What a write says the object carries: Content-Type, user metadata, other headers.

    Metadata names are kept lower-case, values exactly as sent; ``aws-chunked``
    is a framing of the upload, not a coding of the object, and is dropped
    from ``Content-Encoding`` as S3 drops it.
    """
    content_type = request.headers.get("Content-Type") or DEFAULT_CONTENT_TYPE
    metadata: dict[str, str] = {}
    for name, value in request.headers.items():
        lower = name.lower()
        if lower.startswith(_META) and len(lower) > len(_META):
            suffix = lower[len(_META) :]
            metadata[suffix] = f"{metadata[suffix]},{value}" if suffix in metadata else value
    size = sum(len(k) + len(v.encode("latin-1", "replace")) for k, v in metadata.items())
    if size > MAX_METADATA_BYTES:
        raise S3Error(
            400,
            "MetadataTooLarge",
            "Your metadata headers exceed the maximum allowed metadata size.",
            {"MaxSizeAllowed": str(MAX_METADATA_BYTES)},
        )
    system: dict[str, str] = {}
    for name in SYSTEM_HEADERS:
        given: str | None = request.headers.get(name)
        if name == "Content-Encoding" and given is not None:
            codings = [c.strip() for c in given.split(",") if c.strip().lower() != "aws-chunked"]
            given = ", ".join(c for c in codings if c) or None
        if given is not None:
            system[name] = given
    return content_type, metadata, system


def object_response_headers(
    etag: str, content_type: str, metadata: Mapping[str, str], system: Mapping[str, str]
) -> dict[str, str]:
    """The headers GET and HEAD answer an object with (besides length and dates)."""
    headers = {"ETag": f'"{etag}"', "Content-Type": content_type, **system}
    headers.update({f"{_META}{name}": value for name, value in metadata.items()})
    return headers
