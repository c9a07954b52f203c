"""The S3 client against moto's server (an independent S3 with SigV4 enforced).

What is signed is what is sent: moto recomputes every signature, so each
passing exchange here is a signature botocore made over the bytes the probe
sent; a wrong secret is refused. Keys travel percent-encoded as botocore
encodes them and come back whole through a listing read with
``encoding-type=url``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from s3_schemas import SmallSchemas

from conformance._harness.cloud_target import S3Key
from conformance._harness.errors import Finding, SchemaViolation
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor, Secret
from conformance._harness.target import Target, origin_of
from conformance.cloud.s3 import S3Client, object_url_path, query_string, s3_error
from conformance.faults.base import Transform
from conformance.faults.catalog import Fault
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.peers.moto import MotoServer
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

MIB = 1024 * 1024


@pytest.fixture
def moto_target(moto: MotoServer) -> Target:
    """The session's moto (alice and bob in two accounts, SigV4 enforced)."""
    return moto.target()


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence.jsonl"


@pytest.fixture
def probe(moto_target: Target, log_path: Path) -> Iterator[Probe]:
    log = EvidenceLog(log_path, Redactor(moto_target.secrets()))
    transport = Transport(moto_target, None, log)
    yield Probe(transport, check="test_s3client", requirement="CLOUD-101")
    log.close()
    transport.close()


@pytest.fixture
def alice(probe: Probe, moto_target: Target) -> S3Client:
    assert moto_target.s3 is not None
    return S3Client(probe, moto_target.s3, "alice", schemas=SmallSchemas())


@pytest.fixture
def bucket(alice: S3Client, request: pytest.FixtureRequest) -> str:
    name = f"core-client-{hashlib.sha1(request.node.name.encode()).hexdigest()[:12]}"
    alice.require_success(alice.create_bucket(name), "CreateBucket")
    return name


def test_a_key_is_encoded_as_botocore_encodes_it() -> None:
    assert object_url_path("b", "a b+c%d~e/é") == "/b/a%20b%2Bc%25d~e/%C3%A9"
    assert object_url_path("b", "k", virtual=True) == "/k"
    assert object_url_path(None, None) == "/"
    assert query_string({"prefix": "a b+/", "uploads": None}) == "prefix=a%20b%2B%2F&uploads"
    assert object_url_path("b", "a/../c/./d..") == "/b/a/%2E%2E/c/%2E/d.."


def test_put_then_get_and_head_return_the_bytes_and_metadata(alice: S3Client, bucket: str) -> None:
    body = bytes(range(256)) * 40
    put = alice.put_object(
        bucket, "dir/obj.bin", body, content_type="application/x-test", metadata={"colour": "blue"}
    )
    assert put.status == 200
    assert put.headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = alice.get_object(bucket, "dir/obj.bin")
    assert got.status == 200 and got.content == body
    assert got.headers["Content-Type"] == "application/x-test"
    head = alice.head_object(bucket, "dir/obj.bin")
    assert head.status == 200 and head.content == b""
    assert head.headers["x-amz-meta-colour"] == "blue"


def test_an_empty_object_round_trips(alice: S3Client, bucket: str) -> None:
    assert alice.put_object(bucket, "empty", b"").status == 200
    assert alice.get_object(bucket, "empty").content == b""


def test_ranges_read_exactly_the_bytes_asked(alice: S3Client, bucket: str) -> None:
    body = bytes(range(100))
    alice.put_object(bucket, "r", body)
    first = alice.get_object(bucket, "r", range="bytes=0-9")
    assert (first.status, first.content) == (206, body[:10])
    middle = alice.get_object(bucket, "r", range="bytes=40-49")
    assert (middle.status, middle.content) == (206, body[40:50])
    suffix = alice.get_object(bucket, "r", range="bytes=-5")
    assert (suffix.status, suffix.content) == (206, body[-5:])
    assert alice.get_object(bucket, "r", range="bytes=500-600").status == 416


def test_multipart_upload_assembles_the_parts(alice: S3Client, bucket: str) -> None:
    parts = [b"a" * (5 * MIB), b"b" * 1000]
    _, upload = alice.create_multipart(bucket, "big", content_type="text/plain")
    etags = [alice.upload_part(bucket, "big", upload, n, p)[1] for n, p in enumerate(parts, 1)]
    done = alice.complete_multipart(bucket, "big", upload, list(enumerate(etags, 1)))
    assert done.status == 200, done.text
    got = alice.get_object(bucket, "big")
    assert got.content == b"".join(parts)
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert got.headers["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-2"'


def test_copy_keeps_bytes_and_metadata(alice: S3Client, bucket: str) -> None:
    alice.put_object(bucket, "src key", b"copy me", content_type="text/x", metadata={"a": "1"})
    copied = alice.copy_object(bucket, "src key", bucket, "dst/key+1")
    assert copied.status == 200 and s3_error(copied) is None
    head = alice.head_object(bucket, "dst/key+1")
    assert head.headers["x-amz-meta-a"] == "1"
    assert alice.get_object(bucket, "dst/key+1").content == b"copy me"


KEYS = ["a b", "a+b", "a%b", "ключ/значение", "日本/語", "x" * 1024, "p/q/r", "p/s", "~tilde"]
DOTS = [".", "..", "d/./e", "d/../e", "f/..", "./g"]


def test_listing_pages_return_every_key_once_decoded(alice: S3Client, bucket: str) -> None:
    for key in KEYS:
        assert alice.put_object(bucket, key, key.encode()).status == 200
    for key in KEYS:
        assert alice.get_object(bucket, key).content == key.encode(), key
    listing = alice.list_all(bucket, max_keys=2, encoding_type="url")
    keys = [k.key for k in listing.keys]
    assert keys == sorted(KEYS, key=lambda k: k.encode())
    assert len(listing.pages) == 5
    assert listing.sent_tokens[0] is None
    assert listing.sent_tokens[1:] == [p.next_token for p in listing.pages[:-1]]
    # moto 5 does not echo ContinuationToken (CLOUD-103 holds it to that): only read here.
    assert all(
        p.continuation_token in (None, t)
        for p, t in zip(listing.pages, listing.sent_tokens, strict=True)
    )
    assert all(p.encoding_type == "url" for p in listing.pages)
    sizes = {k.key: k.size for k in listing.keys}
    assert sizes["a b"] == 3


def test_keys_with_dot_segments_are_kept_whole(alice: S3Client, bucket: str) -> None:
    for key in DOTS:
        assert alice.put_object(bucket, key, key.encode()).status == 200, key
    for key in DOTS:
        assert alice.get_object(bucket, key).content == key.encode(), key
    listed = [k.key for k in alice.list_all(bucket, encoding_type="url").keys]
    assert listed == sorted(DOTS, key=lambda k: k.encode())


def test_prefix_and_delimiter_give_common_prefixes(alice: S3Client, bucket: str) -> None:
    for key in ("p/q/r", "p/s", "p/t u/v", "top"):
        alice.put_object(bucket, key, b"x")
    _, page = alice.list_page(bucket, prefix="p/", delimiter="/", encoding_type="url")
    assert [k.key for k in page.keys] == ["p/s"]
    assert page.prefixes == ["p/q/", "p/t u/"]
    assert page.is_truncated is False and page.max_keys == 1000


def test_list_buckets_names_the_bucket(alice: S3Client, bucket: str) -> None:
    _, names = alice.list_buckets()
    assert bucket in names


def test_a_wrong_secret_is_refused(probe: Probe, moto_target: Target, bucket: str) -> None:
    assert moto_target.s3 is not None
    key = moto_target.s3.users["alice"]
    forged = dataclasses.replace(
        moto_target.s3,
        users={"alice": S3Key(key.access_key_id, Secret("not-the-secret-key-at-all"))},
    )
    refused = S3Client(probe, forged, "alice", schemas=SmallSchemas()).get_object(bucket, "x")
    assert refused.status == 403
    error = s3_error(refused)
    assert error is not None and error[0] == "SignatureDoesNotMatch"


def test_a_tampered_body_breaks_the_signature(alice: S3Client, bucket: str) -> None:
    """The payload hash is signed: a body changed after signing is refused."""
    signer = alice._signer
    assert signer is not None

    def tamper(method: str, url: str, headers: object, body: bytes | None) -> dict[str, str]:
        signed = dict(signer(method, url, headers, body))  # type: ignore[arg-type]
        signed["X-Amz-Content-SHA256"] = hashlib.sha256(b"other").hexdigest()
        return signed

    refused = alice.probe.request(
        "PUT", f"{alice.settings.endpoint}/{bucket}/t", content=b"body", signer=tamper
    )
    assert refused.status in (400, 403)


def test_evidence_names_the_user_and_holds_no_secret(
    alice: S3Client, bucket: str, moto_target: Target, log_path: Path
) -> None:
    alice.put_object(bucket, "e", b"evidence")
    alice.probe.transport.log.close()
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert records and all(r["role"] == "s3:alice" for r in records)
    text = log_path.read_text()
    assert moto_target.s3 is not None
    for user in moto_target.s3.users.values():
        assert user.secret.reveal() not in text
    assert all(r["request"]["headers"]["Authorization"] == "[REDACTED]" for r in records)


def test_a_listing_that_breaks_the_schema_is_a_schema_violation(
    probe: Probe, moto_target: Target, bucket: str
) -> None:
    assert moto_target.s3 is not None
    strict = SmallSchemas(
        {**SmallSchemas().defs, "ListBucketResult": {"required": ["SomethingElse"]}}
    )
    client = S3Client(probe, moto_target.s3, "alice", schemas=strict)
    with pytest.raises(SchemaViolation) as caught:
        client.list_page(bucket)
    assert caught.value.evidence


def test_a_failed_listing_is_a_finding_naming_the_status(
    alice: S3Client,
) -> None:
    with pytest.raises(Finding) as caught:
        alice.list_page("conformance-no-such-bucket-here")
    assert caught.value.mismatches[0].received == 404
    assert "NoSuchBucket" in caught.value.message


class _PassThrough(Fault):
    def build(self) -> Transform:
        return Transform()


def test_a_fault_proxy_in_front_of_s3_keeps_signatures_keys_heads_and_ranges(
    moto_target: Target, log_path: Path
) -> None:
    """The proxy passes the encoded path and the Host as signed, and HEAD's length."""
    fault = _PassThrough("pass-through", ("CLOUD-101",), "", "none", front="s3")
    with FaultProxy(upstream(moto_target, fault.front), fault) as proxy:
        behind_proxy = behind(moto_target, "s3", proxy.base_url)
        assert behind_proxy.s3 is not None and behind_proxy.allows(origin_of(proxy.base_url))
        log = EvidenceLog(log_path, Redactor(behind_proxy.secrets()))
        transport = Transport(behind_proxy, None, log)
        client = S3Client(Probe(transport), behind_proxy.s3, "alice", schemas=SmallSchemas())
        bucket = "core-client-proxied"
        client.require_success(client.create_bucket(bucket), "CreateBucket")
        for key in KEYS + DOTS:
            assert client.put_object(bucket, key, key.encode() * 3).status == 200, key
        listing = client.list_all(bucket, max_keys=3, encoding_type="url")
        assert sorted(k.key for k in listing.keys) == sorted(KEYS + DOTS)
        head = client.head_object(bucket, "a+b")
        assert (head.status, head.headers["Content-Length"]) == (200, "9")
        ranged = client.get_object(bucket, "a%b", range="bytes=1-3")
        assert (ranged.status, ranged.content) == (206, b"%ba")
        transport.close()
        log.close()


def test_answers_of_an_independent_s3_fit_the_specs_schemas(
    probe: Probe, moto_target: Target
) -> None:
    """moto's XML, converted, validates against CLOUD's own component schemas."""
    assert moto_target.s3 is not None
    client = S3Client(probe, moto_target.s3, "alice")  # the installed catalogue's schemas
    bucket = "core-client-spec-schemas"
    client.require_success(client.create_bucket(bucket), "CreateBucket")
    client.put_object(bucket, "d/one", b"1")
    client.put_object(bucket, "two", b"22")
    _, names = client.list_buckets()
    assert bucket in names
    _, page = client.list_page(bucket, delimiter="/", max_keys=1, encoding_type="url")
    assert page.is_truncated and page.next_token and page.key_count == 1
    _, upload = client.create_multipart(bucket, "mp")
    _, etag = client.upload_part(bucket, "mp", upload, 1, b"only part")
    assert client.complete_multipart(bucket, "mp", upload, [(1, etag)]).status == 200
    assert client.copy_object(bucket, "two", bucket, "three").status == 200


def test_virtual_addressing_names_the_bucket_in_host(probe: Probe, moto_target: Target) -> None:
    """``addressing: virtual``: ``Host: <bucket>.<endpoint host>``, signed, to the endpoint."""
    assert moto_target.s3 is not None
    virtual = dataclasses.replace(moto_target.s3, addressing="virtual")
    client = S3Client(probe, virtual, "alice", schemas=SmallSchemas())
    bucket = "core-client-virtual"
    client.require_success(client.create_bucket(bucket), "CreateBucket")
    assert client.put_object(bucket, "v/k ey", b"virtual").status == 200
    _, page = client.list_page(bucket, encoding_type="url")
    assert [k.key for k in page.keys] == ["v/k ey"]
    got = client.get_object(bucket, "v/k ey")
    assert got.content == b"virtual"
    assert urlsplit(got.url).path == "/v/k%20ey"


@pytest.mark.parametrize("addressing", ["path", "virtual"])
def test_a_fault_proxy_in_front_of_the_references_s3_passes_everything_through(
    reference: ReferencePlatform, addressing: str, log_path: Path
) -> None:
    platform = reference_target(reference)
    assert platform.s3 is not None
    fault = _PassThrough("pass-through", ("CLOUD-101",), "", "none", front="s3")
    with FaultProxy(upstream(platform, "s3"), fault) as proxy:
        moved = behind(platform, "s3", proxy.base_url)
        assert moved.s3 is not None and moved.base_url == platform.base_url
        settings = dataclasses.replace(moved.s3, addressing=addressing)
        log = EvidenceLog(log_path, Redactor(moved.secrets()))
        transport = Transport(moved, None, log)
        client = S3Client(Probe(transport), settings, "alice")
        bucket = f"core-proxied-{addressing}"
        client.require_success(client.create_bucket(bucket), "CreateBucket")
        for key in KEYS + DOTS:
            put = client.put_object(bucket, key, key.encode(), metadata={"k": "v"})
            assert put.status == 200, (key, put.text)
        listing = client.list_all(bucket, max_keys=4, encoding_type="url")
        assert [k.key for k in listing.keys] == sorted(KEYS + DOTS, key=str.encode)
        head = client.head_object(bucket, "a b")
        assert (head.status, head.headers["Content-Length"], head.headers["x-amz-meta-k"]) == (
            200,
            "3",
            "v",
        )
        assert client.get_object(bucket, "d/../e", range="bytes=0-1").content == b"d/"
        transport.close()
        log.close()
