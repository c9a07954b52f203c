"""PORT-003 as the archive streams: ids and references settled at the end, rows capped."""

from __future__ import annotations

import copy
from typing import Any

from conformance._harness.catalogue import Catalogue
from conformance._harness.schemas import ComponentSchemas
from conformance.port.archive import Archive, NdjsonReader, iter_lines, parse_line, serialize
from conformance.port.client import Export, _take_all
from conformance.port.conformity import MISMATCHES_KEPT, ArchiveCheck, archive_mismatches
from conformance.port.id_index import BATCH, ROWS_PER_INSERT, IdIndex

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


def downloaded(body: bytes, size: int, subject: str = "u1") -> tuple[list[Any], list[Any]]:
    """Mismatches and format errors of ``body`` read in chunks of ``size`` bytes, by the
    loop ``PortClient.download`` runs over each part."""
    export = Export({}, "", 0.0)
    reader = NdjsonReader()
    with ArchiveCheck(SCHEMAS, subject) as check:
        for start in range(0, len(body), size):
            first = reader.lines_read + 1
            _take_all(reader.feed_raw(body[start : start + size]), first, check, export)
        for line in reader.close():
            _take_all([line.raw], line.number, check, export)
        found = check.mismatches()
    return found, [(e.line_number, e.detail) for e in export.format_errors]


def test_a_download_cut_anywhere_is_judged_as_the_held_archive() -> None:
    records = [PROFILE | {"bio": "caf\u00e9 \U0001f600"}, post("a"), post("b", reply="a")]
    records.append(post("c", reply="nowhere", media=["a"]))
    body = serialize(records, subject="u1").rstrip(b"\n")  # the last line unterminated
    held = Archive(None, [])
    for line in iter_lines([body]):
        held.add(line.number, parse_line(line))
    expected = archive_mismatches(held, SCHEMAS, "u1")
    assert expected  # the reference to nowhere, the Media that is a Post
    for size in (1, 2, 3, 7, 64, len(body)):  # boundaries inside lines and characters
        assert downloaded(body, size) == (expected, []), size


def test_a_download_names_each_bad_line_whatever_the_chunks() -> None:
    lines = [serialize([PROFILE], subject="u1").rstrip(b"\n")]
    lines.append(b'{"type":"Post","id":"x","content":"a","id":"y"}')  # line 3: duplicate key
    lines.append(b'{"type":"Post","content":"caf\xc3"}')  # line 4: UTF-8 cut short
    lines.append(b"")  # line 5: empty
    lines.append(serialize([post("z")], with_manifest=False).rstrip(b"\n"))
    body = b"\n".join(lines) + b"\n"
    for size in (1, 5, 1000):
        _, errors = downloaded(body, size)
        assert [(n, d.split(" ")[0]) for n, d in errors] == [
            (3, "not"),
            (4, "invalid"),
            (5, "empty"),
        ], size
        assert "duplicate key 'id'" in errors[0][1]


def test_the_id_index_answers_alike_across_batches_and_statements() -> None:
    # More rows than a batch, not a multiple of a statement's: every flush path is taken.
    count = BATCH + ROWS_PER_INSERT + 7
    index = IdIndex()
    try:
        for n in range(count):
            index.add_id(f"r{n}", "Post", n + 2)
            index.add_ref(n + 2, "in_reply_to", f"r{n - 1}", "Post")
        assert index.duplicates(10) == ([], 0)
        assert index.unresolved(10) == ([(2, "in_reply_to", "r-1", "Post", None)], 1)
    finally:
        index.close()


def test_a_repeated_id_is_found_after_the_unique_index_is_refused() -> None:
    index = IdIndex()
    try:
        for n in range(ROWS_PER_INSERT * 3):
            index.add_id(f"r{n % 400}", "Post" if n < 400 else "Media", n + 2)
        index.add_ref(9999, "media_ids", "r5", "Media")
        duplicates, total = index.duplicates(3)
        assert duplicates == [(402, "r0"), (403, "r1"), (404, "r2")]
        assert total == ROWS_PER_INSERT * 3 - 400
        # The first record with the id decides what a reference names (a Post here).
        assert index.unresolved(5) == ([(9999, "media_ids", "r5", "Media", "Post")], 1)
    finally:
        index.close()
