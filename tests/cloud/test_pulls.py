"""CLOUD-202…204's judgements: manifest digests, blob bytes, OCI error bodies."""

from __future__ import annotations

import json

import pytest
from requests.structures import CaseInsensitiveDict

from conformance import Response
from conformance._harness.bounded_json import JsonTooLarge
from conformance._harness.errors import ResponseTooLarge
from conformance.cloud.digests import digest_of
from conformance.cloud.pulls import (
    Descriptor,
    Unverifiable,
    blob_mismatches,
    error_body_mismatches,
    manifest_content,
    manifest_mismatches,
)

MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "config": {"mediaType": "c", "digest": digest_of(b"cfg"), "size": 3},
        "layers": [{"mediaType": "l", "digest": digest_of(b"layer"), "size": 5}],
    }
).encode()
DIGEST = digest_of(MANIFEST)


def answer(status: int, content: bytes, **headers: str) -> Response:
    return Response("ex-1", "GET", "http://r/v2/x", status, CaseInsensitiveDict(headers), content)


def with_digest(content: bytes, digest: str | None) -> Response:
    headers = {"Docker-Content-Digest": digest} if digest else {}
    return answer(200, content, **headers)


def test_a_manifest_with_its_own_digest_passes() -> None:
    assert manifest_mismatches(with_digest(MANIFEST, DIGEST), "l", DIGEST, "asked") == []
    assert manifest_mismatches(with_digest(MANIFEST, digest_of(MANIFEST, "sha512")), "l") == []


def test_the_digest_header_is_required() -> None:
    (row,) = manifest_mismatches(with_digest(MANIFEST, None), "l")
    assert row.path == "header Docker-Content-Digest" and row.received == "absent"


def test_bytes_changed_on_the_way_fail_header_and_expected_digest() -> None:
    rows = manifest_mismatches(with_digest(MANIFEST + b"\n", DIGEST), "l", DIGEST, "asked")
    assert [r.path for r in rows] == ["header Docker-Content-Digest", "body"]


def test_another_manifest_than_the_one_pushed_fails() -> None:
    other = MANIFEST.replace(b'"size": 3', b'"size": 4')
    rows = manifest_mismatches(with_digest(other, digest_of(other)), "l", DIGEST, "pushed")
    assert {r.path for r in rows} == {"body", "header Docker-Content-Digest"}


def test_an_algorithm_the_suite_cannot_compute_is_not_a_finding() -> None:
    with pytest.raises(Unverifiable):
        manifest_mismatches(with_digest(MANIFEST, "blake3:" + "a" * 64), "l")


def test_a_failed_pull_is_one_status_row() -> None:
    (row,) = manifest_mismatches(answer(404, b""), "l")
    assert (row.path, row.received) == ("status", 404)


def test_descriptors_of_manifests_and_indexes() -> None:
    content = manifest_content(MANIFEST)
    assert content is not None
    assert [d.path for d in content.blobs] == ["$.config", "$.layers[0]"]
    index = manifest_content(json.dumps({"manifests": [{"digest": DIGEST, "size": 9}]}).encode())
    assert index is not None and [d.digest for d in index.manifests] == [DIGEST]
    assert manifest_content(b"[]") is None and manifest_content(b"\xff") is None


def test_a_blob_is_held_to_its_digest_and_size() -> None:
    descriptor = Descriptor("$.layers[0]", "l", digest_of(b"layer"), 5)
    assert blob_mismatches(descriptor, answer(200, b"layer"), "l") == []
    rows = blob_mismatches(descriptor, answer(200, b"laye"), "l")
    assert [r.path for r in rows] == ["$.layers[0].size", "$.layers[0].digest"]
    assert blob_mismatches(Descriptor("$.x", None, "nope", 1), answer(200, b"x"), "l")


@pytest.mark.parametrize(
    "body",
    [
        {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]},
        {"errors": [{"code": "BLOB_UNKNOWN", "message": "", "detail": {"digest": "x"}}]},
    ],
)
def test_oci_error_bodies_pass(body: object) -> None:
    assert error_body_mismatches(answer(404, json.dumps(body).encode()), "l") == []


@pytest.mark.parametrize(
    ("status", "content", "path"),
    [
        (200, b"{}", "status"),
        (404, b"404 page not found", "body"),
        (404, b'{"type": "about:blank", "status": 404}', "$.errors"),
        (404, b'{"errors": []}', "$.errors"),
        (404, b'{"errors": [{"code": "not found", "message": "x"}]}', "$.errors[0].code"),
        (404, b'{"errors": [{"code": "NAME_UNKNOWN"}]}', "$.errors[0].message"),
    ],
)
def test_other_answers_to_an_unknown_reference_fail(status: int, content: bytes, path: str) -> None:
    rows = error_body_mismatches(answer(status, content), "l")
    assert [r.path for r in rows] == [path]


def test_json_over_the_suites_limit_is_not_parsed_and_not_a_finding() -> None:
    """A registry's manifest or error body past ``limits.max_json_bytes`` ends in the suite's
    limit (an error of the run), never in a parse that holds hundreds of megabytes."""
    big = b'{"errors": [' + b"{}," * 400 + b'{"code": "NAME_UNKNOWN", "message": "x"}]}'
    small_limit = 1000
    with pytest.raises(JsonTooLarge):
        manifest_content(big, small_limit)
    response = answer(404, big)
    response.json_limit = small_limit
    with pytest.raises(ResponseTooLarge):
        error_body_mismatches(response, "l")
    assert manifest_content(b"[" * 100 + b"]" * 100) is None  # too deep: not a manifest
