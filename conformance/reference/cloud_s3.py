"""The reference platform's S3 surface: a WSGI application on a listener of its own.

For every request, in order: where it points (bucket from the ``Host`` of
a virtual-hosted request or from the first path segment, key from the rest
of the path, decoded from the bytes as sent), who signed it (SigV4,
:mod:`.cloud_s3_auth`; unsigned requests are anonymous), which operation
it is (method, bucket, key and subresource parameters), and the answer,
or S3's error document. The operations are CLOUD's ``s3`` profile plus
what real migration clients call around it (HeadBucket,
GetBucketLocation, ListObjects v1, DeleteObjects, AbortMultipartUpload).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote_to_bytes

from werkzeug.wrappers import Request, Response

from .choices import ChoiceSet
from .choices.cloud_s3 import ADDRESSING
from .cloud_s3_auth import AccessKey, Authenticator
from .cloud_s3_buckets import Buckets
from .cloud_s3_call import S3Call, owned_bucket
from .cloud_s3_listing import Listing
from .cloud_s3_multipart import Multipart
from .cloud_s3_objects import Objects
from .cloud_s3_xml import S3Error, XmlWriter, not_implemented
from .cloud_store import ObjectStore

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

REGION: Final = "us-east-1"
# Listing parameters of GET on a bucket; any other parameter names a subresource.
_LIST_V1: Final = frozenset({"prefix", "delimiter", "max-keys", "marker", "encoding-type"})
_LIST_V2: Final = frozenset(
    {
        "list-type",
        "prefix",
        "delimiter",
        "max-keys",
        "continuation-token",
        "start-after",
        "encoding-type",
        "fetch-owner",
    }
)
# Parameters that never name an operation: signatures and response overrides.
_NEUTRAL_PREFIXES: Final = ("X-Amz-", "x-id", "response-")

Handler = Callable[[S3Call], Response]


def advertised_addressing(choices: ChoiceSet) -> str:
    """What the target file says of addressing: ``virtual`` when the choice prefers it."""
    return "virtual" if choices[ADDRESSING] == "virtual" else "path"


class S3Surface:
    """The S3 surface as a WSGI application."""

    def __init__(
        self,
        store: ObjectStore,
        keys: Sequence[AccessKey],
        names: Mapping[str, str],
        choices: ChoiceSet,
        hosts: Iterable[str] = ("localhost",),
        region: str = REGION,
    ) -> None:
        self._store = store
        self._auth = Authenticator(keys, region)
        self._writer = XmlWriter(choices)
        self._addressing = choices[ADDRESSING]
        self._hosts = frozenset(h.lower().strip("[]") for h in hosts)
        self._buckets = Buckets(store, self._writer, choices, region)
        self._listing = Listing(store, self._writer, choices, names)
        self._objects = Objects(store, self._writer, choices)
        self._multipart = Multipart(store, self._writer)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one WSGI request."""
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Answer one request; never raises."""
        request_id = secrets.token_hex(8).upper()
        try:
            response = self._answer(request)
        except S3Error as error:
            response = error.response(self._writer, request.method, request_id)
        except Exception:
            logger.exception("unhandled error in S3 %s %s", request.method, request.path)
            response = S3Error(
                500, "InternalError", "We encountered an internal error. Please try again."
            ).response(self._writer, request.method, request_id)
        response.headers["x-amz-request-id"] = request_id
        response.headers["x-amz-id-2"] = secrets.token_urlsafe(32)
        return response

    # -- what the request points at ---------------------------------------------------

    def _answer(self, request: Request) -> Response:
        path, query = _target(request)
        virtual = self._virtual_bucket(request.host)
        if virtual is not None:
            if self._addressing == "path":
                raise S3Error(
                    400,
                    "InvalidRequest",
                    "Virtual-hosted-style requests are not served here; name the bucket in the "
                    "path (/<bucket>/<key>).",
                )
            bucket: str | None = virtual
            key = path[1:] or None
        else:
            bucket_part, _, key_part = path[1:].partition("/")
            bucket, key = bucket_part or None, key_part or None
        signed = self._auth.authenticate(request, path, query)
        call = S3Call(request, bucket, key, dict(query), signed)
        return self._route(call)(call)

    def _virtual_bucket(self, host: str) -> str | None:
        """The bucket a ``Host`` of the form ``<bucket>.<this host>[:port]`` names."""
        name = host.lower()
        if name.startswith("["):
            return None  # an IPv6 literal names no bucket
        name = name.rsplit(":", 1)[0] if ":" in name else name
        if _is_ip(name):
            return None
        for base in self._hosts:
            if name.endswith("." + base):
                return name[: -len(base) - 1] or None
        # <bucket>.<IPv4 address>: loopback endpoints are addresses, not names.
        _, _, tail = name.partition(".")
        while tail:
            if _is_ip(tail):
                return name[: len(name) - len(tail) - 1]
            _, _, tail = tail.partition(".")
        return None

    # -- which operation it is ----------------------------------------------------------

    def _route(self, call: S3Call) -> Handler:
        method = call.request.method
        names = {n for n in call.query if not n.startswith(_NEUTRAL_PREFIXES)}
        if call.bucket is None:
            if method == "GET" and not names:
                return self._buckets.list
            raise not_implemented(f"{method} on the service")
        if call.key is None:
            return self._bucket_route(method, names)
        return self._object_route(call, method, names)

    def _bucket_route(self, method: str, names: set[str]) -> Handler:
        if method == "GET" and "list-type" in names and names <= _LIST_V2:
            return self._list_v2
        if method == "GET" and names <= _LIST_V1:
            return self._list_v1
        if method == "GET" and names == {"location"}:
            return self._buckets.location
        if method == "HEAD" and not names:
            return self._buckets.head
        if method == "PUT" and not names:
            return lambda call: self._buckets.create(call, call.bucket or "")
        if method == "DELETE" and not names:
            return self._buckets.delete
        if method == "POST" and names == {"delete"}:
            return self._buckets.delete_objects
        raise not_implemented(f"{method} on a bucket with {sorted(names)}")

    def _object_route(self, call: S3Call, method: str, names: set[str]) -> Handler:
        key = call.key or ""
        if method in ("GET", "HEAD") and not names:
            return lambda c: self._objects.get(c, key)
        if method == "PUT" and names == {"partNumber", "uploadId"}:
            return lambda c: self._multipart.upload_part(c, key)
        if method == "PUT" and not names:
            if "x-amz-copy-source" in call.request.headers:
                return lambda c: self._objects.copy(c, key)
            return lambda c: self._objects.put(c, key)
        if method == "DELETE" and names == {"uploadId"}:
            return lambda c: self._multipart.abort(c, key)
        if method == "DELETE" and not names:
            return lambda c: self._objects.delete(c, key)
        if method == "POST" and names == {"uploads"}:
            return lambda c: self._multipart.create(c, key)
        if method == "POST" and names == {"uploadId"}:
            return lambda c: self._multipart.complete(c, key)
        raise not_implemented(f"{method} on an object with {sorted(names)}")

    def _list_v2(self, call: S3Call) -> Response:
        from_owner = self._owner(call)
        if call.query.get("list-type") != "2":
            raise S3Error(400, "InvalidArgument", "list-type must be 2")
        return self._listing.v2(call.bucket or "", from_owner, call.query)

    def _list_v1(self, call: S3Call) -> Response:
        return self._listing.v1(call.bucket or "", self._owner(call), call.query)

    def _owner(self, call: S3Call) -> str:
        return owned_bucket(self._store, call).owner


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _target(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """The decoded path and query pairs, from the request target exactly as sent.

    WSGI hands the target over as Latin-1 text; its bytes are the URL's,
    whose percent-escapes are UTF-8. A key that is not UTF-8 is refused.
    """
    raw = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "/")
    if "://" in raw.split("?", 1)[0]:
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    raw_path, _, raw_query = raw.partition("?")
    try:
        path = _decoded(raw_path)
        query = [
            (_decoded(name), _decoded(value))
            for name, _, value in (pair.partition("=") for pair in raw_query.split("&") if pair)
        ]
    except UnicodeError:
        raise S3Error(400, "InvalidURI", "Couldn't parse the specified URI.") from None
    return path, query


def _decoded(text: str) -> str:
    """Percent-decode Latin-1 WSGI text to the UTF-8 it stands for."""
    return unquote_to_bytes(text.encode("latin-1")).decode("utf-8")
