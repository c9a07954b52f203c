"""PORT media store on the reference platform: content-addressed and private."""

from __future__ import annotations

import hashlib

import requests
from reference_support import TIMEOUT, Api, assert_problem

from conformance.reference import ReferencePlatform


def test_put_with_wrong_hash_is_invalid_and_stores_nothing(alice: Api) -> None:
    data = b"these bytes are not what the path says"
    claimed = hashlib.sha256(b"something else").hexdigest()
    assert_problem(alice.put(f"/port/v1/media/{claimed}", data=data), 422, "INVALID")
    assert_problem(alice.get(f"/port/v1/media/{claimed}"), 404, "NOT_FOUND")
    actual = hashlib.sha256(data).hexdigest()
    assert_problem(alice.get(f"/port/v1/media/{actual}"), 404, "NOT_FOUND")
    assert_problem(alice.put("/port/v1/media/not-a-hash", data=data), 422, "INVALID")


def test_put_is_idempotent_per_account(alice: Api, bob: Api) -> None:
    data = b"idempotent " + alice.user_id.encode()
    sha = hashlib.sha256(data).hexdigest()
    first = alice.put(f"/port/v1/media/{sha}", data=data)
    assert first.status_code == 201
    assert first.headers["Location"] == f"/port/v1/media/{sha}"
    assert alice.put(f"/port/v1/media/{sha}", data=data).status_code == 200
    # The store is per account: bob holding the same bytes is new to bob.
    assert bob.put(f"/port/v1/media/{sha}", data=data).status_code == 201


def test_media_downloads_only_for_the_owner(platform: ReferencePlatform, alice: Api) -> None:
    data = bytes(range(256)) * 3
    sha = alice.upload(data)
    owner = alice.get(f"/port/v1/media/{sha}")
    assert owner.status_code == 200
    assert owner.content == data
    assert owner.headers["ETag"] == f'"{sha}"'
    assert alice.get(f"/port/v1/media/{sha.upper()}").content == data
    carol = Api(platform, "first_party", "carol")
    assert_problem(carol.get(f"/port/v1/media/{sha}"), 404, "NOT_FOUND")
    anonymous = requests.get(f"{platform.base_url}/port/v1/media/{sha}", timeout=TIMEOUT)
    assert_problem(anonymous, 401, "UNAUTHENTICATED")


def test_media_answers_byte_ranges(alice: Api) -> None:
    data = b"0123456789" * 10
    sha = alice.upload(data)
    partial = alice.get(f"/port/v1/media/{sha}", headers={"Range": "bytes=10-19"})
    assert partial.status_code == 206
    assert partial.content == data[10:20]
    beyond = alice.get(f"/port/v1/media/{sha}", headers={"Range": "bytes=100-"})
    assert_problem(beyond, 416, "INVALID")
    assert beyond.headers["Content-Range"] == "bytes */100"


def test_empty_media_is_content_addressed_too(alice: Api) -> None:
    sha = hashlib.sha256(b"").hexdigest()
    assert alice.put(f"/port/v1/media/{sha}", data=b"").status_code in (200, 201)
    assert alice.get(f"/port/v1/media/{sha}").content == b""
