"""The switching document (``/.well-known/cloud-switching``) and the rules CLOUD-001 and 002 hold it to.

CLOUD-001: ``max_switch_days`` ≤ 30 (Data Act Art. 25(2)(a)) and
``retrieval_days`` ≥ 30 (Art. 25(2)(g)). CLOUD-002: the switching charge is
0 from 2027-01-12 (Art. 29(1)), judged by the suite's clock, and before that
it is declared: present and a valid non-negative decimal, with the currency
it is in when it is not zero.

The suite's clock is the time of the run unless the run is told to judge as
of another instant (``as_of``), which is how a rule that starts in the future
is shown to bite before it does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from conformance import Mismatch

MAX_SWITCH_DAYS: Final = 30
MIN_RETRIEVAL_DAYS: Final = 30
CHARGE_FREE_FROM: Final = date(2027, 1, 12)
"""From this day (UTC, by the suite's clock) switching charges are zero (Data Act Art. 29(1))."""

_MONEY = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CHARGE = "$.switching_charge_per_gb"


def suite_now(as_of: datetime | None = None) -> datetime:
    """The suite's clock: ``as_of`` when the run was given one, else now; always in UTC."""
    if as_of is None:
        return datetime.now(UTC)
    return as_of.astimezone(UTC) if as_of.tzinfo else as_of.replace(tzinfo=UTC)


def charges_must_be_zero(now: datetime) -> bool:
    """Whether Art. 29(1)'s zero charge is in force at ``now`` (its UTC date)."""
    return suite_now(now).date() >= CHARGE_FREE_FROM


def days(value: Any) -> float | None:
    """A number of days as a JSON number (not a boolean, not negative), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or value < 0:  # NaN, or a negative count
        return None
    return float(value)


def decimal_amount(value: Any) -> Decimal | None:
    """A money amount as COMMON writes it (a decimal string) or a JSON number; None otherwise."""
    if isinstance(value, str) and _MONEY.match(value):
        return Decimal(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return None
        return amount if amount.is_finite() else None
    return None


def duration_mismatches(document: Mapping[str, Any]) -> list[Mismatch]:
    """CLOUD-001's two durations, each against its bound."""
    out: list[Mismatch] = []
    switch = days(document.get("max_switch_days"))
    if switch is None or switch > MAX_SWITCH_DAYS:
        out.append(
            Mismatch(
                "$.max_switch_days",
                f"at most {MAX_SWITCH_DAYS} days",
                _shown(document, "max_switch_days"),
                "a switch must be completable within 30 days (Data Act Art. 25(2)(a))",
            )
        )
    retrieval = days(document.get("retrieval_days"))
    if retrieval is None or retrieval < MIN_RETRIEVAL_DAYS:
        out.append(
            Mismatch(
                "$.retrieval_days",
                f"at least {MIN_RETRIEVAL_DAYS} days",
                _shown(document, "retrieval_days"),
                "data stays retrievable for at least 30 days after a switch "
                "(Data Act Art. 25(2)(g))",
            )
        )
    return out


def charge_mismatches(document: Mapping[str, Any], now: datetime) -> list[Mismatch]:
    """CLOUD-002 as of ``now``: zero from the cut-over day, declared before it."""
    raw = document.get("switching_charge_per_gb")
    amount = decimal_amount(raw)
    shown = _shown(document, "switching_charge_per_gb")
    today = suite_now(now).date().isoformat()
    if charges_must_be_zero(now):
        if amount is None or amount != 0:
            return [
                Mismatch(
                    _CHARGE,
                    "0",
                    shown,
                    f"switching is free from {CHARGE_FREE_FROM.isoformat()} "
                    f"(Data Act Art. 29(1)); the suite's clock says {today}",
                )
            ]
        return []
    if amount is None or amount < 0:
        return [
            Mismatch(
                _CHARGE,
                "a non-negative decimal amount per GB",
                shown,
                f"before {CHARGE_FREE_FROM.isoformat()} the charge must be declared "
                f"(the suite's clock says {today})",
            )
        ]
    currency = document.get("currency")
    if amount != 0 and not (isinstance(currency, str) and _CURRENCY.match(currency)):
        return [
            Mismatch(
                "$.currency",
                "an ISO 4217 currency code (three capital letters)",
                _shown(document, "currency"),
                f"a charge of {amount} per GB is declared only with the currency it is in",
            )
        ]
    return []


def _shown(document: Mapping[str, Any], key: str) -> Any:
    return document[key] if key in document else "absent"
