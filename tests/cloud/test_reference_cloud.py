"""The reference platform's switching profile (CLOUD ``switching``), over real HTTP.

Objects are written through the reference's own S3 surface with botocore
(as any S3 client would), images through its registry; the switching
document, the inventory (every page, every cursor form), the export URLs
and switch-exports are then read with plain requests, under the options of
``choices/cloud.py`` that change what a client sees.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import botocore.session
import pytest
import requests
from botocore.config import Config

from conformance.reference import ReferencePlatform
from conformance.reference.choices import ChoiceSet, choice_set
from conformance.reference.choices.cloud import (
    EXPORT_ETA,
    EXPORT_TIMING,
    EXPORT_URLS,
    INVENTORY_CURSOR,
    INVENTORY_EXTRAS,
    INVENTORY_PAGE,
    LOCATIONS,
    MAX_SWITCH_DAYS,
    RETRIEVAL_DAYS,
    SWITCHING_CHARGE,
)
from conformance.reference.cloud_switching import charge_per_gb

TIMEOUT = 30
OBJECTS = {
    "empty": (b"", "application/octet-stream"),
    "dir/ü ñ+%.txt": ("grüße\n".encode(), "text/plain; charset=utf-8"),
    "data.json": (b'{"a": 1}', "application/json"),
    "twin": (b"same bytes", "application/octet-stream"),
    "twin-2": (b"same bytes", "application/octet-stream"),
    "big": (bytes(range(256)) * 4096, "application/octet-stream"),
}


def start(tmp_path: Path, *pairs: tuple[Any, Any], base: str = "default") -> ReferencePlatform:
    return ReferencePlatform(tmp_path / "p", choices=choice_set(base).replacing(*pairs))


def bearer(platform: ReferencePlatform, user: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.identities.token('first_party', user)}"}


def get(platform: ReferencePlatform, url: str, user: str | None = "alice") -> requests.Response:
    headers = bearer(platform, user) if user else {}
    return requests.get(urljoin(platform.base_url + "/", url), headers=headers, timeout=TIMEOUT)


def s3(platform: ReferencePlatform, user: str) -> Any:
    key_id, secret = platform.identities.s3_keys[user]
    return botocore.session.get_session().create_client(
        "s3",
        endpoint_url=platform.s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}),
    )


def write_objects(platform: ReferencePlatform, user: str, bucket: str) -> None:
    client = s3(platform, user)
    client.create_bucket(Bucket=bucket)
    for key, (data, content_type) in OBJECTS.items():
        client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)


def push_image(platform: ReferencePlatform, repo: str, user: str = "alice") -> bytes:
    """Push a one-layer image with the user's platform token; return its manifest."""
    layer = f"layer of {repo}".encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "config": {"mediaType": "x/c", "digest": sha(layer), "size": len(layer)},
            "layers": [],
        }
    ).encode()
    headers = bearer(platform, user)
    blob = requests.post(
        f"{platform.base_url}/v2/{repo}/blobs/uploads/?digest={sha(layer)}",
        data=layer,
        headers=headers,
        timeout=TIMEOUT,
    )
    assert blob.status_code == 201, blob.text
    put = requests.put(
        f"{platform.base_url}/v2/{repo}/manifests/v1",
        data=manifest,
        headers={**headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
        timeout=TIMEOUT,
    )
    assert put.status_code == 201, put.text
    return manifest


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def inventory(platform: ReferencePlatform, user: str = "alice") -> list[tuple[str, dict[str, Any]]]:
    """Every resource with the URL of the page that carried it, following next_cursor."""
    found: list[tuple[str, dict[str, Any]]] = []
    url = "/cloud/v1/inventory"
    for _ in range(1000):
        page = get(platform, url, user)
        assert page.status_code == 200, page.text
        body = page.json()
        found += [(page.url, r) for r in body["resources"]]
        if body["next_cursor"] is None:
            return found
        url = f"/cloud/v1/inventory?cursor={body['next_cursor']}"
    raise AssertionError("the inventory does not end")


# -- switching document --------------------------------------------------------------


@pytest.mark.parametrize("base", ["default", "alt", "strict"])
def test_the_switching_document_is_anonymous_and_within_the_draft(
    tmp_path: Path, base: str
) -> None:
    with start(tmp_path, base=base) as platform:
        got = get(platform, "/.well-known/cloud-switching", user=None)
        assert got.status_code == 200
        document = got.json()
        assert document["max_switch_days"] <= 30
        assert document["retrieval_days"] >= 30
        assert document["export_formats"]
        assert all(i["name"] and i["spec_url"] for i in document["interfaces"])
        assert document["currency"] == "EUR"
        assert (
            charge_per_gb(platform.choices, datetime.now(UTC))
            == (document["switching_charge_per_gb"])
        )


def test_the_charge_is_zero_from_2027_01_12_and_declared_before() -> None:
    before = datetime(2027, 1, 11, 23, 59, tzinfo=UTC)
    after = datetime(2027, 1, 12, tzinfo=UTC)
    declared = choice_set("default").replacing((SWITCHING_CHARGE, "declared"))
    zero = choice_set("default").replacing((SWITCHING_CHARGE, "zero"))
    assert float(charge_per_gb(declared, before)) > 0
    assert charge_per_gb(zero, before) == "0"
    assert charge_per_gb(declared, after) == charge_per_gb(zero, after) == "0"


# -- inventory and export URLs -------------------------------------------------------

INVENTORY_SETS = [
    pytest.param((), id="default"),
    pytest.param(
        ((INVENTORY_PAGE, 1), (INVENTORY_CURSOR, "offset"), (LOCATIONS, "relative")),
        id="pages-of-one",
    ),
    pytest.param(
        (
            (INVENTORY_PAGE, 7),
            (EXPORT_URLS, "authenticated"),
            (INVENTORY_EXTRAS, "images-and-config"),
            (LOCATIONS, "absolute"),
        ),
        id="authenticated-urls",
    ),
]


@pytest.mark.parametrize("pairs", INVENTORY_SETS)
def test_the_inventory_lists_each_object_of_the_account_once(
    tmp_path: Path, pairs: tuple[tuple[Any, Any], ...]
) -> None:
    with start(tmp_path, *pairs) as platform:
        write_objects(platform, "alice", "alice-one")
        write_objects(platform, "alice", "alice-two")
        write_objects(platform, "bob", "bob-only")
        push_image(platform, "alice/app")
        resources = [r for _, r in inventory(platform)]
        objects = Counter((r["size"], r["sha256"]) for r in resources if r["kind"] == "object")
        written = Counter(
            (len(data), hashlib.sha256(data).hexdigest()) for data, _ in OBJECTS.values()
        )
        assert objects == written + written
        assert len({r["id"] for r in resources}) == len(resources)
        kinds = {r["kind"] for r in resources}
        assert "image" in kinds
        assert ("config" in kinds) == (platform.choices[INVENTORY_EXTRAS] == "images-and-config")


@pytest.mark.parametrize("pairs", INVENTORY_SETS)
def test_every_export_url_serves_the_bytes_the_inventory_describes(
    tmp_path: Path, pairs: tuple[tuple[Any, Any], ...]
) -> None:
    with start(tmp_path, *pairs) as platform:
        write_objects(platform, "alice", "alice-one")
        push_image(platform, "alice/app")
        signed = platform.choices[EXPORT_URLS] == "signed"
        for page_url, resource in inventory(platform):
            url = urljoin(page_url, resource["export_url"])
            got = requests.get(url, headers=bearer(platform), timeout=TIMEOUT)
            assert got.status_code == 200, got.text
            assert len(got.content) == resource["size"]
            assert hashlib.sha256(got.content).hexdigest() == resource["sha256"]
            assert got.headers["Content-Type"] == resource["media_type"]
            assert "Content-Encoding" not in got.headers
            anonymous = requests.get(url, timeout=TIMEOUT)
            assert anonymous.status_code == (200 if signed else 401)


def test_a_changed_signed_url_is_refused(tmp_path: Path) -> None:
    with start(tmp_path) as platform:
        push_image(platform, "alice/app")
        page_url, resource = inventory(platform)[0]
        url = urljoin(page_url, resource["export_url"])
        assert requests.get(url, timeout=TIMEOUT).status_code == 200
        for changed in (url[:-1] + ("0" if url[-1] != "0" else "1"), url + "&x=1"):
            refused = requests.get(changed, timeout=TIMEOUT)
            assert refused.status_code == 403
            assert refused.headers["Content-Type"] == "application/problem+json"


def test_a_cursor_the_inventory_did_not_hand_out_is_a_400(tmp_path: Path) -> None:
    with start(tmp_path, (INVENTORY_CURSOR, "offset")) as platform:
        got = get(platform, "/cloud/v1/inventory?cursor=not-a-number")
        assert got.status_code == 400
        assert got.json()["code"] == "INVALID"


# -- switch-exports ------------------------------------------------------------------


@pytest.mark.parametrize(
    "pairs",
    [
        pytest.param((), id="default"),
        pytest.param(
            (
                (EXPORT_TIMING, 1.5),
                (EXPORT_ETA, "declared"),
                (MAX_SWITCH_DAYS, 7),
                (RETRIEVAL_DAYS, 90),
                (LOCATIONS, "relative"),
            ),
            id="slow-relative",
        ),
    ],
)
def test_a_switch_export_completes_and_stays_retrievable(
    tmp_path: Path, pairs: tuple[tuple[Any, Any], ...]
) -> None:
    with start(tmp_path, *pairs) as platform:
        push_image(platform, "alice/app")
        choices: ChoiceSet = platform.choices
        posted = requests.post(
            platform.base_url + "/cloud/v1/switch-exports", headers=bearer(platform), timeout=30
        )
        assert posted.status_code == 202
        job_url = urljoin(posted.url, posted.headers["Location"])
        deadline = time.monotonic() + 10
        while True:
            sent = datetime.now(UTC)
            job = requests.get(job_url, headers=bearer(platform), timeout=TIMEOUT).json()
            assert job["eta_days"] <= choices[MAX_SWITCH_DAYS]
            if job["status"] == "completed":
                break
            assert job["status"] in ("pending", "running")
            assert job["retrievable_until"] is None
            assert time.monotonic() < deadline
            time.sleep(0.2)
        until = datetime.fromisoformat(job["retrievable_until"])
        assert until >= sent + timedelta(days=choices[RETRIEVAL_DAYS])
        manifest = requests.get(
            urljoin(job_url, job["manifest_url"]), headers=bearer(platform), timeout=TIMEOUT
        )
        # alice's two images: the welcome image and the one pushed here
        assert [r["kind"] for r in manifest.json()["resources"]] == ["image", "image"]
        other = requests.get(job_url, headers=bearer(platform, "bob"), timeout=TIMEOUT)
        assert other.status_code == 404


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[ReferencePlatform]:
    with start(tmp_path) as platform:
        yield platform


def test_a_switch_export_needs_a_caller_and_a_json_object_if_any_body(
    plain: ReferencePlatform,
) -> None:
    url = plain.base_url + "/cloud/v1/switch-exports"
    assert requests.post(url, timeout=TIMEOUT).status_code == 401
    refused = requests.post(url, data=b"[1]", headers=bearer(plain), timeout=TIMEOUT)
    assert refused.status_code == 422
    accepted = requests.post(url, json={"scope": "all"}, headers=bearer(plain), timeout=30)
    assert accepted.status_code == 202
