"""Parsing the dates and rate-limit fields that headers carry."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_RATELIMIT_DRAFT7 = re.compile(r"^\s*limit=\d+\s*,\s*remaining=\d+\s*,\s*reset=\d+\s*$")
_RATELIMIT_ITEM = re.compile(r'^\s*"?[A-Za-z0-9_.-]*"?\s*(;\s*[a-z]+=[-\w."]+)+\s*$')


def http_date(value: str) -> datetime | None:
    """An HTTP-date (RFC 9110 IMF-fixdate and obsolete forms), or None."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def deprecation_date(value: str) -> datetime | None:
    """RFC 9745 ``@<unix seconds>``, or leniently an HTTP-date (spec choice)."""
    value = value.strip()
    if re.fullmatch(r"@-?\d+", value):
        return datetime.fromtimestamp(int(value[1:]), UTC)
    return http_date(value)


def rfc3339(value: object) -> datetime | None:
    """An RFC 3339 timestamp with an offset, or None."""
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", value
    ):
        return None
    try:
        return datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None


def retry_after(value: str | None) -> bool:
    """True for a valid ``Retry-After``: delay-seconds or an HTTP-date."""
    if value is None:
        return False
    value = value.strip()
    return value.isdigit() or http_date(value) is not None


def ratelimit_fields(policy: str | None, state: str | None) -> bool:
    """True when both headers parse as draft-07 or as the structured syntax."""
    if not policy or not state:
        return False
    if _RATELIMIT_DRAFT7.match(state):
        return bool(re.search(r"\d", policy))
    items = [p for p in state.split(",") if p.strip()]
    policies = [p for p in policy.split(",") if p.strip()]
    return all(_RATELIMIT_ITEM.match(i) and re.search(r";\s*r=\d+", i) for i in items) and all(
        _RATELIMIT_ITEM.match(p) and re.search(r";\s*q=\d+", p) for p in policies
    )
