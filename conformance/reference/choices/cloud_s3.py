"""CLOUD's open choices on the S3 surface (see ../../../docs/CHOICES.md).

The draft asks for "a subset of the S3 API, XML bodies as S3 defines
them": where S3 itself, or the S3 services real clients talk to, write a
thing more than one way, a conformant platform may take any of those
ways, and every option here is one that botocore, the AWS SDKs and rclone
accept. The reference's S3 surface (:mod:`conformance.reference.cloud_s3`)
takes the option its ``ChoiceSet`` names.
"""

from __future__ import annotations

from typing import Any, Final

from .common import C5_EXTENSIBLE
from .core import Choice

_S3: Final = 'CLOUD, Profile `s3`: "a subset of the S3 API, XML bodies as S3 defines them"'
_PAGING: Final = 'CLOUD-103: "(a page may hold fewer keys than `max-keys`)"'

XML_NAMESPACE: Final = Choice(
    "cloud.s3.xml_namespace",
    default="s3",
    alt="none",
    source=_S3 + " (S3 declares its namespace; S3-compatible services such as Ceph RGW and "
    "MinIO sometimes do not, and clients match element names)",
    description="Whether result documents declare "
    '`xmlns="http://s3.amazonaws.com/doc/2006-03-01/"` (`s3`) or no namespace (`none`); '
    "error documents never do, as in S3.",
)
XML_LAYOUT: Final = Choice(
    "cloud.s3.xml_layout",
    default="compact",
    alt="pretty",
    source=_S3 + "; XML 1.0: whitespace between elements is not content",
    description="XML bodies on one line (`compact`) or indented, one element a line (`pretty`).",
)
MAX_KEYS_CAP: Final = Choice(
    "cloud.s3.max_keys_cap",
    default=1000,
    alt=3,
    strict=1,
    source=_PAGING + '; S3: "returns up to 1,000 key names … the response might contain fewer '
    'keys"',
    description="Most keys and common prefixes on one listing page, whatever larger "
    "`max-keys` is asked for (`MaxKeys` still echoes the request).",
)
CONTINUATION_TOKEN: Final = Choice(
    "cloud.s3.continuation_token",
    default="opaque",
    alt="handle",
    others=("key",),
    source='CLOUD-103: "a reply to a request that carried a `continuation-token` echoes it"; '
    'S3: "`ContinuationToken` is obfuscated and is not a real key"',
    description="`NextContinuationToken`: standard base64 of the position (with `+`, `/` and "
    "`=`, so clients must encode it), a random handle the server remembers (`handle`), or the "
    "last key or common prefix itself, any character included (`key`).",
)
GET_FRAMING: Final = Choice(
    "cloud.s3.get_framing",
    default="length",
    alt="chunked",
    source="RFC 9112 §6: a response body is framed by `Content-Length` or by chunked "
    "transfer coding; " + _S3,
    description="GetObject bodies framed by `Content-Length` or sent with "
    "`Transfer-Encoding: chunked` (HeadObject still states `Content-Length`).",
)
LISTING_ETAG: Final = Choice(
    "cloud.s3.listing_etag",
    default="entity",
    alt="literal",
    source=_S3 + ' (S3 writes `<ETag>&quot;…&quot;</ETag>`; XML 1.0 lets `"` stand as itself '
    "in text)",
    description="The quotes around an ETag in listing and result bodies: `&quot;` "
    '(`entity`, as S3 writes them) or a literal `"` (`literal`).',
)
URL_ENCODING: Final = Choice(
    "cloud.s3.url_encoding",
    default="plus",
    alt="percent",
    source='CLOUD-106: "round-trip through … a listing (read with `encoding-type=url`)"; '
    "S3 form-encodes (space as `+`), and a client decodes either form the same way",
    description="How `encoding-type=url` writes keys and prefixes: space as `+` (`plus`, as "
    "S3 does) or as `%20` (`percent`); `/` stays as it is, `+` is `%2B` in both.",
)
DELETE_STATUS: Final = Choice(
    "cloud.s3.delete_status",
    default=204,
    alt=200,
    source=_S3 + " (S3 answers 204; botocore, the AWS SDKs and rclone take any 2xx as "
    "success); " + C5_EXTENSIBLE,
    description="Status of a successful DeleteObject and DeleteBucket.",
)
ADDRESSING: Final = Choice(
    "cloud.s3.addressing",
    default="both",
    alt="virtual",
    others=("path",),
    source="CLOUD target file: `addressing: path | virtual`; S3 serves path-style and "
    "virtual-hosted-style requests, and some S3-compatible services path-style only",
    description="Which requests name a bucket, and what the target file says: `both` (the "
    "file says `path`); `virtual`: both, the file says `virtual`, so the suite sends "
    "`Host: <bucket>.<host>`; `path`: path-style only (`/<bucket>/…`), a `Host` naming a "
    "bucket is refused. Path-style stays served under `virtual`, since botocore sends "
    "GetBucketLocation path-style whatever it is told.",
)
OWN_BUCKET_AGAIN: Final = Choice(
    "cloud.s3.own_bucket_again",
    default=409,
    alt=200,
    source=_S3 + " (S3 answers `BucketAlreadyOwnedByYou` (409) in most regions and 200 in "
    "us-east-1)",
    description="Status of a CreateBucket for a bucket the caller already owns.",
)

CHOICES: Final[tuple[Choice[Any], ...]] = (
    XML_NAMESPACE,
    XML_LAYOUT,
    MAX_KEYS_CAP,
    CONTINUATION_TOKEN,
    GET_FRAMING,
    LISTING_ETAG,
    URL_ENCODING,
    DELETE_STATUS,
    ADDRESSING,
    OWN_BUCKET_AGAIN,
)
