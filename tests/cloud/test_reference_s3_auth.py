"""The reference's S3 surface: signatures, streaming uploads, addressing and XML as sent.

Signatures are verified for real: AWS's published streaming-upload example
(its seed and chunk signatures) is accepted and a corrupted chunk refused;
botocore's own aws-chunked encoder (with a CRC32 trailer) uploads; presigned
URLs work and tampered ones do not; a ``Host: <bucket>.<host>`` request
addresses the bucket. The raw bodies take every XML choice.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import botocore.session
import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from conformance.reference.choices import choice_set
from conformance.reference.choices.cloud_s3 import (
    ADDRESSING,
    CONTINUATION_TOKEN,
    MAX_KEYS_CAP,
)
from conformance.reference.cloud_s3_auth import AccessKey, Authenticator
from conformance.reference.cloud_s3_body import payload
from conformance.reference.cloud_s3_xml import S3Error
from conformance.reference.server import ReferencePlatform

TIMEOUT = 10
# AWS's example of a signed streaming upload ("Signature Calculations for the
# Authorization Header: Transferring Payload in Multiple Chunks").
EXAMPLE_KEY = AccessKey(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "example", "acct"
)
EXAMPLE_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
EXAMPLE_CHUNKS = (
    (65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
    (1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
    (0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
)


def _example_request(corrupt: bool = False) -> Request:
    body = b""
    for size, signature in EXAMPLE_CHUNKS:
        data = bytearray(b"a" * size)
        if corrupt and size == 1024:
            data[10] = ord("b")
        body += f"{size:x};chunk-signature={signature}\r\n".encode() + bytes(data) + b"\r\n"
    headers = {
        "Host": "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/"
        "s3/aws4_request,SignedHeaders=content-encoding;content-length;host;"
        "x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"
        f"Signature={EXAMPLE_SEED}",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
    }
    environ = EnvironBuilder(
        "/examplebucket/chunkObject.txt", method="PUT", headers=list(headers.items()), data=body
    ).get_environ()
    return Request(environ)


def _example_authenticator() -> Authenticator:
    return Authenticator([EXAMPLE_KEY], "us-east-1", lambda: datetime(2013, 5, 24, tzinfo=UTC))


def test_aws_published_streaming_example_is_accepted() -> None:
    request = _example_request()
    assert request.content_length == 66824  # as AWS's example states
    signed = _example_authenticator().authenticate(request, "/examplebucket/chunkObject.txt", [])
    assert signed is not None and signed.signature == EXAMPLE_SEED
    assert b"".join(payload(request, signed)) == b"a" * 66560


def test_a_corrupted_chunk_of_the_example_is_refused() -> None:
    request = _example_request(corrupt=True)
    signed = _example_authenticator().authenticate(request, "/examplebucket/chunkObject.txt", [])
    with pytest.raises(S3Error) as refused:
        b"".join(payload(request, signed))
    assert (refused.value.status, refused.value.code) == (403, "SignatureDoesNotMatch")


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[ReferencePlatform]:
    with ReferencePlatform(tmp_path / "p") as running:
        yield running


def _credentials(platform: ReferencePlatform, user: str = "alice") -> Credentials:
    key_id, secret = platform.identities.s3_keys[user]
    return Credentials(key_id, secret)


def send(
    platform: ReferencePlatform,
    method: str,
    path: str,
    *,
    host: str | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    signer: type[S3SigV4Auth] = S3SigV4Auth,
    context: dict[str, Any] | None = None,
    sent_body: Any = None,
) -> requests.Response:
    """Sign with botocore (``Host`` as given) and send to the surface's address."""
    host = host or urlsplit(platform.s3_endpoint).netloc
    request = AWSRequest(
        method=method,
        url=f"http://{host}{path}",
        data=body,
        headers={"Host": host, **(headers or {})},
    )
    request.context.update(context or {})
    signer(_credentials(platform), "s3", "us-east-1").add_auth(request)
    return requests.request(
        method,
        platform.s3_endpoint + path,
        data=body if sent_body is None else sent_body,
        headers=dict(request.headers.items()),
        timeout=TIMEOUT,
    )


def test_virtual_hosted_requests_name_the_bucket_in_the_host(platform: ReferencePlatform) -> None:
    port = urlsplit(platform.s3_endpoint).port
    vhost = f"vhost-bucket.127.0.0.1:{port}"
    assert send(platform, "PUT", "/", host=vhost).status_code == 200
    put = send(platform, "PUT", "/dir/a%20key", host=vhost, body=b"virtual")
    assert put.status_code == 200, put.text
    assert send(platform, "GET", "/dir/a%20key", host=vhost).content == b"virtual"
    # The same object, path-style.
    assert send(platform, "GET", "/vhost-bucket/dir/a%20key").content == b"virtual"
    listing = send(platform, "GET", "/?list-type=2", host=vhost)
    assert b"<Key>dir/a key</Key>" in listing.content


def test_path_only_choice_refuses_virtual_hosted_requests(tmp_path: Path) -> None:
    choices = choice_set("default").replacing((ADDRESSING, "path"))
    with ReferencePlatform(tmp_path / "p", choices=choices) as running:
        port = urlsplit(running.s3_endpoint).port
        refused = send(running, "PUT", "/", host=f"nope.127.0.0.1:{port}")
        assert refused.status_code == 400 and b"<Code>InvalidRequest</Code>" in refused.content


def test_a_payload_that_does_not_match_its_signed_hash_is_refused(
    platform: ReferencePlatform,
) -> None:
    send(platform, "PUT", "/hashes")
    answer = send(platform, "PUT", "/hashes/k", body=b"signed", sent_body=b"sent!!")
    assert answer.status_code == 400
    assert b"<Code>XAmzContentSHA256Mismatch</Code>" in answer.content
    assert send(platform, "GET", "/hashes/k").status_code == 404


def test_a_stale_signature_is_refused(platform: ReferencePlatform) -> None:
    old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 3600))

    class Stale(S3SigV4Auth):
        def _set_necessary_date_headers(self, request: AWSRequest) -> None:
            request.context["timestamp"] = old
            request.headers["X-Amz-Date"] = old

    answer = send(platform, "GET", "/", signer=Stale)
    assert answer.status_code == 403 and b"<Code>RequestTimeTooSkewed</Code>" in answer.content


class _StreamingSigned(S3SigV4Auth):
    def payload(self, request: AWSRequest) -> str:
        return "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


def test_a_signed_streaming_upload_over_http(platform: ReferencePlatform) -> None:
    send(platform, "PUT", "/streaming")
    data = bytes(range(256)) * 300
    path = "/streaming/chunked"
    host = urlsplit(platform.s3_endpoint).netloc
    request = AWSRequest(
        method="PUT",
        url=f"http://{host}{path}",
        headers={
            "Host": host,
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(data)),
            "Content-Type": "text/x-streamed",
        },
    )
    signer = _StreamingSigned(_credentials(platform), "s3", "us-east-1")
    signer.add_auth(request)
    previous = str(request.headers["Authorization"]).rsplit("Signature=", 1)[1]
    scope = signer.credential_scope(request)
    body = b""
    for chunk in (data[:40000], data[40000:], b""):
        string = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                request.context["timestamp"],
                scope,
                previous,
                hashlib.sha256(b"").hexdigest(),
                hashlib.sha256(chunk).hexdigest(),
            ]
        )
        previous = signer.signature(string, request)
        body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + chunk + b"\r\n"
    put = requests.put(
        platform.s3_endpoint + path,
        data=body,
        headers=dict(request.headers.items()),
        timeout=TIMEOUT,
    )
    assert put.status_code == 200, put.text
    got = send(platform, "GET", path)
    assert got.content == data
    assert got.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert got.headers["Content-Type"] == "text/x-streamed"
    assert "Content-Encoding" not in got.headers  # aws-chunked framed the upload only


@pytest.mark.parametrize("tamper", [False, True])
def test_botocore_aws_chunked_upload_with_a_crc32_trailer(
    platform: ReferencePlatform, tamper: bool
) -> None:
    send(platform, "PUT", "/trailers")
    data = b"trailer payload " * 5000
    context = {
        "checksum": {
            "request_algorithm": {
                "in": "trailer",
                "algorithm": "crc32",
                "name": "x-amz-checksum-crc32",
            }
        }
    }
    headers = {
        "Content-Encoding": "aws-chunked",
        "X-Amz-Trailer": "x-amz-checksum-crc32",
        "X-Amz-Decoded-Content-Length": str(len(data)),
    }
    encoded = b"".join(
        AwsChunkedWrapper(
            io.BytesIO(data),
            checksum_cls=Crc32Checksum,
            checksum_name="x-amz-checksum-crc32",
            chunk_size=16384,
        )
    )
    if tamper:
        encoded = encoded.replace(b"x-amz-checksum-crc32:", b"x-amz-checksum-crc32:AAAA")
    # A generator: requests sends it with Transfer-Encoding: chunked, as botocore does.
    answer = send(
        platform,
        "PUT",
        "/trailers/k",
        headers=headers,
        context=context,
        sent_body=iter([encoded[:1000], encoded[1000:]]),
    )
    if tamper:
        assert answer.status_code == 400 and b"<Code>BadDigest</Code>" in answer.content
        return
    assert answer.status_code == 200, answer.text
    assert send(platform, "GET", "/trailers/k").content == data


def test_presigned_urls_work_and_tampered_ones_do_not(platform: ReferencePlatform) -> None:
    key_id, secret = platform.identities.s3_keys["alice"]
    client: Any = botocore.session.get_session().create_client(
        "s3",
        endpoint_url=platform.s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )
    client.create_bucket(Bucket="presigned")
    put_url = client.generate_presigned_url(
        "put_object", Params={"Bucket": "presigned", "Key": "a b+c"}, ExpiresIn=60
    )
    assert requests.put(put_url, data=b"presigned body", timeout=TIMEOUT).status_code == 200
    get_url = client.generate_presigned_url(
        "get_object", Params={"Bucket": "presigned", "Key": "a b+c"}, ExpiresIn=60
    )
    assert requests.get(get_url, timeout=TIMEOUT).content == b"presigned body"
    typed_url = client.generate_presigned_url(
        "get_object",
        Params={"Bucket": "presigned", "Key": "a b+c", "ResponseContentType": "text/x-asked"},
        ExpiresIn=60,
    )
    assert requests.get(typed_url, timeout=TIMEOUT).headers["Content-Type"] == "text/x-asked"
    tampered = get_url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
    refused = requests.get(tampered, timeout=TIMEOUT)
    assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content
    other_key = get_url.replace(quote("a b+c"), "other")
    assert requests.get(other_key, timeout=TIMEOUT).status_code == 403


@pytest.mark.parametrize("choices", ["default", "alt"])
def test_xml_bodies_take_the_chosen_form(tmp_path: Path, choices: str) -> None:
    with ReferencePlatform(tmp_path / "p", choices=choice_set(choices)) as running:
        send(running, "PUT", "/xml-form")
        send(running, "PUT", "/xml-form/k", body=b"x")
        listing = send(running, "GET", "/xml-form?list-type=2").content
        error = send(running, "GET", "/xml-form/missing").content
    etag = hashlib.md5(b"x").hexdigest()
    assert error.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Error>')
    assert b"<Code>NoSuchKey</Code>" in error and b"<Key>missing</Key>" in error
    if choices == "default":
        assert b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' in listing
        assert f"<ETag>&quot;{etag}&quot;</ETag>".encode() in listing
        assert b"\n  <" not in listing
    else:
        assert b"<ListBucketResult>\n  <Name>xml-form</Name>" in listing
        assert f'<ETag>"{etag}"</ETag>'.encode() in listing


@pytest.mark.parametrize("style", ["opaque", "handle", "key"])
def test_every_token_style_pages_through_awkward_keys(tmp_path: Path, style: str) -> None:
    choices = choice_set("default").replacing((CONTINUATION_TOKEN, style), (MAX_KEYS_CAP, 2))
    keys = ["a&b", "a<b>", "a b", "a+b", "a/1", "a/2", "b", "日本", "z%2F"]
    with ReferencePlatform(tmp_path / "p", choices=choices) as running:
        key_id, secret = running.identities.s3_keys["alice"]
        client: Any = botocore.session.get_session().create_client(
            "s3",
            endpoint_url=running.s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=Config(s3={"addressing_style": "path"}),
        )
        client.create_bucket(Bucket="tokens")
        for key in keys:
            client.put_object(Bucket="tokens", Key=key, Body=b"")
        seen: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket="tokens", Delimiter="/"
        ):
            seen += [o["Key"] for o in page.get("Contents", [])]
            seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            assert page["KeyCount"] <= 2
        if style != "key":  # there, any string is a key to start after
            with pytest.raises(client.exceptions.ClientError) as bad:
                client.list_objects_v2(Bucket="tokens", ContinuationToken="not-a-token!")
            assert bad.value.response["Error"]["Code"] == "InvalidArgument"
    expected = sorted([k for k in keys if "/" not in k] + ["a/"], key=lambda k: k.encode())
    assert sorted(seen, key=lambda k: k.encode()) == expected
