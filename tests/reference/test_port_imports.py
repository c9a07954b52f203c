"""PORT imports on the reference platform: line rules, references, fidelity."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import requests
from reference_support import TIMEOUT, Api, assert_problem, media_record, record

from conformance.reference import ReferencePlatform
from conformance.reference.port_imports import parse_archive


def _rejected_lines(result: dict[str, Any]) -> list[int]:
    for rejection in result["rejected"]:
        assert rejection["code"] == "INVALID"
        assert isinstance(rejection["detail"], str) and rejection["detail"]
    return [rejection["line"] for rejection in result["rejected"]]


def _exported(api: Api, new_id: str) -> dict[str, Any]:
    return next(item for item in api.exported_records() if item["id"] == new_id)


def test_lines_are_numbered_from_one_counting_every_line(alice: Api) -> None:
    manifest = {
        "type": "Manifest",
        "format": "port/1.0",
        "subject": "x",
        "generated_at": "2024-01-01T00:00:00Z",
        "counts": {"Post": 2},
    }
    body = (
        "\n".join(
            [
                json.dumps(manifest),  # 1
                json.dumps(record("Post", "a")),  # 2
                "",  # 3 empty line
                "{not json",  # 4
                json.dumps(record("Post", "b")),  # 5
                json.dumps({"type": "Unknown", "id": "u"}),  # 6
                "   ",  # 7 whitespace only
                "[1, 2]",  # 8 not an object
            ]
        )
        + "\n"
    )
    result = alice.import_body(body.encode())
    assert _rejected_lines(result) == [3, 4, 6, 7, 8]
    assert result["imported"] == {"Post": 2}
    assert set(result["id_map"]) == {"a", "b"}


def test_final_newline_starts_no_line_and_its_absence_loses_nothing(alice: Api) -> None:
    without = alice.import_body(json.dumps(record("Post", "x")).encode())
    assert without["imported"] == {"Post": 1} and without["rejected"] == []
    lone_newline = alice.import_body(b"\n")
    assert _rejected_lines(lone_newline) == [1]
    double = alice.import_body(json.dumps(record("Post", "y")).encode() + b"\n\n")
    assert _rejected_lines(double) == [2]
    assert parse_archive(b"") == ([], [])


def test_manifest_only_on_line_one_and_of_this_format(alice: Api) -> None:
    manifest = {"type": "Manifest", "format": "port/1.0"}
    late = alice.import_records(record("Post", "p"), manifest)
    assert _rejected_lines(late) == [2]
    other = alice.import_records({"type": "Manifest", "format": "other/9"}, record("Post", "q"))
    assert _rejected_lines(other) == [1]
    assert other["imported"] == {"Post": 1}


@pytest.mark.parametrize(
    ("record_type", "fields"),
    [
        ("Order", {"total": 19.9}),
        ("Order", {"total": "1.99e1"}),
        ("Order", {"total": "019.90"}),
        ("Order", {"total": "19.91"}),
        (
            "Order",
            {"items": [{"sku": "s", "title": "t", "quantity": 0, "unit_price": "1"}], "total": "0"},
        ),
        (
            "Order",
            {
                "items": [{"sku": "s", "title": "t", "quantity": True, "unit_price": "1"}],
                "total": "1",
            },
        ),
        (
            "Order",
            {
                "items": [{"sku": "s", "title": "t", "quantity": 1.0, "unit_price": "1"}],
                "total": "1",
            },
        ),
        ("Order", {"status": "lost"}),
        ("Order", {"currency": "eur"}),
        ("Order", {"ordered_at": "2024-05-01T10:00:00"}),
        ("Order", {"ordered_at": "2024-02-30T10:00:00Z"}),
        ("Contact", {"phones": ["030 123456"]}),
        ("Contact", {"phones": ["4930123456"]}),
        ("Contact", {"handles": [{"platform": "x"}]}),
        ("Review", {"rating": 6}),
        ("Review", {"rating": 0}),
        ("Review", {"rating": 4.0}),
        ("Review", {"rating": "4"}),
        ("Post", {"content": "x" * 10_001}),
        ("Post", {"visibility": "everyone"}),
        ("Post", {"media_ids": "m1"}),
        ("Post", {"content": None}),
        ("Profile", {"locale": "not a tag"}),
        ("Post", {"created_at": "yesterday"}),
        ("Post", {"id": ""}),
    ],
)
def test_invalid_records_are_rejected(alice: Api, record_type: str, fields: dict[str, Any]) -> None:
    result = alice.import_records(record(record_type, "bad", **fields))
    assert _rejected_lines(result) == [1]
    assert result["imported"] == {}


def test_lone_surrogates_are_not_text(alice: Api) -> None:
    # ensure_ascii spells the surrogate as the escape \ud800: valid JSON syntax.
    line = json.dumps(record("Profile", "s", display_name="bad \ud800 surrogate"))
    assert "\\ud800" in line
    assert _rejected_lines(alice.import_records(line)) == [1]


def test_missing_required_field_is_rejected(alice: Api) -> None:
    line = record("Post", "p")
    del line["visibility"]
    result = alice.import_records(line)
    assert _rejected_lines(result) == [1]
    assert "visibility" in result["rejected"][0]["detail"]


def test_order_total_is_checked_exactly_as_decimals(alice: Api) -> None:
    items = [
        {"sku": "a", "title": "A", "quantity": 3, "unit_price": "0.1"},
        {"sku": "b", "title": "B", "quantity": 1, "unit_price": "-0.05"},
    ]
    result = alice.import_records(
        record("Order", "exact", items=items, total="0.25"),
        record("Order", "trailing", items=items, total="0.2500"),
        record("Order", "float", items=items, total="0.25000000000000006"),
    )
    assert _rejected_lines(result) == [3]
    exported = _exported(alice, result["id_map"]["trailing"])
    assert exported["total"] == "0.2500"
    assert [item["unit_price"] for item in exported["items"]] == ["0.1", "-0.05"]


def test_content_limit_counts_code_points(alice: Api) -> None:
    result = alice.import_records(record("Post", "astral", content="😀" * 10_000))
    assert result["imported"] == {"Post": 1}


def test_forward_and_backward_references_within_the_archive(alice: Api) -> None:
    data = b"forward media"
    sha = alice.upload(data)
    result = alice.import_records(
        record("Post", "reply", in_reply_to="root"),
        record("Post", "root", media_ids=["m", "m"]),
        media_record("m", data),
        record("Post", "again", in_reply_to="reply"),
    )
    assert result["rejected"] == []
    ids = result["id_map"]
    assert len(set(ids.values())) == 4 and not set(ids) & set(ids.values())
    assert _exported(alice, ids["reply"])["in_reply_to"] == ids["root"]
    assert _exported(alice, ids["root"])["media_ids"] == [ids["m"], ids["m"]]
    assert _exported(alice, ids["m"])["url"] == f"/port/v1/media/{sha}"


def test_references_to_unknown_or_rejected_lines_are_rejected_transitively(alice: Api) -> None:
    result = alice.import_records(
        record("Post", "p1", in_reply_to="nowhere"),  # 1 unknown id
        record("Post", "p2", in_reply_to="p1"),  # 2 refers to rejected 1
        record("Post", "p3", in_reply_to="p2"),  # 3 refers to rejected 2
        record("Post", "p4", media_ids=["bad-order"]),  # 4 refers to rejected 5
        record("Order", "bad-order", total="1"),  # 5 wrong total
        record("Post", "p6", media_ids=["p7"]),  # 6 refers to a Post as media
        record("Post", "p7"),  # 7 fine
        record("Post", "p8", in_reply_to="p7"),  # 8 fine
    )
    assert _rejected_lines(result) == [1, 2, 3, 4, 5, 6]
    assert set(result["id_map"]) == {"p7", "p8"}
    assert "line 2" in result["rejected"][2]["detail"]


def test_duplicate_ids_and_second_profile_are_rejected(alice: Api) -> None:
    result = alice.import_records(
        record("Post", "same"),
        record("Post", "same", content="other"),
        record("Profile", "prof1", display_name="One"),
        record("Profile", "prof2", display_name="Two"),
    )
    assert _rejected_lines(result) == [2, 4]


def test_id_map_persists_for_later_imports_of_the_same_account(alice: Api, bob: Api) -> None:
    data = b"increment media " + alice.user_id.encode()
    alice.upload(data)
    first = alice.import_records(media_record("inc-media", data), record("Post", "inc-root"))
    second = alice.import_records(
        record("Post", "inc-reply", in_reply_to="inc-root", media_ids=["inc-media"])
    )
    assert second["rejected"] == []
    reply = _exported(alice, second["id_map"]["inc-reply"])
    assert reply["in_reply_to"] == first["id_map"]["inc-root"]
    assert reply["media_ids"] == [first["id_map"]["inc-media"]]
    # The mapping is the account's own: bob cannot refer to alice's ids.
    other = bob.import_records(record("Post", "inc-reply", in_reply_to="inc-root"))
    assert _rejected_lines(other) == [1]


def test_a_rejected_line_shadows_an_earlier_mapping_of_its_id(alice: Api) -> None:
    alice.import_records(record("Post", "shadowed"))
    result = alice.import_records(
        record("Post", "shadowed", visibility="nobody"),
        record("Post", "follower", in_reply_to="shadowed"),
    )
    assert _rejected_lines(result) == [1, 2]
    assert "line 1" in result["rejected"][1]["detail"]


def test_reference_to_a_mapped_record_deleted_since_is_rejected(alice: Api) -> None:
    first = alice.import_records(record("Post", "gone-root"))
    assert alice.delete(f"/port/v1/records/{first['id_map']['gone-root']}").status_code == 204
    second = alice.import_records(record("Post", "gone-reply", in_reply_to="gone-root"))
    assert _rejected_lines(second) == [1]


def test_media_records_need_uploaded_bytes_of_that_size(alice: Api, bob: Api) -> None:
    data = b"media for import " + alice.user_id.encode()
    missing = alice.import_records(media_record("mm", data))
    assert _rejected_lines(missing) == [1]
    bob.upload(data)  # another account's upload does not count
    assert _rejected_lines(alice.import_records(media_record("mm", data))) == [1]
    alice.upload(data)
    wrong_size = alice.import_records(media_record("mm", data, size=len(data) + 1))
    assert _rejected_lines(wrong_size) == [1]
    accepted = alice.import_records(media_record("mm", data, url="https://elsewhere/x"))
    assert accepted["imported"] == {"Media": 1}
    exported = _exported(alice, accepted["id_map"]["mm"])
    assert exported["url"] == f"/port/v1/media/{hashlib.sha256(data).hexdigest()}"


def test_imported_profile_replaces_the_accounts_profile(fresh_platform: ReferencePlatform) -> None:
    api = Api(fresh_platform, "first_party", "alice")
    before = [r for r in api.exported_records() if r["type"] == "Profile"]
    avatar = b"avatar bytes"
    api.upload(avatar)
    result = api.import_records(
        media_record("av", avatar),
        record(
            "Profile",
            "their-profile",
            display_name="Ålice ✨",
            bio="b\r\nio",
            locale="de-CH",
            avatar_media_id="av",
            created_at="2020-01-01T00:00:00+02:00",
            updated_at="2021-06-01T12:30:00.250Z",
        ),
    )
    assert result["imported"] == {"Media": 1, "Profile": 1}
    assert result["id_map"]["their-profile"] == before[0]["id"]
    profiles = [r for r in api.exported_records() if r["type"] == "Profile"]
    assert profiles == [
        {
            "type": "Profile",
            "id": before[0]["id"],
            "created_at": "2020-01-01T00:00:00+02:00",
            "updated_at": "2021-06-01T12:30:00.250Z",
            "display_name": "Ålice ✨",
            "bio": "b\r\nio",
            "locale": "de-CH",
            "avatar_media_id": result["id_map"]["av"],
        }
    ]


TRICKY_TEXTS = [
    "nul \u0000 inside",
    "astral 𝄞 😀 𐍈",
    "cr \r lf \n crlf \r\n",
    "combining e\u0301 vs \u00e9",
    "rtl \u202eabc \u05e9\u05dc\u05d5\u05dd",
    "<script>alert('x')</script> & \"quotes\" \\ backslash",
    "  leading and trailing spaces  ",
    "line separator \u2028 paragraph \u2029",
    "bom \ufeff and nbsp \u00a0",
]


def test_text_round_trips_exactly(fresh_platform: ReferencePlatform) -> None:
    api = Api(fresh_platform, "first_party", "alice")
    lines = [
        record("Post", f"t{index}", content=text, created_at="2024-03-01T10:00:00.123+05:30")
        for index, text in enumerate(TRICKY_TEXTS)
    ]
    lines.append(
        record(
            "Contact",
            "tc",
            name=TRICKY_TEXTS[0],
            emails=[TRICKY_TEXTS[1]],
            handles=[{"platform": TRICKY_TEXTS[2], "handle": TRICKY_TEXTS[3]}],
        )
    )
    result = api.import_records(*lines)
    assert result["rejected"] == []
    exported = {r["id"]: r for r in api.exported_records()}
    feed = {c["id"]: c["record"] for c in api.feed()[0] if c["op"] == "upsert"}
    for index, text in enumerate(TRICKY_TEXTS):
        new_id = result["id_map"][f"t{index}"]
        assert exported[new_id]["content"] == text
        assert feed[new_id]["content"] == text
        assert exported[new_id]["created_at"] == "2024-03-01T10:00:00.123+05:30"
    contact = exported[result["id_map"]["tc"]]
    assert contact["name"] == TRICKY_TEXTS[0]
    assert contact["handles"] == [{"platform": TRICKY_TEXTS[2], "handle": TRICKY_TEXTS[3]}]


def test_unknown_fields_are_dropped(alice: Api) -> None:
    result = alice.import_records(record("Review", "rv", extra={"x": 1}, rating=5))
    exported = _exported(alice, result["id_map"]["rv"])
    assert "extra" not in exported and exported["rating"] == 5


def test_ten_thousand_records_import(fresh_platform: ReferencePlatform) -> None:
    api = Api(fresh_platform, "first_party", "bob")
    lines = [json.dumps(record("Post", f"bulk{i}", content=f"post {i}")) for i in range(10_000)]
    result = api.import_body(("\n".join(lines) + "\n").encode())
    assert result["imported"] == {"Post": 10_000}
    assert result["rejected"] == []


def test_import_jobs_are_listed_newest_first_and_private(
    platform: ReferencePlatform, alice: Api, bob: Api
) -> None:
    first = alice.post(
        "/port/v1/imports", data=b"", headers={"Content-Type": "application/x-ndjson"}
    )
    second = alice.post("/port/v1/imports", data=b"")
    assert first.status_code == second.status_code == 202
    assert first.headers["Location"] == f"/port/v1/imports/{first.json()['id']}"
    listed = [job["id"] for job in alice.get("/port/v1/imports").json()["imports"]]
    assert listed.index(second.json()["id"]) < listed.index(first.json()["id"])
    job = alice.get(first.headers["Location"]).json()
    assert job["status"] == "completed"
    assert {"id", "status", "created_at", "imported", "rejected", "id_map"} <= set(job)
    assert_problem(bob.get(first.headers["Location"]), 404, "NOT_FOUND")
    assert first.json()["id"] not in [
        j["id"] for j in bob.get("/port/v1/imports").json()["imports"]
    ]
    anonymous = requests.get(platform.base_url + "/port/v1/imports", timeout=TIMEOUT)
    assert_problem(anonymous, 401, "UNAUTHENTICATED")


def test_body_over_64_mib_is_too_large(alice: Api) -> None:
    body = b"x" * (64 * 1024 * 1024 + 1)
    response = alice.post("/port/v1/imports", data=body)
    assert_problem(response, 413, "TOO_LARGE")
