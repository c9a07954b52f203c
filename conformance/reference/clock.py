"""Time and identifier helpers shared by the reference platform's modules."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """Render an instant as RFC 3339 in UTC with millisecond precision.

    Milliseconds because PORT compares timestamps truncated to the
    millisecond: anything finer would be noise a reader cannot rely on.
    """
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def new_id(prefix: str) -> str:
    """Return a fresh opaque identifier such as ``exp_3f9c...``.

    Random rather than sequential so that ids leak nothing about other
    accounts and cannot be guessed by another user.
    """
    return f"{prefix}_{secrets.token_hex(10)}"
