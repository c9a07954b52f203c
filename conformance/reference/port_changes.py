"""The PORT change feed: opaque cursors, pages, and deletes that cascade."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Final

from .clock import format_timestamp
from .port_records import reference_targets, without_reference
from .problems import Problem
from .store import ChangeRow, Tx

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000
_CURSOR: Final = re.compile(r"c1:(0|[1-9][0-9]{0,18})")


def encode_cursor(seq: int) -> str:
    """Return the opaque cursor that resumes after ``seq``."""
    return base64.urlsafe_b64encode(f"c1:{seq}".encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """Return the seq a cursor resumes after; no cursor means the beginning."""
    if cursor is None or cursor == "":
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise Problem(400, "INVALID", "cursor is not one this platform issued")
    return int(match.group(1))


def parse_limit(raw: str | None) -> int:
    """Return the page size: default 100, at most 1000; 400 if not a positive integer.

    A limit above the maximum is lowered rather than refused: the draft lets
    a page hold fewer changes than asked.
    """
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise Problem(400, "INVALID", f"limit must be a positive integer, got {raw!r}")
    return min(int(raw), MAX_LIMIT)


def change_json(change: ChangeRow) -> dict[str, object]:
    """Render one feed entry; only upserts carry the record."""
    entry: dict[str, object] = {"seq": change.seq, "op": change.op, "id": change.record_id}
    if change.record is not None:
        entry["record"] = change.record
    return entry


def read_page(tx: Tx, account: str, after: int, limit: int) -> dict[str, object]:
    """Return one page of the account's feed after seq ``after``."""
    rows = tx.changes(account, after, limit + 1)
    page = rows[:limit]
    last = page[-1].seq if page else after
    return {
        "changes": [change_json(change) for change in page],
        "next_cursor": encode_cursor(last),
        "has_more": len(rows) > limit,
    }


def delete_with_cascade(tx: Tx, account: str, record_id: str, now: datetime) -> None:
    """Delete a record and drop every reference to it, each as its own change.

    The delete comes first in the feed, then one upsert per record that lost
    a reference, carrying that record without it. The Profile cannot be
    deleted (409): an account always has exactly one.
    """
    record = tx.record(account, record_id)
    if record is None:
        raise Problem(404, "NOT_FOUND", f"no record {record_id!r} in this account")
    if record["type"] == "Profile":
        raise Problem(409, "CONFLICT", "the Profile cannot be deleted; import one to replace it")
    tx.delete_record(account, record_id)
    for holder in tx.referrers(account, record_id):
        changed = without_reference(holder, record_id)
        if changed is None:
            continue
        # The holder changed now, so its updated_at says so.
        changed["updated_at"] = format_timestamp(now)
        tx.replace_record(account, changed, reference_targets(changed))
