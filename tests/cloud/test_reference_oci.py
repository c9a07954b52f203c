"""The reference platform's registry (CLOUD ``oci``), over real HTTP with plain requests.

Images are pushed the way real clients push them (upload sessions, chunked
PATCHes, monolithic uploads, manifests by tag and by digest) and pulled
back; every login mode of ``cloud.registry_auth`` and every ``Location``
form of ``cloud.locations`` is driven through its challenge or resolved
as a client would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from conformance.reference import ReferencePlatform
from conformance.reference.choices import choice_set
from conformance.reference.choices.cloud import (
    BLOB_DELIVERY,
    LOCATIONS,
    PRELOADED_IMAGE,
    REGISTRY_AUTH,
)
from conformance.reference.cloud_locations import relative_reference
from conformance.reference.cloud_oci_manifests import DOCKER_MANIFEST, OCI_MANIFEST

TIMEOUT = 30
REPO = "conformance/probe"
ACCEPT = ", ".join(
    [
        OCI_MANIFEST,
        DOCKER_MANIFEST,
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def start(
    tmp_path: Path,
    auth: str = "open",
    locations: str = "path",
    image: str = "oci",
    blobs: str = "direct",
) -> Any:
    choices = choice_set("default").replacing(
        (REGISTRY_AUTH, auth),
        (LOCATIONS, locations),
        (PRELOADED_IMAGE, image),
        (BLOB_DELIVERY, blobs),
    )
    return ReferencePlatform(tmp_path / "p", choices=choices)


class Client:
    """A small registry client: answers Basic and Bearer challenges with a user's token."""

    def __init__(self, platform: ReferencePlatform, user: str | None = "alice") -> None:
        self.base = platform.base_url
        self.session = requests.Session()
        self.user = user
        self.password = platform.identities.token("first_party", user) if user else None

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:
        url = urljoin(self.base + "/", url)
        response = self.session.request(method, url, timeout=TIMEOUT, **kw)
        if response.status_code != 401:
            return response
        challenge = response.headers["WWW-Authenticate"]
        if challenge.startswith("Basic"):
            if self.user is None:
                return response
            self.session.auth = (self.user, self.password or "")
        else:
            params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
            auth = (self.user, self.password or "") if self.user else None
            answer = requests.get(
                params["realm"],
                params={"service": params["service"], "scope": params.get("scope", "")},
                auth=auth,
                timeout=TIMEOUT,
            )
            assert answer.status_code == 200, answer.text
            self.session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        return self.session.request(method, url, timeout=TIMEOUT, **kw)

    def push_blob(self, data: bytes, chunks: int = 1, repo: str = REPO) -> str:
        started = self.request("POST", f"/v2/{repo}/blobs/uploads/")
        assert started.status_code == 202, started.text
        location = urljoin(started.url, started.headers["Location"])
        rest = data
        if chunks > 1:
            step = -(-len(data) // chunks)
            for offset in range(0, len(data), step):
                piece = data[offset : offset + step]
                patched = self.request(
                    "PATCH",
                    location,
                    data=piece,
                    headers={"Content-Range": f"{offset}-{offset + len(piece) - 1}"},
                )
                assert patched.status_code == 202, patched.text
                assert patched.headers["Range"] == f"0-{offset + len(piece) - 1}"
                location = urljoin(patched.url, patched.headers["Location"])
            rest = b""
        separator = "&" if "?" in location else "?"
        done = self.request("PUT", f"{location}{separator}digest={digest(data)}", data=rest)
        assert done.status_code == 201, done.text
        assert done.headers["Docker-Content-Digest"] == digest(data)
        return digest(data)

    def push_image(self, tag: str, repo: str = REPO) -> tuple[bytes, list[bytes]]:
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {}}).encode()
        layer = bytes(range(256)) * 300
        self.push_blob(config, repo=repo)
        self.push_blob(layer, chunks=3, repo=repo)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": digest(config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": digest(layer),
                        "size": len(layer),
                    }
                ],
            }
        ).encode()
        put = self.request(
            "PUT",
            f"/v2/{repo}/manifests/{tag}",
            data=manifest,
            headers={"Content-Type": OCI_MANIFEST},
        )
        assert put.status_code == 201, put.text
        assert put.headers["Docker-Content-Digest"] == digest(manifest)
        assert urljoin(put.url, put.headers["Location"]).endswith(
            f"/v2/{repo}/manifests/{digest(manifest)}"
        )
        return manifest, [config, layer]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferencePlatform]:
    with start(tmp_path_factory.mktemp("oci")) as running:
        yield running


@pytest.fixture(scope="module")
def pushed(platform: ReferencePlatform) -> tuple[bytes, list[bytes]]:
    return Client(platform).push_image("t1")


def test_a_pushed_manifest_pulls_by_tag_and_digest_with_its_digest(
    platform: ReferencePlatform, pushed: tuple[bytes, list[bytes]]
) -> None:
    manifest, _ = pushed
    client = Client(platform, None)
    for reference in ("t1", digest(manifest)):
        got = client.request("GET", f"/v2/{REPO}/manifests/{reference}", headers={"Accept": ACCEPT})
        assert got.status_code == 200
        assert got.content == manifest
        assert got.headers["Docker-Content-Digest"] == digest(manifest)
        assert got.headers["Content-Type"] == OCI_MANIFEST
        head = client.request("HEAD", f"/v2/{REPO}/manifests/{reference}")
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["Content-Length"] == str(len(manifest))
        assert head.headers["Docker-Content-Digest"] == digest(manifest)


def test_every_blob_downloads_with_its_bytes_size_and_digest(
    platform: ReferencePlatform, pushed: tuple[bytes, list[bytes]]
) -> None:
    _, blobs = pushed
    client = Client(platform, None)
    for blob in blobs:
        got = client.request("GET", f"/v2/{REPO}/blobs/{digest(blob)}")
        assert got.status_code == 200
        assert got.content == blob
        assert got.headers["Docker-Content-Digest"] == digest(blob)
        head = client.request("HEAD", f"/v2/{REPO}/blobs/{digest(blob)}")
        assert head.headers["Content-Length"] == str(len(blob))


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (f"/v2/{REPO}/manifests/no-such-tag", "MANIFEST_UNKNOWN"),
        (f"/v2/{REPO}/manifests/sha256:{'0' * 64}", "MANIFEST_UNKNOWN"),
        (f"/v2/{REPO}/blobs/sha256:{'1' * 64}", "BLOB_UNKNOWN"),
        (f"/v2/{REPO}/blobs/not-a-digest", "BLOB_UNKNOWN"),
        ("/v2/no/such/repository/manifests/latest", "NAME_UNKNOWN"),
        (f"/v2/{REPO}/nowhere", "NAME_UNKNOWN"),
    ],
)
def test_unknown_things_answer_404_with_the_oci_error_body(
    platform: ReferencePlatform, pushed: object, path: str, code: str
) -> None:
    got = Client(platform, None).request("GET", path)
    assert got.status_code == 404
    assert got.headers["Content-Type"].startswith("application/json")
    errors = got.json()["errors"]
    assert errors[0]["code"] == code
    assert isinstance(errors[0]["message"], str)


def test_a_wrong_method_is_an_oci_405_not_a_problem(platform: ReferencePlatform) -> None:
    got = Client(platform).request("PATCH", f"/v2/{REPO}/manifests/t1")
    assert got.status_code == 405
    assert got.json()["errors"][0]["code"] == "UNSUPPORTED"


def test_pushes_that_do_not_add_up_are_refused(platform: ReferencePlatform, pushed: object) -> None:
    client = Client(platform)
    started = client.request("POST", f"/v2/{REPO}/blobs/uploads/")
    location = urljoin(started.url, started.headers["Location"])
    wrong = client.request("PUT", f"{location}?digest={digest(b'other')}", data=b"bytes")
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["code"] == "DIGEST_INVALID"
    orphan = json.dumps(
        {
            "schemaVersion": 2,
            "config": {"mediaType": "x/y", "digest": digest(b"missing"), "size": 7},
            "layers": [],
        }
    ).encode()
    refused = client.request(
        "PUT", f"/v2/{REPO}/manifests/orphan", data=orphan, headers={"Content-Type": OCI_MANIFEST}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    by_digest = client.request(
        "PUT",
        f"/v2/{REPO}/manifests/{digest(b'not it')}",
        data=b"{}",
        headers={"Content-Type": OCI_MANIFEST},
    )
    assert by_digest.status_code == 400
    out_of_order = client.request("POST", f"/v2/{REPO}/blobs/uploads/")
    session = urljoin(out_of_order.url, out_of_order.headers["Location"])
    skipped = client.request("PATCH", session, data=b"x", headers={"Content-Range": "5-5"})
    assert skipped.status_code == 416


def test_monolithic_uploads_mounts_and_tag_lists(platform: ReferencePlatform) -> None:
    client = Client(platform)
    data = b"one request"
    whole = client.request("POST", f"/v2/{REPO}/blobs/uploads/?digest={digest(data)}", data=data)
    assert whole.status_code == 201
    mounted = client.request(
        "POST", f"/v2/conformance/other/blobs/uploads/?mount={digest(data)}&from={REPO}"
    )
    assert mounted.status_code == 201
    assert client.request("GET", f"/v2/conformance/other/blobs/{digest(data)}").content == data
    client.push_image("a")
    client.push_image("b")
    page = client.request("GET", f"/v2/{REPO}/tags/list?n=1")
    assert page.json()["tags"] == ["a"]
    follow = urljoin(page.url, re.findall(r"<([^>]+)>", page.headers["Link"])[0])
    assert client.request("GET", follow).json()["tags"] == ["b"]


def test_the_welcome_image_is_there_from_the_start(tmp_path: Path) -> None:
    for style, media_type in (("oci", OCI_MANIFEST), ("docker", DOCKER_MANIFEST)):
        with start(tmp_path / style, image=style) as platform:
            got = Client(platform, None).request("GET", "/v2/reference/welcome/manifests/latest")
            assert got.headers["Content-Type"] == media_type
            body = got.json()
            for blob in [body["config"], *body["layers"]]:
                data = Client(platform, None).request(
                    "GET", f"/v2/reference/welcome/blobs/{blob['digest']}"
                )
                assert digest(data.content) == blob["digest"]


@pytest.mark.parametrize("auth", ["open", "token", "basic"])
def test_every_login_mode_lets_its_users_push_and_pull(tmp_path: Path, auth: str) -> None:
    with start(tmp_path, auth=auth) as platform:
        anonymous = requests.get(platform.base_url + "/v2/", timeout=TIMEOUT)
        if auth == "open":
            assert anonymous.status_code == 200
        else:
            assert anonymous.status_code == 401
            scheme = "Bearer" if auth == "token" else "Basic"
            assert anonymous.headers["WWW-Authenticate"].startswith(scheme)
            assert anonymous.json()["errors"][0]["code"] == "UNAUTHORIZED"
        alice = Client(platform)
        assert alice.request("GET", "/v2/").status_code == 200
        manifest, _ = alice.push_image("mine")
        pulled = Client(platform, None).request("GET", f"/v2/{REPO}/manifests/mine")
        assert pulled.status_code == (401 if auth == "basic" else 200)
        bob = Client(platform, "bob").request(
            "POST", f"/v2/{REPO}/blobs/uploads/?digest={digest(b'b')}", data=b"b"
        )
        assert bob.status_code == (201 if auth == "open" else 403)
        bearer = requests.get(
            f"{platform.base_url}/v2/{REPO}/manifests/{digest(manifest)}",
            headers={"Authorization": f"Bearer {platform.identities.token('third_party', 'bob')}"},
            timeout=TIMEOUT,
        )
        assert bearer.content == manifest


def test_wrong_credentials_are_refused_in_every_mode(tmp_path: Path) -> None:
    with start(tmp_path) as platform:
        basic = base64.b64encode(b"alice:not-a-token").decode()
        got = requests.get(
            platform.base_url + "/v2/", headers={"Authorization": f"Basic {basic}"}, timeout=30
        )
        assert got.status_code == 401
        assert got.json()["errors"][0]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("locations", ["absolute", "relative"])
def test_every_location_form_resolves_to_the_same_resources(tmp_path: Path, locations: str) -> None:
    with start(tmp_path, locations=locations) as platform:
        client = Client(platform)
        manifest, _ = client.push_image("t")
        started = client.request("POST", f"/v2/{REPO}/blobs/uploads/")
        location = started.headers["Location"]
        assert location.startswith("http://") == (locations == "absolute")
        assert urljoin(started.url, location).startswith(f"{platform.base_url}/v2/{REPO}/")
        assert client.request("GET", f"/v2/{REPO}/manifests/t").content == manifest


@pytest.mark.parametrize("locations", ["path", "relative"])
def test_redirected_blobs_arrive_through_a_signed_url(tmp_path: Path, locations: str) -> None:
    with start(tmp_path, auth="basic", locations=locations, blobs="redirect") as platform:
        client = Client(platform)
        _, blobs = client.push_image("t")
        for blob in blobs:
            got = client.request("GET", f"/v2/{REPO}/blobs/{digest(blob)}")
            assert [r.status_code for r in got.history] == [307]
            assert got.content == blob
            assert got.headers["Docker-Content-Digest"] == digest(blob)
            assert requests.get(got.url, timeout=TIMEOUT).content == blob  # needs no login
            assert requests.get(got.url + "0", timeout=TIMEOUT).status_code == 403
            head = client.request("HEAD", f"/v2/{REPO}/blobs/{digest(blob)}")
            assert (head.status_code, head.headers["Content-Length"]) == (200, str(len(blob)))


@pytest.mark.parametrize(
    ("base", "target", "expected"),
    [
        ("/v2/a/b/blobs/uploads/", "/v2/a/b/blobs/uploads/x1", "x1"),
        ("/v2/a/b/blobs/uploads/x1", "/v2/a/b/blobs/sha256:ab", "../sha256:ab"),
        ("/v2/a/manifests/t", "/v2/a/manifests/sha256:ab", "./sha256:ab"),
        (
            "/cloud/v1/inventory",
            "/cloud/v1/exported/u/o?expires=1&sig=2",
            "exported/u/o?expires=1&sig=2",
        ),
        ("/cloud/v1/switch-exports", "/cloud/v1/switch-exports/swx_1", "switch-exports/swx_1"),
        (
            "/cloud/v1/switch-exports/swx_1",
            "/cloud/v1/switch-exports/swx_1/manifest",
            "swx_1/manifest",
        ),
    ],
)
def test_relative_references_resolve_back_to_their_targets(
    base: str, target: str, expected: str
) -> None:
    reference = relative_reference(base, target)
    assert reference == expected
    assert urljoin("http://h" + base, reference) == "http://h" + target
