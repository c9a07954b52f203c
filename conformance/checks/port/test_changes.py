"""PORT-009 and PORT-015: the changes feed, and deletions that cascade."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Collection
from typing import Any

import pytest

from conformance import ALICE, Examples, Finding, Harness, Mismatch, ordinary
from conformance.port.archive import serialize
from conformance.port.client import PortClient
from conformance.port.properties import run_property
from conformance.port.roundtrip import cleanup
from conformance.port.strategies import GeneratedArchive, archives

# Pages the suite reads beyond one per change it expects: a page may hold fewer
# changes than asked, even none, but a feed must end.
_MAX_EXTRA_PAGES = 50


def _feed(port: PortClient, cursor: str | None, max_pages: int) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for page, _ in port.changes(ALICE, cursor, max_pages=max_pages, limit=7):
        changes += [c for c in page.get("changes", []) if isinstance(c, dict)]
    return changes


def _referenced(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Archive id → the archive ids of the records that refer to it."""
    holders: dict[str, list[str]] = {}
    for record in records:
        targets = list(record.get("media_ids") or [])
        targets += [record.get(k) for k in ("in_reply_to", "avatar_media_id") if record.get(k)]
        for target in targets:
            holders.setdefault(str(target), []).append(str(record["id"]))
    return holders


@pytest.mark.requirement("PORT-009")
def test_changes_after_a_cursor_appear_once_in_order(
    port: PortClient, examples: Examples, harness: Harness
) -> None:
    """Every later upsert and delete once, by seq; paging ends; re-reading gives the same."""
    read: list[int] = []

    def feed(generated: GeneratedArchive) -> None:
        cursor = port.end_cursor(ALICE)
        port.put_media(ALICE, generated.media)
        job = port.import_archive(ALICE, generated.body())
        id_map = job.get("id_map") or {}
        holders = _referenced(generated.records)
        # A record others refer to, when there is one: its delete changes them too.
        chosen = sorted(
            (r["id"] for r in generated.records if r["id"] in id_map),
            key=lambda rid: -len(holders.get(rid, [])),
        )
        victim = id_map[chosen[0]] if chosen else None
        if victim is not None:
            port.delete_record(ALICE, victim)
        expected_upserts = {id_map[r["id"]] for r in generated.records if r["id"] in id_map}
        cascaded = (
            {id_map[h] for h in holders.get(chosen[0], []) if h in id_map} if chosen else set()
        )
        cascaded.discard(victim)
        bound = len(expected_upserts) + len(cascaded) + _MAX_EXTRA_PAGES
        try:
            first = _feed(port, cursor, bound)
            again = _feed(port, cursor, bound)
        finally:
            cleanup(port, ALICE, generated.records, id_map)
        _judge(first, again, expected_upserts, victim, cascaded)
        read.append(len(first))

    run_property(
        examples,
        (archives(min_records=1, max_records=15, with_profile=False),),
        feed,
        time_left=port.probe.remaining,
        describe=lambda generated: f"an archive of {len(generated.records)} record(s)",
    )
    harness.verified(
        f"{len(read)} import(s) and delete(s): {sum(read)} change(s) read after a cursor, each "
        "once and by seq, the same again from the same cursor"
    )


def _judge(
    first: list[dict[str, Any]],
    again: list[dict[str, Any]],
    upserts: set[str],
    victim: str | None,
    cascaded: Collection[str] = (),
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
    deleted_at = next(
        (c.get("seq") for c in first if c.get("op") == "delete" and c.get("id") == victim), None
    )
    if isinstance(deleted_at, int):
        changed = {
            c.get("id")
            for c in first
            if c.get("op") == "upsert" and isinstance(c.get("seq"), int) and c["seq"] > deleted_at
        }
        lost = set(cascaded) - changed
        if lost:
            mismatches.append(
                Mismatch(
                    f"upserts after the delete of {victim}",
                    f"the {len(cascaded)} record(s) that referred to it",
                    f"missing {sorted(lost)[:5]}",
                    "deleting a record changes the records that refer to it",
                )
            )
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
def test_deleted_record_is_gone_and_its_references_are_removed(
    port: PortClient, harness: Harness
) -> None:
    """Delete a Post and a Media: absent from the export, deletes in the feed, referrers upserted."""
    # Ids, texts, file name and bytes are made up for the run (no fixed marker); the
    # labels m (the Media), p (a Post showing it) and q (p's reply, showing it too) stay.
    made = ordinary(harness.seed, "PORT-015")
    data = made.data(50)
    sha = hashlib.sha256(data).hexdigest()
    stamp = made.timestamp()
    base = {"created_at": stamp, "updated_at": stamp}
    name = {label: made.id() for label in ("m", "p", "q")}
    records: list[dict[str, Any]] = [
        {
            "type": "Media",
            "id": name["m"],
            "media_type": "application/octet-stream",
            "size": len(data),
            "sha256": sha,
            "filename": f"{made.slug()}.bin",
            "url": f"/media/{made.id()}",
        }
        | base,
        {
            "type": "Post",
            "id": name["p"],
            "content": made.sentence(),
            "visibility": "public",
            "media_ids": [name["m"]],
            "in_reply_to": None,
        }
        | base,
        {
            "type": "Post",
            "id": name["q"],
            "content": made.sentence(),
            "visibility": "public",
            "media_ids": [name["m"]],
            "in_reply_to": name["p"],
        }
        | base,
    ]
    port.put_media(ALICE, {sha: data})
    job = port.import_archive(ALICE, serialize(records, with_manifest=False))
    mapped = job.get("id_map") or {}
    ids = {label: mapped[archive_id] for label, archive_id in name.items() if archive_id in mapped}
    if set(ids) != {"m", "p", "q"}:
        raise Finding(
            "the import did not map every record",
            mismatches=[
                Mismatch(
                    "$.id_map",
                    ", ".join(name.values()),
                    sorted(mapped),
                    f"rejected: {job.get('rejected')}",
                )
            ],
        )
    cursor = port.end_cursor(ALICE)
    try:
        for archive_id in ("p", "m"):
            response = port.delete_record(ALICE, ids[archive_id])
            if response.status != 204:
                raise Finding(
                    f"the {archive_id!r} record cannot be deleted",
                    mismatches=[Mismatch("status", 204, response.status)],
                    evidence=[response.exchange],
                )
        export = port.export(ALICE)
        port.delete_export(ALICE, export.location)
        changes = _feed(port, cursor, 50)
    finally:
        cleanup(port, ALICE, records, mapped)
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
