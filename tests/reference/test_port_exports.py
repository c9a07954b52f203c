"""PORT exports on the reference platform: jobs, parts, signed URLs, ranges, limits."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from reference_support import TIMEOUT, Api, assert_problem, media_record, record
from werkzeug.datastructures import MultiDict

from conformance.reference import ReferencePlatform
from conformance.reference.problems import Problem
from conformance.reference.signing import UrlSigner


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _ready_job(api: Api) -> dict[str, object]:
    job, _ = api.export()
    return job


def test_export_is_accepted_and_becomes_ready(alice: Api) -> None:
    started = time.monotonic()
    created = alice.post("/port/v1/exports")
    assert created.status_code == 202
    body = created.json()
    assert body["status"] == "pending"
    assert created.headers["Location"] == f"/port/v1/exports/{body['id']}"
    while (job := alice.get(created.headers["Location"]).json())["status"] != "ready":
        assert job["status"] in ("pending", "running")
        assert time.monotonic() - started < 10
        time.sleep(0.02)
    assert _parse(job["expires_at"]) - _parse(job["created_at"]) == timedelta(days=7)
    assert job["parts"]
    for part in job["parts"]:
        assert part["media_type"] == "application/x-ndjson"
        assert part["url"].startswith(f"/port/v1/parts/{body['id']}/")


def test_a_small_accounts_export_is_built_before_the_post_is_answered(
    fresh_platform: ReferencePlatform,
) -> None:
    """Ready at the first poll however busy the machine: no queue, no worker to wait for."""
    api = Api(fresh_platform, "first_party", "alice")
    api.import_records(*(record("Post", f"p{n}") for n in range(50)))
    created = api.post("/port/v1/exports")
    assert created.status_code == 202
    job = api.get(created.headers["Location"]).json()
    assert job["status"] == "ready" and job["parts"], job


def test_parts_match_size_and_sha256_and_split_inside_characters(
    fresh_platform: ReferencePlatform,
) -> None:
    api = Api(fresh_platform, "first_party", "alice")
    api.import_records(record("Post", "p1", content="€ü😀" * 50))
    job, archive = api.export()
    parts = [requests.get(api.base_url + p["url"], timeout=TIMEOUT).content for p in job["parts"]]
    assert len(parts) > 2
    for part, declared in zip(parts, job["parts"], strict=True):
        assert len(part) == declared["size"]
        assert hashlib.sha256(part).hexdigest() == declared["sha256"]
    assert all(len(part) == 64 for part in parts[:-1])

    def decodes(part: bytes) -> bool:
        try:
            part.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    assert not all(decodes(part) for part in parts), "no part boundary fell inside a character"
    assert archive.decode("utf-8").endswith("\n")


def test_archive_has_manifest_with_exact_counts_then_records(
    fresh_platform: ReferencePlatform,
) -> None:
    api = Api(fresh_platform, "first_party", "alice")
    image = b"\x89PNG fake"
    api.upload(image)
    imported = api.import_records(
        media_record("m1", image),
        record("Post", "p1", media_ids=["m1"]),
        record("Post", "p2", in_reply_to="p1"),
        record("Contact", "c1"),
        record("Order", "o1"),
        record("Review", "r1"),
    )
    _, archive = api.export()
    lines = [json.loads(line) for line in archive.decode("utf-8").split("\n")[:-1]]
    manifest, records = lines[0], lines[1:]
    assert manifest["type"] == "Manifest"
    assert manifest["format"] == "port/1.0"
    assert manifest["subject"] == api.user_id
    _parse(manifest["generated_at"])
    counted: dict[str, int] = {}
    for item in records:
        counted[item["type"]] = counted.get(item["type"], 0) + 1
    assert (
        manifest["counts"]
        == counted
        == {
            "Profile": 1,
            "Media": 1,
            "Post": 2,
            "Contact": 1,
            "Order": 1,
            "Review": 1,
        }
    )
    by_id = {item["id"]: item for item in records}
    id_map = imported["id_map"]
    media = by_id[id_map["m1"]]
    assert media["url"] == f"/port/v1/media/{hashlib.sha256(image).hexdigest()}"
    assert set(media) == {
        "type",
        "id",
        "created_at",
        "updated_at",
        "media_type",
        "size",
        "sha256",
        "filename",
        "url",
    }
    assert by_id[id_map["p1"]]["media_ids"] == [id_map["m1"]]
    assert by_id[id_map["p2"]]["in_reply_to"] == id_map["p1"]
    assert set(by_id[id_map["o1"]]) == {
        "type",
        "id",
        "created_at",
        "updated_at",
        "order_number",
        "ordered_at",
        "status",
        "merchant",
        "currency",
        "items",
        "total",
    }
    # The Media bytes download from the record's url with the owner's token.
    download = api.get(media["url"])
    assert download.content == image


def test_exports_list_newest_first_and_delete_removes(alice: Api) -> None:
    first = _ready_job(alice)
    second = _ready_job(alice)
    listed = alice.get("/port/v1/exports").json()["exports"]
    ids = [item["id"] for item in listed]
    assert ids.index(second["id"]) < ids.index(first["id"])
    assert set(listed[0]) >= {"id", "status", "created_at"}
    part_url = alice.base_url + first["parts"][0]["url"]  # type: ignore[index]
    assert alice.delete(f"/port/v1/exports/{first['id']}").status_code == 204
    assert_problem(alice.get(f"/port/v1/exports/{first['id']}"), 404, "NOT_FOUND")
    assert first["id"] not in [e["id"] for e in alice.get("/port/v1/exports").json()["exports"]]
    assert_problem(requests.get(part_url, timeout=TIMEOUT), 404, "NOT_FOUND")
    assert_problem(alice.delete(f"/port/v1/exports/{first['id']}"), 404, "NOT_FOUND")


def test_another_user_cannot_see_or_delete_an_export(
    platform: ReferencePlatform, alice: Api, bob: Api
) -> None:
    job = _ready_job(alice)
    assert_problem(bob.get(f"/port/v1/exports/{job['id']}"), 404, "NOT_FOUND")
    assert_problem(bob.delete(f"/port/v1/exports/{job['id']}"), 404, "NOT_FOUND")
    assert job["id"] not in [e["id"] for e in bob.get("/port/v1/exports").json()["exports"]]
    anonymous = requests.get(f"{platform.base_url}/port/v1/exports/{job['id']}", timeout=TIMEOUT)
    assert_problem(anonymous, 401, "UNAUTHENTICATED")
    assert alice.get(f"/port/v1/exports/{job['id']}").status_code == 200


def test_signed_url_lives_the_declared_seconds(alice: Api) -> None:
    job = _ready_job(alice)
    query = parse_qs(urlsplit(job["parts"][0]["url"]).query)  # type: ignore[index]
    # 900 s from signing; the slack is for a busy machine between signing and here.
    assert abs(int(query["expires"][0]) - (time.time() + 900)) < 60


def _tamper(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return f"{parts.path}?{urlencode(query)}"


def test_tampered_part_urls_are_denied(alice: Api) -> None:
    job = _ready_job(alice)
    url = job["parts"][0]["url"]  # type: ignore[index]
    assert requests.get(alice.base_url + url, timeout=TIMEOUT).status_code == 200
    query = parse_qs(urlsplit(url).query)
    sig, expires = query["sig"][0], int(query["expires"][0])
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    path = urlsplit(url).path
    tampered = [
        _tamper(url, sig=flipped),
        _tamper(url, expires=str(expires + 3600)),
        _tamper(url, expires=str(expires - 1)),
        _tamper(url, extra="1"),
        url + "&sig=" + sig,
        path.rsplit("/", 1)[0] + "/2?" + urlsplit(url).query,
        path.replace(str(job["id"]), "exp_0000") + "?" + urlsplit(url).query,
        path,
        f"{path}?expires={expires}",
    ]
    for candidate in tampered:
        response = requests.get(alice.base_url + candidate, timeout=TIMEOUT)
        assert_problem(response, 403, "DENIED")


def test_expired_signature_is_denied() -> None:
    now = [1_000_000.0]
    signer = UrlSigner(900, secret=b"k" * 32, clock=lambda: now[0])
    query: MultiDict[str, str] = MultiDict(parse_qs(urlsplit(signer.sign("exp_1", "1")).query))
    signer.verify("exp_1", "1", query)
    now[0] += 901
    with pytest.raises(Problem) as refused:
        signer.verify("exp_1", "1", query)
    assert (refused.value.status, refused.value.code) == (403, "DENIED")


def _part(api: Api) -> tuple[str, bytes, dict[str, object]]:
    job = _ready_job(api)
    part = job["parts"][0]  # type: ignore[index]
    url = api.base_url + part["url"]
    return url, requests.get(url, timeout=TIMEOUT).content, part


def test_part_has_etag_and_answers_byte_ranges(alice: Api) -> None:
    url, whole, part = _part(alice)
    size = len(whole)
    full = requests.get(url, timeout=TIMEOUT)
    assert full.headers["ETag"] == f'"{part["sha256"]}"'
    assert full.headers["Accept-Ranges"] == "bytes"
    for header, first, last in (
        ("bytes=0-9", 0, 9),
        ("bytes=5-", 5, size - 1),
        ("bytes=-7", size - 7, size - 1),
        (f"bytes=10-{size + 100}", 10, size - 1),
        (f"bytes=-{size + 5}", 0, size - 1),
    ):
        response = requests.get(url, headers={"Range": header}, timeout=TIMEOUT)
        assert response.status_code == 206, header
        assert response.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert response.content == whole[first : last + 1]
    for header in (f"bytes={size}-", f"bytes={size + 3}-{size + 9}", "bytes=-0"):
        response = requests.get(url, headers={"Range": header}, timeout=TIMEOUT)
        assert_problem(response, 416, "INVALID")
        assert response.headers["Content-Range"] == f"bytes */{size}"


def test_part_ignores_unusable_ranges_and_stale_if_range(alice: Api) -> None:
    url, whole, part = _part(alice)
    for headers in (
        {"Range": "bytes=0-1,4-5"},
        {"Range": "items=0-1"},
        {"Range": "bytes=5-2"},
        {"Range": "bytes=0-3", "If-Range": '"other"'},
    ):
        response = requests.get(url, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 200, headers
        assert response.content == whole
    fresh = requests.get(
        url, headers={"Range": "bytes=0-3", "If-Range": f'"{part["sha256"]}"'}, timeout=TIMEOUT
    )
    assert fresh.status_code == 206
    cached = requests.get(url, headers={"If-None-Match": f'"{part["sha256"]}"'}, timeout=TIMEOUT)
    assert cached.status_code == 304


def test_exports_per_day_counts_listed_exports_of_all_clients(
    fresh_platform: ReferencePlatform,
) -> None:
    first_party = Api(fresh_platform, "first_party", "carol")
    third_party = Api(fresh_platform, "third_party", "carol")
    ids = []
    for index in range(50):
        api = first_party if index % 2 else third_party
        response = api.post("/port/v1/exports")
        assert response.status_code == 202, (index, response.text)
        ids.append(response.json()["id"])
    refused = first_party.post("/port/v1/exports")
    assert_problem(refused, 429, "TOO_MANY_REQUESTS")
    assert 0 < int(refused.headers["Retry-After"]) <= 86_400
    assert_problem(third_party.post("/port/v1/exports"), 429, "TOO_MANY_REQUESTS")
    # Another account is not affected, and the count is of listed exports:
    # deleting one makes room again.
    assert Api(fresh_platform, "first_party", "bob").post("/port/v1/exports").status_code == 202
    assert len(first_party.get("/port/v1/exports").json()["exports"]) == 50
    assert first_party.delete(f"/port/v1/exports/{ids[0]}").status_code == 204
    assert first_party.post("/port/v1/exports").status_code == 202
