"""Parsing the dates that headers carry (the rate-limit fields are ``conformance.common.ratelimits``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from conformance.common.structured_fields import Date, SFError, parse_item

# RFC 9110 §5.6.7: the form every sender generates (names are case-sensitive).
_IMF_FIXDATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"
)


def http_date(value: str) -> datetime | None:
    """An HTTP-date (RFC 9110 IMF-fixdate and obsolete forms), or None."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def deprecation_date(value: str) -> datetime | None:
    """RFC 9745's sf-date (``@<unix seconds>``, parameters allowed), or leniently an HTTP-date."""
    try:
        item = parse_item(value)
    except SFError:
        return http_date(value.strip())
    if not isinstance(item.value, Date):
        return None
    try:
        return datetime.fromtimestamp(int(item.value), UTC)
    except (OverflowError, OSError, ValueError):
        return None


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


def imf_fixdate(value: str) -> datetime | None:
    """An HTTP-date in IMF-fixdate form, the form senders must generate, or None."""
    value = value.strip()
    return http_date(value) if _IMF_FIXDATE.fullmatch(value) else None


def retry_after(value: str | None) -> bool:
    """True for a ``Retry-After`` a sender may send: delay-seconds or an IMF-fixdate.

    RFC 9110 §10.2.3 and §5.6.7: ``delay-seconds = 1*DIGIT``; senders generate
    HTTP-dates in IMF-fixdate form (recipients also read the obsolete forms,
    as :func:`retry_delay` does).
    """
    if value is None:
        return False
    value = value.strip()
    return bool(re.fullmatch(r"[0-9]+", value)) or imf_fixdate(value) is not None


def retry_delay(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` asks to wait (never negative), read as a recipient must.

    Delay-seconds, or an HTTP-date in any of the three forms RFC 9110 §5.6.7
    has recipients accept; None when the value is neither.
    """
    value = (value or "").strip()
    if re.fullmatch(r"[0-9]+", value):
        return float(value)
    when = http_date(value) if value else None
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
