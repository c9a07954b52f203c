"""PORT change feed and deletes on the reference platform."""

from __future__ import annotations

from typing import Any

import pytest
from reference_support import Api, assert_problem, media_record, record

from conformance.reference import ReferencePlatform
from conformance.reference.port_changes import decode_cursor, encode_cursor
from conformance.reference.problems import Problem


def _ops(changes: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(c["seq"], c["op"], c["id"]) for c in changes]


def test_feed_starts_with_the_account_and_carries_records_as_they_were(
    fresh_platform: ReferencePlatform,
) -> None:
    api = Api(fresh_platform, "first_party", "alice")
    initial, cursor = api.feed()
    assert [(c["op"], c["record"]["type"]) for c in initial] == [("upsert", "Profile")]
    result = api.import_records(record("Post", "p1", content="v1"), record("Review", "r1"))
    later, _ = api.feed(cursor)
    assert [c["id"] for c in later] == [result["id_map"]["p1"], result["id_map"]["r1"]]
    assert all(c["op"] == "upsert" for c in later)
    assert later[0]["record"]["content"] == "v1"
    assert later[0]["record"]["id"] == result["id_map"]["p1"]
    seqs = [c["seq"] for c in initial + later]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_paging_terminates_and_rereading_gives_the_same_sequence(
    fresh_platform: ReferencePlatform,
) -> None:
    api = Api(fresh_platform, "first_party", "alice")
    api.import_records(*[record("Post", f"p{i}") for i in range(7)])
    whole, _ = api.feed(limit=1000)
    paged, _ = api.feed(limit=2)
    assert _ops(paged) == _ops(whole)
    assert len(whole) == 8
    middle_cursor = api.get("/port/v1/changes", params={"limit": 3}).json()["next_cursor"]
    first_read, _ = api.feed(middle_cursor, limit=2)
    second_read, _ = api.feed(middle_cursor, limit=5)
    assert _ops(first_read) == _ops(second_read) == _ops(whole[3:])
    page = api.get("/port/v1/changes", params={"limit": 2}).json()
    assert page["has_more"] is True and len(page["changes"]) == 2
    end = api.get("/port/v1/changes", params={"cursor": api.feed()[1]}).json()
    assert end["changes"] == [] and end["has_more"] is False and end["next_cursor"]


def test_bad_cursor_and_limit_are_invalid(alice: Api) -> None:
    for params in (
        {"cursor": "garbage!"},
        {"cursor": encode_cursor(1) + "x"},
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "ten"},
    ):
        assert_problem(alice.get("/port/v1/changes", params=params), 400, "INVALID")
    capped = alice.get("/port/v1/changes", params={"limit": "5000"})
    assert capped.status_code == 200


def test_cursor_round_trip() -> None:
    assert decode_cursor(None) == 0
    assert decode_cursor(encode_cursor(12345)) == 12345
    with pytest.raises(Problem):
        decode_cursor("YTox")  # base64 of "a:1"


def test_feeds_are_per_account(fresh_platform: ReferencePlatform) -> None:
    alice = Api(fresh_platform, "first_party", "alice")
    bob = Api(fresh_platform, "first_party", "bob")
    result = alice.import_records(record("Post", "secret"))
    bob_ids = {c["id"] for c in bob.feed()[0]}
    assert result["id_map"]["secret"] not in bob_ids


def test_delete_cascades_to_references_and_reports_each_change(
    fresh_platform: ReferencePlatform,
) -> None:
    api = Api(fresh_platform, "first_party", "alice")
    pic, other = b"picture bytes", b"other picture"
    api.upload(pic)
    api.upload(other)
    result = api.import_records(
        media_record("pic", pic),
        media_record("other", other),
        record("Post", "root", media_ids=["pic", "other", "pic"]),
        record("Post", "reply", in_reply_to="root", media_ids=["pic"]),
        record("Profile", "me", avatar_media_id="pic"),
        record("Post", "unrelated"),
    )
    assert result["rejected"] == []
    ids = result["id_map"]
    _, cursor = api.feed()

    assert api.delete(f"/port/v1/records/{ids['pic']}").status_code == 204
    changes, cursor = api.feed(cursor)
    assert changes[0]["op"] == "delete" and changes[0]["id"] == ids["pic"]
    assert "record" not in changes[0]
    upserts = {c["id"]: c["record"] for c in changes[1:]}
    assert all(c["op"] == "upsert" and c["seq"] > changes[0]["seq"] for c in changes[1:])
    assert set(upserts) == {ids["root"], ids["reply"], ids["me"]}
    assert upserts[ids["root"]]["media_ids"] == [ids["other"]]
    assert upserts[ids["reply"]]["media_ids"] == []
    assert upserts[ids["me"]]["avatar_media_id"] is None

    exported = {r["id"]: r for r in api.exported_records()}
    assert ids["pic"] not in exported
    assert exported[ids["root"]] == upserts[ids["root"]]
    assert exported[ids["me"]]["avatar_media_id"] is None

    assert api.delete(f"/port/v1/records/{ids['root']}").status_code == 204
    changes, _ = api.feed(cursor)
    assert _ops(changes)[0][1:] == ("delete", ids["root"])
    assert [(c["id"], c["record"]["in_reply_to"]) for c in changes[1:]] == [(ids["reply"], None)]


def test_delete_of_profile_conflicts_and_of_unknown_is_not_found(
    fresh_platform: ReferencePlatform,
) -> None:
    alice = Api(fresh_platform, "first_party", "alice")
    bob = Api(fresh_platform, "first_party", "bob")
    profile = next(r for r in alice.exported_records() if r["type"] == "Profile")
    assert_problem(alice.delete(f"/port/v1/records/{profile['id']}"), 409, "CONFLICT")
    post = alice.import_records(record("Post", "mine"))["id_map"]["mine"]
    assert_problem(bob.delete(f"/port/v1/records/{post}"), 404, "NOT_FOUND")
    assert alice.delete(f"/port/v1/records/{post}").status_code == 204
    assert_problem(alice.delete(f"/port/v1/records/{post}"), 404, "NOT_FOUND")
    assert_problem(alice.delete("/port/v1/records/never-was"), 404, "NOT_FOUND")
