"""S3 requests signed with AWS Signature Version 4, by botocore (never a hand-written signer).

``sigv4(key, region)`` is a ``Probe`` signer: the probe calls it right
before sending, with the method, URL, headers and body it is about to send,
so what is signed is what is sent. The payload is always hashed into
``X-Amz-Content-SHA256`` (never ``UNSIGNED-PAYLOAD``): the signature then
covers the bytes, over http as over https.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conformance._harness.cloud_target import S3Key
from conformance._harness.probe import Signer

# What botocore reads from a client's config to decide whether to hash the payload.
_HASH_THE_PAYLOAD = SimpleNamespace(s3={"payload_signing_enabled": True})


def sigv4(key: S3Key, region: str) -> Signer:
    """A signer for one access-key pair and region (service ``s3``)."""

    def sign(
        method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Mapping[str, str]:
        request = AWSRequest(method=method, url=url, headers=dict(headers), data=body or b"")
        request.context["client_config"] = _HASH_THE_PAYLOAD
        credentials = Credentials(key.access_key_id, key.secret.reveal())
        S3SigV4Auth(credentials, "s3", region).add_auth(request)
        return dict(request.headers.items())

    return sign
