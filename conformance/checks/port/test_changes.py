"""PORT-009 and PORT-015: the changes feed, and deletions that cascade."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import pytest

from conformance.errors import Finding, Mismatch
from conformance.examples import Examples
from conformance.port.archive import serialize
from conformance.port.client import PortClient
from conformance.port.roundtrip import cleanup
from conformance.port.strategies import GeneratedArchive, archives
from conformance.roles import ALICE

_MAX_EXTRA_PAGES = 20


def _feed(port: PortClient, cursor: str | None, max_pages: int) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for page, _ in port.changes(ALICE, cursor, max_pages=max_pages, limit=7):
        changes += [c for c in page.get("changes", []) if isinstance(c, dict)]
    return changes


@pytest.mark.requirement("PORT-009")
def test_changes_after_a_cursor_appear_once_in_order(port: PortClient, examples: Examples) -> None:
    """Every later upsert and delete once, by seq; paging ends; re-reading gives the same."""

    @examples.given(archives(min_records=1, max_records=30, with_profile=False))
    def feed(generated: GeneratedArchive) -> None:
        cursor = port.end_cursor(ALICE)
        port.put_media(ALICE, generated.media)
        job = port.import_archive(ALICE, generated.body())
        id_map = job.get("id_map") or {}
        victim = next((id_map[r["id"]] for r in generated.records if r["id"] in id_map), None)
        if victim is not None:
            port.delete_record(ALICE, victim)
        expected_upserts = {id_map[r["id"]] for r in generated.records if r["id"] in id_map}
        bound = (len(expected_upserts) * 3) // 7 + _MAX_EXTRA_PAGES
        try:
            first = _feed(port, cursor, bound)
            again = _feed(port, cursor, bound)
        finally:
            cleanup(port, ALICE, generated.records, id_map)
        _judge(first, again, expected_upserts, victim)

    feed()


def _judge(
    first: list[dict[str, Any]], again: list[dict[str, Any]], upserts: set[str], victim: str | None
) -> None:
    mismatches: list[Mismatch] = []
    seqs = [c.get("seq") for c in first]
    numbers = [s for s in seqs if isinstance(s, int)]
    if len(numbers) != len(seqs) or any(a >= b for a, b in itertools.pairwise(numbers)):
        mismatches.append(Mismatch("$.changes[*].seq", "integers strictly growing", seqs[:20]))
    keys = [(c.get("seq"), c.get("op"), c.get("id")) for c in first]
    if len(set(keys)) != len(keys):
        mismatches.append(Mismatch("$.changes", "each change once", "a change listed twice"))
    seen_upserts = {c.get("id") for c in first if c.get("op") == "upsert"}
    missing = upserts - seen_upserts
    if missing:
        mismatches.append(
            Mismatch(
                "upserts after the cursor", sorted(upserts)[:5], f"missing {sorted(missing)[:5]}"
            )
        )
    if victim is not None and not any(
        c.get("op") == "delete" and c.get("id") == victim for c in first
    ):
        mismatches.append(Mismatch("deletes after the cursor", f"delete of {victim}", "absent"))
    if [(c.get("seq"), c.get("op"), c.get("id")) for c in again] != keys:
        mismatches.append(
            Mismatch(
                "re-reading from the same cursor",
                keys[:10],
                [(c.get("seq"), c.get("op"), c.get("id")) for c in again][:10],
            )
        )
    if mismatches:
        raise Finding("the changes feed breaks PORT-009", mismatches=mismatches)


@pytest.mark.requirement("PORT-015")
def test_deleted_record_is_gone_and_its_references_are_removed(port: PortClient) -> None:
    """Delete a Post and a Media: absent from the export, deletes in the feed, referrers upserted."""
    data = b"conformance media " + hashlib.sha256(b"PORT-015").digest()
    sha = hashlib.sha256(data).hexdigest()
    stamp = "2024-05-01T10:00:00.123Z"
    base = {"created_at": stamp, "updated_at": stamp}
    records: list[dict[str, Any]] = [
        {
            "type": "Media",
            "id": "m",
            "media_type": "application/octet-stream",
            "size": len(data),
            "sha256": sha,
            "filename": "m.bin",
            "url": "ignored",
        }
        | base,
        {
            "type": "Post",
            "id": "p",
            "content": "parent",
            "visibility": "public",
            "media_ids": ["m"],
            "in_reply_to": None,
        }
        | base,
        {
            "type": "Post",
            "id": "q",
            "content": "reply",
            "visibility": "public",
            "media_ids": ["m"],
            "in_reply_to": "p",
        }
        | base,
    ]
    port.put_media(ALICE, {sha: data})
    job = port.import_archive(ALICE, serialize(records, with_manifest=False))
    ids = job.get("id_map") or {}
    if set(ids) != {"m", "p", "q"}:
        raise Finding(
            f"the import did not map every record (id_map {ids}, rejected {job.get('rejected')})"
        )
    cursor = port.end_cursor(ALICE)
    try:
        for archive_id in ("p", "m"):
            response = port.delete_record(ALICE, ids[archive_id])
            if response.status != 204:
                raise Finding(
                    f"DELETE of a {archive_id!r} record answered {response.status}, expected 204",
                    evidence=[response.exchange],
                )
        export = port.export(ALICE)
        port.delete_export(ALICE, export.location)
        changes = _feed(port, cursor, 50)
    finally:
        cleanup(port, ALICE, records, ids)
    assert export.archive is not None
    exported = {r.get("id"): r for r in export.archive.records}
    mismatches = [
        Mismatch(f"export: {k} ({ids[k]})", "absent", "present")
        for k in ("p", "m")
        if ids[k] in exported
    ]
    reply = exported.get(ids["q"])
    if reply is None:
        mismatches.append(
            Mismatch("export: q", "present", "absent", "only the deleted records may go")
        )
    elif reply.get("in_reply_to") is not None or reply.get("media_ids"):
        mismatches.append(
            Mismatch(
                "export: q",
                "in_reply_to null and media_ids []",
                {"in_reply_to": reply.get("in_reply_to"), "media_ids": reply.get("media_ids")},
            )
        )
    for k in ("p", "m"):
        if not any(c.get("op") == "delete" and c.get("id") == ids[k] for c in changes):
            mismatches.append(Mismatch(f"feed: delete of {k}", "present", "absent"))
    # The draft does not order a referrer's upsert against the delete; the last one must be clean.
    upserts = [c for c in changes if c.get("op") == "upsert" and c.get("id") == ids["q"]]
    final = upserts[-1].get("record") if upserts else None
    if (
        not isinstance(final, dict)
        or final.get("in_reply_to") is not None
        or final.get("media_ids")
    ):
        mismatches.append(
            Mismatch("feed: upsert of q after the cursor", "q without its references", final)
        )
    if mismatches:
        raise Finding(
            "deleting records did not cascade as PORT-015 requires", mismatches=mismatches
        )
