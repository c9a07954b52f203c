"""PORT-003's rules, each shown to catch what it names (no platform needed)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.schemas import ComponentSchemas
from conformance.port.archive import Archive, read_archive, serialize
from conformance.port.conformity import archive_mismatches

SCHEMAS = ComponentSchemas(Catalogue.load())
STAMP = "2024-01-01T00:00:00Z"
BASE = {"created_at": STAMP, "updated_at": STAMP}
RECORDS: list[dict[str, Any]] = [
    {
        "type": "Profile",
        "id": "p",
        "display_name": "A",
        "bio": "",
        "locale": "en",
        "avatar_media_id": "m",
    }
    | BASE,
    {
        "type": "Media",
        "id": "m",
        "media_type": "image/png",
        "size": 3,
        "sha256": "a" * 64,
        "filename": "a.png",
        "url": "/port/v1/media/" + "a" * 64,
    }
    | BASE,
    {
        "type": "Post",
        "id": "q",
        "content": "hi",
        "visibility": "public",
        "media_ids": ["m"],
        "in_reply_to": None,
    }
    | BASE,
    {
        "type": "Post",
        "id": "r",
        "content": "re",
        "visibility": "private",
        "media_ids": [],
        "in_reply_to": "q",
    }
    | BASE,
]


def _archive(
    change: Callable[[list[dict[str, Any]]], None] | None = None, subject: str = "u1"
) -> Archive:
    records = copy.deepcopy(RECORDS)
    if change:
        change(records)
    return read_archive([serialize(records, subject=subject)])


def test_a_well_formed_archive_has_no_mismatch() -> None:
    assert archive_mismatches(_archive(), SCHEMAS, "u1") == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda rs: rs.append({"type": "Like", "id": "l"} | BASE), "$.type"),
        (lambda rs: rs[3].update(id="q"), "$.id"),
        (lambda rs: rs[3].update(in_reply_to="m"), "$.in_reply_to"),
        (lambda rs: rs[2].update(media_ids=["q"]), "$.media_ids"),
        (lambda rs: rs[0].update(avatar_media_id="nowhere"), "$.avatar_media_id"),
        (lambda rs: rs.append(copy.deepcopy(rs[0]) | {"id": "p2"}), "exactly one Profile"),
        (lambda rs: rs[2].update(visibility="friends"), "(Post)"),
    ],
)
def test_each_rule_catches_what_it_names(
    change: Callable[[list[dict[str, Any]]], None], where: str
) -> None:
    found = archive_mismatches(_archive(change), SCHEMAS, "u1")
    assert any(where in f"{m.path} {m.expected}" for m in found), found


def test_manifest_counts_subject_and_position_are_checked() -> None:
    wrong_subject = archive_mismatches(_archive(subject="someone-else"), SCHEMAS, "u1")
    assert any(m.path == "line 1 $.subject" for m in wrong_subject)
    archive = _archive()
    assert archive.manifest is not None
    archive.manifest["counts"] = {"Post": 3, "Likes": 1, "Profile": 1, "Media": 1}
    paths = {m.path for m in archive_mismatches(archive, SCHEMAS, "u1")}
    assert "line 1 $.counts.Post" in paths
    # A key that is not a record type is the platform's own (C5): ignored.
    assert not any("Likes" in path for path in paths)
    archive.manifest = None
    assert any(m.path == "line 1" for m in archive_mismatches(archive, SCHEMAS, "u1"))
