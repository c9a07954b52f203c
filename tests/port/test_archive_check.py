"""PORT-003 as the archive streams: ids and references settled at the end, rows capped."""

from __future__ import annotations

import copy
from typing import Any

from conformance._harness.catalogue import Catalogue
from conformance._harness.schemas import ComponentSchemas
from conformance.port.archive import Archive, iter_lines, parse_line, serialize
from conformance.port.conformity import MISMATCHES_KEPT, ArchiveCheck, archive_mismatches

SCHEMAS = ComponentSchemas(Catalogue.load())
STAMP = "2024-01-01T00:00:00Z"
BASE = {"created_at": STAMP, "updated_at": STAMP}
PROFILE = {"type": "Profile", "id": "p", "display_name": "A", "bio": "", "locale": "en"}
PROFILE |= {"avatar_media_id": None} | BASE


def post(rid: str, reply: Any = None, media: list[Any] | None = None) -> dict[str, Any]:
    return (
        {"type": "Post", "id": rid, "content": "x", "visibility": "public"}
        | BASE
        | {
            "media_ids": media or [],
            "in_reply_to": reply,
        }
    )


def streamed(records: list[dict[str, Any]], subject: str = "u1") -> list[Any]:
    """The mismatches of the archive fed line by line, as a download feeds it."""
    body = serialize(records, subject=subject)
    with ArchiveCheck(SCHEMAS, subject) as check:
        for line in iter_lines([body[i : i + 7] for i in range(0, len(body), 7)]):
            check.add(line.number, parse_line(line))
        return check.mismatches()


def test_a_reply_may_come_before_the_post_it_names() -> None:
    assert streamed([PROFILE, post("b", reply="a"), post("a")]) == []


def test_a_later_duplicate_is_the_one_named_and_the_first_decides_references() -> None:
    media = {"type": "Media", "id": "a", "media_type": "image/png", "size": 1} | BASE
    media |= {"sha256": "a" * 64, "filename": "f", "url": "/m"}
    found = streamed([PROFILE, post("a"), media, post("c", reply="a", media=["a"])])
    rows = [(m.path, m.received) for m in found]
    assert ("line 4 $.id", "a") in rows  # the Media, line 4 (manifest, Profile, Post first)
    # "a" is a Post (the first record with it): right for in_reply_to, wrong for media_ids.
    assert ("line 5 $.media_ids", "a") in rows
    assert not any(path == "line 5 $.in_reply_to" for path, _ in rows)


def test_a_reference_that_is_not_a_string_names_no_record() -> None:
    found = streamed([PROFILE, post("a", media=[7])])
    assert any(m.path == "line 3 $.media_ids" and m.why == "it names no record" for m in found)


def test_streaming_and_held_archives_agree() -> None:
    records = [PROFILE, post("a", reply="zz"), post("a"), post("b", media=["a"])]
    records.append({"type": "Like", "id": "l"} | BASE)
    records.append(copy.deepcopy(PROFILE) | {"id": "p2"})
    body = serialize(records, subject="u1")
    held = Archive(None, [])
    for line in iter_lines([body]):
        held.add(line.number, parse_line(line))
    assert archive_mismatches(held, SCHEMAS, "u1") == streamed(records)
    assert streamed(records)  # and it found something


def test_rows_past_the_cap_are_counted_not_kept() -> None:
    records = [PROFILE] + [post(f"p{i}", reply=f"nowhere{i}") for i in range(MISMATCHES_KEPT + 5)]
    found = streamed(records)
    assert len(found) == MISMATCHES_KEPT + 1
    assert found[-1].received == "5 more not listed"
