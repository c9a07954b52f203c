"""The PORT change feed: cursors, pages, and deletes that cascade.

Cursors and page sizes are the platform's choice (``port.cursor_style``,
``port.changes_page``): a cursor is short base64, plain digits, or a long
signed token; a page holds up to ``limit`` changes, at most 37, or a random
number of them (an empty page now and then).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import random
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from .clock import format_timestamp
from .port_records import reference_targets, without_reference
from .problems import Problem
from .store import ChangeRow, Tx

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000
SHORT_PAGE: Final = 37
_CURSOR: Final = re.compile(r"c1:(0|[1-9][0-9]{0,18})")
_DIGITS: Final = re.compile(r"0|[1-9][0-9]{0,18}")
_LONG: Final = re.compile(r"c2\.(0|[1-9][0-9]{0,18})\.([0-9a-f]{16})\.([0-9a-f]{64})")
_NOT_OURS: Final = "cursor is not one this platform issued"


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
        raise Problem(400, "INVALID", _NOT_OURS)
    return int(match.group(1))


class Cursors:
    """The platform's cursor form: ``opaque`` (base64), ``numeric`` or ``long`` (signed)."""

    def __init__(self, style: str, secret: bytes | None = None) -> None:
        self.style = style
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def encode(self, seq: int) -> str:
        """The cursor that resumes after ``seq``."""
        if self.style == "numeric":
            return str(seq)
        if self.style == "long":
            salt = secrets.token_hex(8)
            return f"c2.{seq}.{salt}.{self._mac(seq, salt)}"
        return encode_cursor(seq)

    def decode(self, cursor: str | None) -> int:
        """The seq a cursor resumes after; 400 for a cursor this platform never issued."""
        if cursor is None or cursor == "":
            return 0
        if self.style == "numeric":
            if not _DIGITS.fullmatch(cursor):
                raise Problem(400, "INVALID", _NOT_OURS)
            return int(cursor)
        if self.style == "long":
            match = _LONG.fullmatch(cursor)
            if match is None or not hmac.compare_digest(
                match.group(3), self._mac(int(match.group(1)), match.group(2))
            ):
                raise Problem(400, "INVALID", _NOT_OURS)
            return int(match.group(1))
        return decode_cursor(cursor)

    def _mac(self, seq: int, salt: str) -> str:
        return hmac.new(self._secret, f"{seq}.{salt}".encode(), hashlib.sha256).hexdigest()


class PageSizes:
    """How many changes a page holds: ``limit``, ``short`` (≤ 37) or ``ragged`` (random)."""

    def __init__(self, policy: str, rng: random.Random | None = None) -> None:
        self.policy = policy
        self._rng = rng or random.Random()

    def size(self, limit: int) -> int:
        """The number of changes this page may hold (0 only for ``ragged``)."""
        if self.policy == "short":
            return min(limit, SHORT_PAGE)
        if self.policy == "ragged":
            if self._rng.random() < 0.125:
                return 0
            return self._rng.randint(1, limit)
        return limit


def parse_limit(raw: str | None) -> int:
    """Return the page size: default 100, at most 1000; 400 if not a positive integer.

    A limit above the maximum is lowered rather than refused: the draft lets
    a page hold fewer changes than asked.
    """
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    digits = raw.lstrip("0")
    if not raw.isascii() or not raw.isdigit() or not digits:
        raise Problem(400, "INVALID", f"limit must be a positive integer, got {raw!r}")
    # More digits than the maximum has is the maximum (int() refuses over 4300).
    return MAX_LIMIT if len(digits) > len(str(MAX_LIMIT)) else min(int(digits), MAX_LIMIT)


def change_json(change: ChangeRow) -> dict[str, object]:
    """Render one feed entry; only upserts carry the record."""
    entry: dict[str, object] = {"seq": change.seq, "op": change.op, "id": change.record_id}
    if change.record is not None:
        entry["record"] = change.record
    return entry


def read_page(
    tx: Tx,
    account: str,
    after: int,
    limit: int,
    *,
    size: int | None = None,
    encode: Callable[[int], str] = encode_cursor,
    render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, object]:
    """Return one page of the account's feed after seq ``after``.

    ``size`` (at most ``limit``) is how many changes the page holds; an
    empty page still says whether more follow. ``render`` writes each
    upsert's record as the platform writes records.
    """
    held = limit if size is None else min(size, limit)
    rows = tx.changes(account, after, max(held, 1) + 1)
    page = rows[:held]
    last = page[-1].seq if page else after
    changes = [change_json(change) for change in page]
    if render is not None:
        for change in changes:
            if isinstance(change.get("record"), dict):
                change["record"] = render(change["record"])  # type: ignore[arg-type]
    return {
        "changes": changes,
        "next_cursor": encode(last),
        "has_more": len(rows) > held,
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
