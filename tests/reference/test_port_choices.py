"""PORT's open choices on the reference platform: each option does what it says, and stays conformant."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from reference_support import TIMEOUT, Api, assert_problem, media_record, record

from conformance.reference import ReferencePlatform
from conformance.reference.choices import ChoiceSet, choice_set
from conformance.reference.choices.port import (
    CHANGES_PAGE,
    CURSOR_STYLE,
    DOWNLOAD_URLS,
    EXPORT_STATES,
    EXPORT_TIMING,
    FOREIGN_STATUS,
    GONE_STATUS,
    ID_FORMAT,
    MAX_IMPORT_RECORDS,
    MEDIA_REPEAT_STATUS,
    REJECTION_CODES,
    URL_FORM,
)
from conformance.reference.port import port_limits
from conformance.reference.port_changes import Cursors, PageSizes
from conformance.reference.port_exports import PartWriter
from conformance.reference.port_render import RecordStyle, UrlStyle, rescale_money
from conformance.reference.problems import Problem
from conformance.reference.store import Store


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Start platforms taking given choices; each is stopped at the end of the test."""
    running: list[ReferencePlatform] = []

    def start(choices: ChoiceSet, part_size: int = 256) -> ReferencePlatform:
        platform = ReferencePlatform(
            tmp_path / f"p{len(running)}", part_size=part_size, choices=choices
        )
        platform.start()
        running.append(platform)
        return platform

    yield start
    for platform in running:
        platform.stop()


def _choices(**values: Any) -> ChoiceSet:
    named = {
        "ids": ID_FORMAT,
        "urls": URL_FORM,
        "downloads": DOWNLOAD_URLS,
        "timing": EXPORT_TIMING,
        "states": EXPORT_STATES,
        "gone": GONE_STATUS,
        "foreign": FOREIGN_STATUS,
        "codes": REJECTION_CODES,
        "most": MAX_IMPORT_RECORDS,
        "repeat": MEDIA_REPEAT_STATUS,
    }
    return choice_set("default").replacing(*((named[k], v) for k, v in values.items()))


def _ready(api: Api, location: str, limit: float = 10) -> tuple[dict[str, Any], list[str]]:
    path = location.removeprefix(api.base_url)
    seen: list[str] = []
    deadline = time.monotonic() + limit
    while True:
        job: dict[str, Any] = api.get(path).json()
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        if job["status"] == "ready" or time.monotonic() > deadline:
            return job, seen
        time.sleep(0.05)


def test_limits_follow_the_choice_set() -> None:
    strict = port_limits(choice_set("strict"))
    assert strict == {
        "port.max_export_seconds": 12,
        "port.exports_per_day": 4,
        "port.max_import_records": 10_000,
        "port.signed_url_seconds": 300,
    }
    # Credentials, not signatures: no lifetime is declared.
    assert "port.signed_url_seconds" not in port_limits(choice_set("alt"))


def test_exports_take_the_declared_time_and_may_skip_running(serve: Any) -> None:
    for states, expected in (("pending-running-ready", "running"), ("pending-ready", "pending")):
        platform = serve(_choices(timing=(5, 0.6), states=states))
        alice = Api(platform, "first_party", "alice")
        sent = time.monotonic()
        created = alice.post("/port/v1/exports")
        job, seen = _ready(alice, urljoin(created.url, created.headers["Location"]))
        assert job["status"] == "ready" and time.monotonic() - sent >= 0.6
        assert seen[0] in ("pending", expected) and seen[-1] == "ready"
        assert ("running" in seen) == (expected == "running")


def test_the_daily_quota_counts_listed_exports_only(serve: Any) -> None:
    platform = serve(choice_set("strict").replacing((EXPORT_TIMING, (12, 0.0))))
    alice = Api(platform, "first_party", "alice")
    third = Api(platform, "third_party", "alice")
    locations = []
    for api in (alice, third, alice, third):
        created = api.post("/port/v1/exports")
        assert created.status_code == 202, created.text
        locations.append(created.headers["Location"])
    refused = alice.post("/port/v1/exports")
    assert_problem(refused, 429, "TOO_MANY_REQUESTS")
    assert int(refused.headers["Retry-After"]) > 0
    # Another account is not affected; a deleted export no longer counts.
    assert Api(platform, "first_party", "bob").post("/port/v1/exports").status_code == 202
    assert alice.delete(locations[0]).status_code == 204
    assert third.post("/port/v1/exports").status_code == 202


@pytest.mark.parametrize("form", ["absolute", "path-relative", "root-relative"])
def test_urls_resolve_against_the_request_in_every_form(serve: Any, form: str) -> None:
    platform = serve(_choices(urls=form, ids="numeric"))
    alice = Api(platform, "first_party", "alice")
    data = b"bytes of a photo"
    alice.upload(data)
    posted = alice.post(
        "/port/v1/imports", data=json.dumps(media_record("m", data)).encode() + b"\n"
    )
    imported = alice.get(
        urljoin(posted.url, posted.headers["Location"]).removeprefix(alice.base_url)
    )
    assert imported.json()["imported"] == {"Media": 1}
    created = alice.post("/port/v1/exports", headers={"Host": "proxy.test:8080"})
    location = created.headers["Location"]
    assert location.startswith("http://proxy.test:8080/") == (form == "absolute")
    job_url = urljoin(created.url, location.replace("proxy.test:8080", platform.base_url[7:]))
    assert job_url.startswith(platform.base_url + "/port/v1/exports/")
    assert job_url.rsplit("/", 1)[1].isdigit()
    job, _ = _ready(alice, job_url)
    archive = b"".join(
        requests.get(urljoin(job_url, part["url"]), timeout=TIMEOUT).content
        for part in job["parts"]
    )
    media = [json.loads(line) for line in archive.splitlines() if b'"Media"' in line]
    resolved = urljoin(platform.base_url + "/", media[-1]["url"]).replace(
        "proxy.test:8080", platform.base_url[7:]
    )
    assert alice.get(resolved.removeprefix(platform.base_url)).content == data


def test_credential_urls_serve_only_the_owner(serve: Any) -> None:
    platform = serve(_choices(downloads="credentials", foreign=403))
    alice, bob = Api(platform, "first_party", "alice"), Api(platform, "first_party", "bob")
    job, _ = _ready(alice, alice.post("/port/v1/exports").headers["Location"])
    part = job["parts"][0]["url"]
    assert "?" not in part
    assert requests.get(platform.base_url + part, timeout=TIMEOUT).status_code == 401
    assert_problem(bob.get(part), 403, "DENIED")
    assert alice.get(part).status_code == 200
    assert alice.get(part + "?x=1").status_code == 403


def test_deleted_jobs_answer_gone_and_other_accounts_denied(serve: Any) -> None:
    platform = serve(_choices(gone=410, foreign=403))
    alice, bob = Api(platform, "first_party", "alice"), Api(platform, "first_party", "bob")
    location = alice.post("/port/v1/exports").headers["Location"]
    assert_problem(bob.get(location), 403, "DENIED")
    assert alice.delete(location).status_code == 204
    assert_problem(alice.get(location), 410, "GONE")
    assert_problem(alice.delete(location), 410, "GONE")
    assert_problem(alice.get("/port/v1/exports/never-made"), 404, "NOT_FOUND")
    post = alice.import_records(record("Post", "p"))["id_map"]["p"]
    assert_problem(bob.delete(f"/port/v1/records/{post}"), 403, "DENIED")
    assert alice.delete(f"/port/v1/records/{post}").status_code == 204
    assert_problem(alice.delete(f"/port/v1/records/{post}"), 410, "GONE")


def test_rejections_may_name_their_reason(serve: Any) -> None:
    platform = serve(_choices(codes="by-reason"))
    alice = Api(platform, "first_party", "alice")
    result = alice.import_records(
        record("Post", "a", in_reply_to="nowhere"),
        record("Post", "b", content="x" * 10_001),
        {"type": "Tweet", "id": "c"},
        record("Post", "d", in_reply_to="b"),
        record("Post", "a"),
    )
    codes = {r["line"]: r["code"] for r in result["rejected"]}
    assert codes == {1: "NOT_FOUND", 2: "TOO_LARGE", 3: "UNSUPPORTED", 4: "CONFLICT", 5: "CONFLICT"}


def test_imports_past_the_declared_floor_are_refused(serve: Any) -> None:
    platform = serve(_choices(most=3))
    alice = Api(platform, "first_party", "alice")
    manifest = {"type": "Manifest", "format": "port/1.0", "counts": {}}
    lines = [manifest, *(record("Review", f"r{i}") for i in range(3))]
    assert alice.import_records(*lines)["imported"] == {"Review": 3}
    body = "\n".join(json.dumps(r) for r in [*lines, record("Review", "r9")]) + "\n"
    assert_problem(alice.post("/port/v1/imports", data=body.encode()), 413, "TOO_LARGE")


def test_a_repeated_media_put_may_answer_201(serve: Any) -> None:
    platform = serve(_choices(repeat=201))
    alice = Api(platform, "first_party", "alice")
    for _ in range(2):
        assert alice.put("/port/v1/media/" + "5" * 64, data=b"").status_code == 422
        data = b"same bytes"
        sha = alice.upload(data)
        assert alice.put(f"/port/v1/media/{sha}", data=data).status_code == 201


@pytest.mark.parametrize("style", ["opaque", "numeric", "long"])
def test_cursors_of_every_style_round_trip_and_refuse_strangers(style: str) -> None:
    cursors = Cursors(style, secret=b"k" * 32)
    assert cursors.decode(None) == 0 and cursors.decode(cursors.encode(41)) == 41
    with pytest.raises(Problem):
        cursors.decode("c2.41.0000000000000000." + "0" * 64 if style == "long" else "x!y")
    if style == "long":
        assert len(cursors.encode(41)) > 80


def test_page_sizes_stay_within_the_limit() -> None:
    assert PageSizes("short").size(1000) == 37 and PageSizes("short").size(5) == 5
    ragged = PageSizes("ragged")
    sizes = [ragged.size(10) for _ in range(400)]
    assert 0 in sizes and max(sizes) <= 10 and len(set(sizes)) > 5


def test_feed_pages_may_be_short_and_cursors_numeric(serve: Any) -> None:
    choices = choice_set("default").replacing((CHANGES_PAGE, "short"), (CURSOR_STYLE, "numeric"))
    alice = Api(serve(choices), "first_party", "alice")
    alice.import_records(*(record("Review", f"r{i}") for i in range(50)))
    page = alice.get("/port/v1/changes", params={"limit": 1000}).json()
    assert len(page["changes"]) == 37 and page["has_more"] and page["next_cursor"].isdigit()
    changes, _ = alice.feed()
    assert len(changes) == 51  # the Profile and 50 Reviews


@pytest.mark.parametrize(
    ("amount", "minimal", "three"),
    [("19.90", "19.9", "19.900"), ("100", "100", "100.000"), ("0.000001", "0.000001", "0.000001")],
)
def test_money_is_rescaled_to_the_same_decimal(amount: str, minimal: str, three: str) -> None:
    assert rescale_money(amount, "minimal") == minimal
    assert rescale_money(amount, "scale-3") == three
    assert rescale_money(amount, "as-imported") == amount


def test_archive_lines_keep_every_value_in_any_style() -> None:
    style = RecordStyle(choice_set("alt"))
    order = record("Order", "o", created_at="2024-01-01T00:00:00.123456Z")
    line = style.line(order)
    assert line.isascii()
    shaped = json.loads(line)
    assert shaped["total"] == "19.9" and shaped["items"][0]["unit_price"] == "9.95"
    assert shaped["created_at"] == "2024-01-01T05:30:00.123456+05:30"
    assert {k for k in shaped if k.startswith("x_")} and next(iter(shaped)) != "type"


@pytest.mark.parametrize("split", ["fixed", "single", "line-ends", "small-odd"])
def test_parts_concatenate_to_the_archive_however_cut(tmp_path: Path, split: str) -> None:
    store = Store(tmp_path)
    writer = PartWriter(store, "e", 300, split)
    lines = [json.dumps({"n": n, "text": "€😀" * n}).encode() + b"\n" for n in range(200)]
    for line in lines:
        writer.write(line)
    parts = writer.close()
    data = b"".join(store.part_path("e", p.n).read_bytes() for p in parts)
    assert data == b"".join(lines)
    if split == "single":
        assert len(parts) == 1
    if split == "line-ends":
        assert all(store.part_path("e", p.n).read_bytes().endswith(b"\n") for p in parts)
    if split == "small-odd":
        assert {p.size for p in parts[:-1]} == {1021}
    store.close()


def test_url_style_writes_each_form() -> None:
    assert UrlStyle("absolute").part("http://h", "e", 1, "a=b") == "http://h/port/v1/parts/e/1?a=b"
    assert UrlStyle("path-relative").location(None, "imports", "i") == "imports/i"
    assert UrlStyle("root-relative").media("http://h", "ab") == "/port/v1/media/ab"
