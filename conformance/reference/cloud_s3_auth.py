"""AWS Signature Version 4, verified: who signed an S3 request, and the key to go on.

The canonical request, the string to sign and the signature are computed
by botocore's own ``S3SigV4Auth`` over what arrived (the headers the
client says it signed, the query without ``X-Amz-Signature``, the path),
with the secret of the access key the credential scope names, and
compared with the signature sent. Both places a signature may be are
served: the ``Authorization`` header and a presigned URL's query.

What comes out, :class:`Signed`, can sign further strings with the same
derived key: the body of a ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` upload
carries a signature per chunk, chained from the header's
(:mod:`.cloud_s3_body` checks them).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final
from urllib.parse import quote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials
from werkzeug.wrappers import Request

from .cloud_s3_xml import S3Error

ALGORITHM: Final = "AWS4-HMAC-SHA256"
UNSIGNED: Final = "UNSIGNED-PAYLOAD"
_SKEW: Final = timedelta(minutes=15)
_MAX_EXPIRES: Final = 604800
_TIMESTAMP: Final = "%Y%m%dT%H%M%SZ"
_PAYLOAD: Final = re.compile(
    r"[0-9a-f]{64}|UNSIGNED-PAYLOAD|STREAMING-(AWS4-HMAC-SHA256-PAYLOAD(-TRAILER)?"
    r"|UNSIGNED-PAYLOAD-TRAILER)"
)
_FIELD: Final = re.compile(r"\s*(Credential|SignedHeaders|Signature)\s*=\s*([^,\s]*)\s*")


@dataclass(frozen=True)
class AccessKey:
    """An access key pair and whose it is."""

    key_id: str
    secret: str
    user: str
    account: str


class _Verifier(S3SigV4Auth):
    """botocore's S3 signer, told which headers the client signed.

    botocore picks the headers to sign itself (all but a few); a verifier
    must take exactly the ones the request names in ``SignedHeaders``.
    """

    def __init__(self, key: AccessKey, region: str, signed: HTTPHeaders) -> None:
        super().__init__(Credentials(key.key_id, key.secret), "s3", region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        return self._signed


@dataclass(frozen=True)
class Signed:
    """A request whose signature was verified: who signed it, and how to sign on."""

    user: str
    account: str
    payload: str
    """The ``x-amz-content-sha256`` the signature covers (``UNSIGNED-PAYLOAD`` presigned)."""
    signature: str
    timestamp: str
    scope: str
    """``<date>/<region>/s3/aws4_request``."""
    verifier: _Verifier
    request: AWSRequest

    def sign(self, string_to_sign: str) -> str:
        """The hex signature of ``string_to_sign`` with this request's derived key."""
        return str(self.verifier.signature(string_to_sign, self.request))


class Authenticator:
    """Verifies SigV4 signatures against the platform's access keys."""

    def __init__(
        self,
        keys: Sequence[AccessKey],
        region: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._keys = {key.key_id: key for key in keys}
        self._region = region
        self._clock = clock

    def authenticate(
        self, request: Request, path: str, query: Sequence[tuple[str, str]]
    ) -> Signed | None:
        """Verify the request's signature; None for an unsigned (anonymous) request.

        ``path`` is the decoded path as the client addressed it, ``query``
        the decoded query pairs in order.
        """
        names = {name for name, _ in query}
        header = request.headers.get("Authorization")
        if header is not None:
            return self._header_auth(request, header, path, query)
        if "X-Amz-Algorithm" in names or "X-Amz-Signature" in names:
            return self._query_auth(request, path, query)
        if "Signature" in names and "AWSAccessKeyId" in names:
            raise _v2_refused()
        return None

    # -- the two places a signature may be ------------------------------------------

    def _header_auth(
        self, request: Request, header: str, path: str, query: Sequence[tuple[str, str]]
    ) -> Signed:
        scheme, _, rest = header.strip().partition(" ")
        if scheme == "AWS":
            raise _v2_refused()
        if scheme != ALGORITHM:
            raise S3Error(400, "InvalidArgument", "Unsupported Authorization Type")
        fields: dict[str, str] = {
            match.group(1): match.group(2)
            for match in map(_FIELD.fullmatch, rest.split(","))
            if match
        }
        if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
            raise S3Error(
                400,
                "AuthorizationHeaderMalformed",
                "The authorization header is malformed; it needs Credential, SignedHeaders "
                "and Signature.",
            )
        payload = request.headers.get("x-amz-content-sha256")
        if payload is None:
            raise S3Error(
                400,
                "InvalidRequest",
                "Missing required header for this request: x-amz-content-sha256",
            )
        if not _PAYLOAD.fullmatch(payload):
            raise S3Error(
                400,
                "InvalidArgument",
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-… value, or a "
                "valid sha256 value.",
                {"ArgumentName": "x-amz-content-sha256", "ArgumentValue": payload},
            )
        timestamp = self._timestamp(request)
        return self._verify(
            request,
            path,
            query,
            fields["Credential"],
            fields["SignedHeaders"],
            fields["Signature"],
            timestamp,
            payload,
        )

    def _query_auth(self, request: Request, path: str, query: Sequence[tuple[str, str]]) -> Signed:
        params = dict(query)
        needed = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires")
        missing = [
            name
            for name in (*needed, "X-Amz-SignedHeaders", "X-Amz-Signature")
            if name not in params
        ]
        if missing or params["X-Amz-Algorithm"] != ALGORITHM:
            raise S3Error(
                400,
                "AuthorizationQueryParametersError",
                f"Query-string authentication version 4 requires the {', '.join(needed)}, "
                "X-Amz-SignedHeaders and X-Amz-Signature parameters.",
            )
        timestamp = params["X-Amz-Date"]
        signed_at = _parse_timestamp(timestamp)
        expires = params["X-Amz-Expires"]
        if not expires.isdigit() or int(expires) > _MAX_EXPIRES:
            raise S3Error(
                400,
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be a number of seconds from 0 to 604800.",
            )
        now = self._clock()
        if now > signed_at + timedelta(seconds=int(expires)):
            raise S3Error(403, "AccessDenied", "Request has expired")
        if signed_at - now > _SKEW:
            raise S3Error(403, "RequestTimeTooSkewed", "The request was signed in the future.")
        unsigned = [(n, v) for n, v in query if n != "X-Amz-Signature"]
        payload = request.headers.get("x-amz-content-sha256", UNSIGNED)
        return self._verify(
            request,
            path,
            unsigned,
            params["X-Amz-Credential"],
            params["X-Amz-SignedHeaders"],
            params["X-Amz-Signature"],
            timestamp,
            payload,
        )

    # -- shared -----------------------------------------------------------------------

    def _timestamp(self, request: Request) -> str:
        amz_date = request.headers.get("x-amz-date")
        if amz_date is not None:
            when = _parse_timestamp(amz_date)
        else:
            date = request.headers.get("Date")
            try:
                when = parsedate_to_datetime(date or "")
            except (TypeError, ValueError):
                raise S3Error(
                    403,
                    "AccessDenied",
                    "AWS authentication requires a valid Date or x-amz-date header",
                ) from None
            amz_date = when.astimezone(UTC).strftime(_TIMESTAMP)
        if abs(self._clock() - when) > _SKEW:
            raise S3Error(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )
        return amz_date

    def _verify(
        self,
        request: Request,
        path: str,
        query: Sequence[tuple[str, str]],
        credential: str,
        signed_headers: str,
        signature: str,
        timestamp: str,
        payload: str,
    ) -> Signed:
        key_id, date, region, service, terminator = (credential.split("/") + [""] * 5)[:5]
        key = self._keys.get(key_id)
        if key is None:
            raise S3Error(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                {"AWSAccessKeyId": key_id},
            )
        if region != self._region or service != "s3" or terminator != "aws4_request":
            raise S3Error(
                400,
                "AuthorizationHeaderMalformed",
                f"The authorization header is malformed; the credential scope {credential!r} "
                f"should be <key>/<date>/{self._region}/s3/aws4_request.",
                {"Region": self._region},
            )
        if date != timestamp[:8]:
            raise S3Error(
                400,
                "AuthorizationHeaderMalformed",
                f"The credential date {date!r} is not the date of the request {timestamp!r}.",
            )
        names = [name.strip().lower() for name in signed_headers.split(";") if name.strip()]
        if "host" not in names:
            raise S3Error(400, "AuthorizationHeaderMalformed", "SignedHeaders must include host.")
        headers = HTTPHeaders()
        for name in names:
            for value in request.headers.getlist(name):
                headers[name] = value
        verifier = _Verifier(key, region, headers)
        for canonical_path in dict.fromkeys((quote(path, safe="/~"), _raw_path(request))):
            aws = AWSRequest(
                method=request.method,
                url=f"http://{request.host}{canonical_path}",
                params=dict(query),
            )
            aws.headers["X-Amz-Content-SHA256"] = payload
            aws.context["timestamp"] = timestamp
            canonical = verifier.canonical_request(aws)
            expected = verifier.signature(verifier.string_to_sign(aws, canonical), aws)
            if hmac.compare_digest(str(expected), signature):
                scope = verifier.credential_scope(aws)
                return Signed(
                    key.user, key.account, payload, signature, timestamp, scope, verifier, aws
                )
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            {"AWSAccessKeyId": key_id},
        )


def _raw_path(request: Request) -> str:
    """The path exactly as it was sent (some clients sign it as they send it)."""
    raw = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "/")
    return raw.split("?", 1)[0]


def _parse_timestamp(text: str) -> datetime:
    try:
        return datetime.strptime(text, _TIMESTAMP).replace(tzinfo=UTC)
    except ValueError:
        raise S3Error(
            400,
            "AuthorizationHeaderMalformed",
            f"The date {text!r} is not of the form YYYYMMDD'T'HHMMSS'Z'.",
        ) from None


def _v2_refused() -> S3Error:
    return S3Error(
        400,
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. "
        "Please use AWS4-HMAC-SHA256.",
    )


def access_keys(
    keys: Mapping[str, tuple[str, str]], accounts: Mapping[str, str]
) -> list[AccessKey]:
    """The platform's key pairs (user → (key id, secret)) with their users' accounts."""
    return [AccessKey(kid, secret, user, accounts[user]) for user, (kid, secret) in keys.items()]
