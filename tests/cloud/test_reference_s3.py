"""The reference's S3 surface, driven by botocore's own S3 client under default and alt choices.

botocore is the client most S3 tools are built on (the AWS CLI, boto3): if it
cannot use the surface, no check result on it means anything. Under ``alt``
the surface serves virtual-hosted requests only; botocore then addresses
``<bucket>.localhost``, which the test resolves to loopback.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conformance.reference.choices import choice_set
from conformance.reference.cloud_s3 import advertised_addressing
from conformance.reference.server import ReferencePlatform

MiB = 1 << 20
KEYS = [
    "a.txt",
    "b/1",
    "b/2",
    "b/c/3",
    "b/c/4",
    "b+plus",
    "b space",
    "c%41percent",
    "d/e/f/g",
    "z",
    "Ä",
    "ä/x",
    "日本語/ファイル",
    "한국어",
    "emoji 😀",
    "\u00a0nbsp",
    "tab\tkey",
    "x" * 1024,
    "é" * 512,
]


@pytest.fixture(params=["default", "alt"])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReferencePlatform]:
    with ReferencePlatform(tmp_path / "p", choices=choice_set(request.param)) as running:
        yield running


@pytest.fixture(autouse=True)
def localhost_subdomains(monkeypatch: pytest.MonkeyPatch) -> None:
    """``<bucket>.localhost`` resolves to loopback, as systemd-resolved and browsers do."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def s3(platform: ReferencePlatform, user: str | None = "alice", secret: str | None = None) -> Any:
    """botocore's S3 client for ``user`` (None: anonymous), addressing as the platform says."""
    virtual = advertised_addressing(platform.choices) == "virtual"
    endpoint = platform.s3_endpoint
    if virtual:
        endpoint = endpoint.replace("127.0.0.1", "localhost")
    key_id, real_secret = platform.identities.s3_keys.get(user or "", ("x", "y"))
    config = Config(
        s3={"addressing_style": "virtual" if virtual else "path"},
        retries={"max_attempts": 1},
        signature_version=UNSIGNED if user is None else "s3v4",
    )
    return botocore.session.get_session().create_client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret or real_secret,
        config=config,
    )


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = excinfo.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def utf8_sorted(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def test_buckets_are_created_listed_and_deleted_by_their_owner(
    platform: ReferencePlatform,
) -> None:
    alice, bob = s3(platform), s3(platform, "bob")
    alice.create_bucket(Bucket="alice-one")
    alice.create_bucket(Bucket="alice-two")
    bob.create_bucket(Bucket="bob-one")
    assert [b["Name"] for b in alice.list_buckets()["Buckets"]] == ["alice-one", "alice-two"]
    assert [b["Name"] for b in bob.list_buckets()["Buckets"]] == ["bob-one"]
    assert alice.head_bucket(Bucket="alice-one")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert alice.get_bucket_location(Bucket="alice-one").get("LocationConstraint") is None
    with pytest.raises(ClientError) as taken:
        bob.create_bucket(Bucket="alice-one")
    assert error_of(taken) == (409, "BucketAlreadyExists")
    with pytest.raises(ClientError) as invalid:
        alice.create_bucket(Bucket="No_Such")
    assert error_of(invalid) == (400, "InvalidBucketName")
    alice.put_object(Bucket="alice-one", Key="k", Body=b"x")
    with pytest.raises(ClientError) as full:
        alice.delete_bucket(Bucket="alice-one")
    assert error_of(full) == (409, "BucketNotEmpty")
    alice.delete_object(Bucket="alice-one", Key="k")
    alice.delete_bucket(Bucket="alice-one")
    with pytest.raises(ClientError) as gone:
        alice.head_bucket(Bucket="alice-one")
    assert error_of(gone)[0] == 404


@pytest.mark.parametrize("size", [0, 1, 65537, 3 * MiB + 7])
def test_objects_round_trip_with_type_metadata_and_md5_etag(
    platform: ReferencePlatform, size: int
) -> None:
    alice = s3(platform)
    alice.create_bucket(Bucket="objects")
    data = bytes(i * 7 % 251 for i in range(size))
    put = alice.put_object(
        Bucket="objects",
        Key="dir/obj.bin",
        Body=data,
        ContentType="application/x-test; charset=latin-1",
        Metadata={"Color": "Blue  and  green", "empty": "", "x-y": "a=b;c"},
        CacheControl="no-cache",
    )
    assert put["ETag"] == f'"{md5(data)}"'
    got = alice.get_object(Bucket="objects", Key="dir/obj.bin")
    assert got["Body"].read() == data
    head = alice.head_object(Bucket="objects", Key="dir/obj.bin")
    for answer in (got, head):
        assert answer["ETag"] == f'"{md5(data)}"'
        assert answer["ContentType"] == "application/x-test; charset=latin-1"
        assert answer["Metadata"] == {"color": "Blue  and  green", "empty": "", "x-y": "a=b;c"}
        assert answer["CacheControl"] == "no-cache"
    # A GET may be chunked (alt); HEAD always states the length.
    assert head["ContentLength"] == size
    alice.delete_object(Bucket="objects", Key="dir/obj.bin")
    with pytest.raises(ClientError) as missing:
        alice.get_object(Bucket="objects", Key="dir/obj.bin")
    assert error_of(missing) == (404, "NoSuchKey")
    # Deleting what is not there is a success, as in S3.
    alice.delete_object(Bucket="objects", Key="dir/obj.bin")


def test_multipart_upload_has_the_s3_etag_and_the_bytes(platform: ReferencePlatform) -> None:
    alice = s3(platform)
    alice.create_bucket(Bucket="multi")
    parts = [b"a" * (5 * MiB), bytes(range(256)) * 4097, b"end"]
    upload = alice.create_multipart_upload(
        Bucket="multi", Key="big", ContentType="text/x-big", Metadata={"origin": "test"}
    )["UploadId"]
    etags = [
        alice.upload_part(Bucket="multi", Key="big", UploadId=upload, PartNumber=n + 1, Body=body)[
            "ETag"
        ]
        for n, body in enumerate(parts[:2])
    ]
    assert etags == [f'"{md5(p)}"' for p in parts[:2]]
    # A second PartNumber 2 replaces the first one.
    etags[1] = alice.upload_part(
        Bucket="multi", Key="big", UploadId=upload, PartNumber=2, Body=parts[1] + parts[2]
    )["ETag"]
    done = alice.complete_multipart_upload(
        Bucket="multi",
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]},
    )
    expected = md5(bytes.fromhex(md5(parts[0])) + bytes.fromhex(md5(parts[1] + parts[2])))
    assert done["ETag"] == f'"{expected}-2"'
    got = alice.get_object(Bucket="multi", Key="big")
    assert got["Body"].read() == b"".join(parts)
    assert (got["ETag"], got["ContentType"], got["Metadata"]) == (
        f'"{expected}-2"',
        "text/x-big",
        {"origin": "test"},
    )
    listed = alice.list_objects_v2(Bucket="multi")["Contents"]
    assert [(o["Key"], o["ETag"], o["Size"]) for o in listed] == [
        ("big", f'"{expected}-2"', sum(map(len, parts)))
    ]


def test_multipart_rules_small_parts_order_and_abort(platform: ReferencePlatform) -> None:
    alice = s3(platform)
    alice.create_bucket(Bucket="multi-rules")
    upload = alice.create_multipart_upload(Bucket="multi-rules", Key="k")["UploadId"]
    small = [
        alice.upload_part(
            Bucket="multi-rules", Key="k", UploadId=upload, PartNumber=n, Body=b"tiny"
        )["ETag"]
        for n in (1, 2)
    ]
    listed = [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), small, strict=True)]
    with pytest.raises(ClientError) as too_small:
        alice.complete_multipart_upload(
            Bucket="multi-rules", Key="k", UploadId=upload, MultipartUpload={"Parts": listed}
        )
    assert error_of(too_small) == (400, "EntityTooSmall")
    with pytest.raises(ClientError) as order:
        alice.complete_multipart_upload(
            Bucket="multi-rules",
            Key="k",
            UploadId=upload,
            MultipartUpload={"Parts": listed[::-1]},
        )
    assert error_of(order) == (400, "InvalidPartOrder")
    with pytest.raises(ClientError) as wrong:
        alice.complete_multipart_upload(
            Bucket="multi-rules",
            Key="k",
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]},
        )
    assert error_of(wrong) == (400, "InvalidPart")
    # The last part alone may be small.
    alice.complete_multipart_upload(
        Bucket="multi-rules", Key="k", UploadId=upload, MultipartUpload={"Parts": listed[:1]}
    )
    assert alice.get_object(Bucket="multi-rules", Key="k")["Body"].read() == b"tiny"
    second = alice.create_multipart_upload(Bucket="multi-rules", Key="k2")["UploadId"]
    alice.abort_multipart_upload(Bucket="multi-rules", Key="k2", UploadId=second)
    with pytest.raises(ClientError) as aborted:
        alice.upload_part(Bucket="multi-rules", Key="k2", UploadId=second, PartNumber=1, Body=b"x")
    assert error_of(aborted) == (404, "NoSuchUpload")


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=100-199", 100, 199),
        ("bytes=-5", 995, 999),
        ("bytes=990-", 990, 999),
        ("bytes=995-5000", 995, 999),
    ],
)
def test_ranges_answer_206_with_exactly_those_bytes(
    platform: ReferencePlatform, header: str, first: int, last: int
) -> None:
    alice = s3(platform)
    alice.create_bucket(Bucket="ranges")
    data = bytes(i % 256 for i in range(1000))
    alice.put_object(Bucket="ranges", Key="r", Body=data)
    got = alice.get_object(Bucket="ranges", Key="r", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes {first}-{last}/1000"
    assert got["Body"].read() == data[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000"])
def test_an_unsatisfiable_range_answers_416(platform: ReferencePlatform, header: str) -> None:
    alice = s3(platform)
    alice.create_bucket(Bucket="ranges")
    alice.put_object(Bucket="ranges", Key="r", Body=b"x" * 1000)
    with pytest.raises(ClientError) as refused:
        alice.get_object(Bucket="ranges", Key="r", Range=header)
    assert error_of(refused) == (416, "InvalidRange")
    headers = refused.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-range"] == "bytes */1000"


def _list_v2(client: Any, bucket: str, **params: Any) -> tuple[list[str], list[str], int]:
    """Every key and common prefix, page by page; checks the token echo on the way."""
    keys: list[str] = []
    prefixes: list[str] = []
    pages, token = 0, None
    while True:
        extra: dict[str, str] = {"ContinuationToken": token} if token else {}
        page = client.list_objects_v2(Bucket=bucket, **params, **extra)
        pages += 1
        assert page.get("ContinuationToken") == token
        assert page["KeyCount"] == len(page.get("Contents", [])) + len(
            page.get("CommonPrefixes", [])
        )
        assert page["KeyCount"] <= params.get("MaxKeys", 1000)
        keys += [o["Key"] for o in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            return keys, prefixes, pages
        token = page["NextContinuationToken"]
        assert pages < 100


@pytest.fixture
def listed_bucket(platform: ReferencePlatform) -> Any:
    alice = s3(platform)
    alice.create_bucket(Bucket="listing")
    for key in KEYS:
        alice.put_object(Bucket="listing", Key=key, Body=key.encode("utf-8")[:10])
    return alice


@pytest.mark.parametrize("max_keys", [1, 2, 7, 1000])
def test_list_v2_pages_give_every_key_once_in_utf8_order(listed_bucket: Any, max_keys: int) -> None:
    keys, prefixes, _ = _list_v2(listed_bucket, "listing", MaxKeys=max_keys)
    assert keys == utf8_sorted(KEYS) and prefixes == []
    # With a delimiter, keys under a "/" come as one common prefix each.
    keys, prefixes, _ = _list_v2(listed_bucket, "listing", MaxKeys=max_keys, Delimiter="/")
    assert keys == utf8_sorted([k for k in KEYS if "/" not in k])
    assert prefixes == utf8_sorted(sorted({k.split("/")[0] + "/" for k in KEYS if "/" in k}))
    keys, prefixes, _ = _list_v2(
        listed_bucket, "listing", MaxKeys=max_keys, Prefix="b/", Delimiter="/"
    )
    assert (keys, prefixes) == (["b/1", "b/2"], ["b/c/"])
    keys, _, _ = _list_v2(listed_bucket, "listing", MaxKeys=max_keys, StartAfter="b/c/3")
    assert keys == [k for k in utf8_sorted(KEYS) if k.encode() > b"b/c/3"]


def test_list_v1_pages_with_markers(listed_bucket: Any) -> None:
    keys: list[str] = []
    prefixes: list[str] = []
    marker = ""
    for _ in range(100):
        page = listed_bucket.list_objects(Bucket="listing", MaxKeys=2, Delimiter="/", Marker=marker)
        keys += [o["Key"] for o in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            break
        marker = page["NextMarker"]
    assert keys == utf8_sorted([k for k in KEYS if "/" not in k])
    assert prefixes == utf8_sorted(sorted({k.split("/")[0] + "/" for k in KEYS if "/" in k}))


def test_special_keys_round_trip_through_put_get_and_url_encoded_listing(
    listed_bucket: Any,
) -> None:
    for key in KEYS:
        assert (
            listed_bucket.get_object(Bucket="listing", Key=key)["Body"].read()
            == (key.encode("utf-8")[:10])
        )
    # botocore asks for encoding-type=url itself and decodes what comes back.
    assert listed_bucket.list_objects_v2(Bucket="listing")["EncodingType"] == "url"
    assert _list_v2(listed_bucket, "listing")[0] == utf8_sorted(KEYS)
    with pytest.raises(ClientError) as too_long:
        listed_bucket.put_object(Bucket="listing", Key="y" * 1025, Body=b"")
    assert error_of(too_long) == (400, "KeyTooLongError")


def test_copy_object_copies_metadata_unless_replaced(platform: ReferencePlatform) -> None:
    alice = s3(platform)
    alice.create_bucket(Bucket="copy-from")
    alice.create_bucket(Bucket="copy-to")
    alice.put_object(
        Bucket="copy-from", Key="src key", Body=b"payload", ContentType="a/b", Metadata={"m": "1"}
    )
    result = alice.copy_object(
        Bucket="copy-to", Key="dst", CopySource={"Bucket": "copy-from", "Key": "src key"}
    )
    assert result["CopyObjectResult"]["ETag"] == f'"{md5(b"payload")}"'
    got = alice.get_object(Bucket="copy-to", Key="dst")
    assert (got["Body"].read(), got["ContentType"], got["Metadata"]) == (
        b"payload",
        "a/b",
        {"m": "1"},
    )
    alice.copy_object(
        Bucket="copy-to",
        Key="dst",
        CopySource={"Bucket": "copy-to", "Key": "dst"},
        MetadataDirective="REPLACE",
        ContentType="c/d",
        Metadata={"n": "2"},
    )
    head = alice.head_object(Bucket="copy-to", Key="dst")
    assert (head["ContentType"], head["Metadata"]) == ("c/d", {"n": "2"})
    with pytest.raises(ClientError) as itself:
        alice.copy_object(Bucket="copy-to", Key="dst", CopySource="copy-to/dst")
    assert error_of(itself) == (400, "InvalidRequest")


def test_delete_objects_in_bulk(platform: ReferencePlatform) -> None:
    alice = s3(platform)
    alice.create_bucket(Bucket="bulk")
    for key in ("a", "b", "c"):
        alice.put_object(Bucket="bulk", Key=key, Body=b"1")
    deleted = alice.delete_objects(
        Bucket="bulk", Delete={"Objects": [{"Key": "a"}, {"Key": "c"}, {"Key": "nope"}]}
    )
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["a", "c", "nope"]
    assert [o["Key"] for o in alice.list_objects_v2(Bucket="bulk")["Contents"]] == ["b"]


def _refusals(client: Any) -> dict[str, Any]:
    """Every operation on alice's bucket ``private`` and its object ``secret``."""
    return {
        "ListObjectsV2": lambda: client.list_objects_v2(Bucket="private"),
        "ListObjects": lambda: client.list_objects(Bucket="private"),
        "GetObject": lambda: client.get_object(Bucket="private", Key="secret"),
        "HeadObject": lambda: client.head_object(Bucket="private", Key="secret"),
        "HeadBucket": lambda: client.head_bucket(Bucket="private"),
        "PutObject": lambda: client.put_object(Bucket="private", Key="new", Body=b"x"),
        "DeleteObject": lambda: client.delete_object(Bucket="private", Key="secret"),
        "DeleteBucket": lambda: client.delete_bucket(Bucket="private"),
        "CopyObject": lambda: client.copy_object(
            Bucket="private", Key="copy", CopySource="private/secret"
        ),
        "CreateMultipartUpload": lambda: client.create_multipart_upload(Bucket="private", Key="m"),
    }


@pytest.mark.parametrize("who", ["bob", None])
def test_other_accounts_and_anonymous_requests_get_403(
    platform: ReferencePlatform, who: str | None
) -> None:
    alice = s3(platform)
    alice.create_bucket(Bucket="private")
    alice.put_object(Bucket="private", Key="secret", Body=b"s3cr3t")
    other = s3(platform, who)
    for operation, call in _refusals(other).items():
        with pytest.raises(ClientError) as refused:
            call()
        status, code = error_of(refused)
        assert status == 403, operation
        if operation not in ("HeadObject", "HeadBucket"):  # HEAD answers carry no body
            assert code == "AccessDenied", operation
    if who is None:
        with pytest.raises(ClientError) as anonymous:
            other.list_buckets()
        assert error_of(anonymous) == (403, "AccessDenied")
    # bob may not copy alice's object into his own bucket either.
    if who == "bob":
        other.create_bucket(Bucket="bobs")
        with pytest.raises(ClientError) as stolen:
            other.copy_object(Bucket="bobs", Key="k", CopySource="private/secret")
        assert error_of(stolen) == (403, "AccessDenied")
    assert alice.get_object(Bucket="private", Key="secret")["Body"].read() == b"s3cr3t"
    assert [o["Key"] for o in alice.list_objects_v2(Bucket="private")["Contents"]] == ["secret"]


def test_a_wrong_secret_or_unknown_key_is_refused(platform: ReferencePlatform) -> None:
    s3(platform).create_bucket(Bucket="signed")
    with pytest.raises(ClientError) as wrong:
        s3(platform, "alice", secret="not-the-secret").list_objects_v2(Bucket="signed")
    assert error_of(wrong) == (403, "SignatureDoesNotMatch")
    stranger: Any = botocore.session.get_session().create_client(
        "s3",
        endpoint_url=platform.s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIANOTAKEYOFOURS000",
        aws_secret_access_key="whatever",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as unknown:
        stranger.list_buckets()
    assert error_of(unknown) == (403, "InvalidAccessKeyId")
