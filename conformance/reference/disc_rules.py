"""The reference platform's published rules: four versions, dated from the start.

Versions are dated relative to the platform's start so that a fresh
platform always has two previous versions, one in force and one upcoming,
each published well over 15 days before it takes effect. Which version is
in force is decided by the clock on every request.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .clock import format_timestamp

VERSIONS_PATH: Final = "/.well-known/platform-disclosure/versions/"

_FEES: Final = [
    {"category": "food", "commission_percent": "18.5", "fixed_fee": "0.50", "currency": "CNY"},
    {"category": "groceries", "commission_percent": "12.5", "fixed_fee": "0.30", "currency": "CNY"},
    {"category": "pharmacy", "commission_percent": "8", "fixed_fee": "0.00", "currency": "CNY"},
    {"category": "flowers", "commission_percent": "15.25", "fixed_fee": "1.00", "currency": "CNY"},
]
_ZONES: Final = {"centre": "1.20", "inner": "1.00", "outer": "0.95", "airport": "1.35"}
_PAY: Final[dict[str, str]] = {
    "currency": "CNY",
    "base": "3.50",
    "per_km": "1.37",
    "per_minute": "0.35",
}
_ALLOCATION: Final = [
    ("distance_to_pickup", "0.45", "Straight-line distance from the worker to the pickup."),
    ("idle_time", "0.25", "Minutes since the worker's last completed order."),
    ("rating", "0.20", "The worker's average rating over the last 90 days."),
    ("vehicle_fit", "0.10", "Whether the vehicle suits the order's size."),
]
_RANKING: Final = [
    ("relevance", "0.50", "How well the merchant matches the search."),
    ("distance", "0.30", "Distance from the customer to the merchant."),
    ("merchant_rating", "0.20", "The merchant's average rating."),
]
_MONITORING: Final = {
    "data_categories": ["location during active shifts", "order acceptance and completion times"],
    "purposes": ["order allocation", "pay calculation", "fraud prevention"],
}
_RESTRICTION_GROUNDS: Final = [
    "repeated fraud confirmed after review",
    "safety incidents confirmed after review",
]


def _factors(rows: Sequence[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"name": n, "weight": w, "description": d} for n, w, d in rows]


@dataclass(frozen=True)
class RulesVersion:
    """One version: its name, dates and rules."""

    name: str
    published_at: datetime
    effective_from: datetime
    rules: Mapping[str, Any]

    def allocation_weights(self) -> dict[str, str]:
        """Factor name → weight under ``order_allocation``."""
        return {f["name"]: f["weight"] for f in self.rules["order_allocation"]["factors"]}


def _rules(
    per_km: str, fees: Sequence[Mapping[str, str]], allocation: Sequence[tuple[str, str, str]]
) -> dict[str, Any]:
    return {
        "fees": [dict(f) for f in fees],
        "worker_pay": {
            **_PAY,
            "per_km": per_km,
            "zone_multipliers": dict(_ZONES),
        },
        "order_allocation": {"factors": _factors(allocation)},
        "ranking": {"factors": _factors(_RANKING)},
        "monitoring": {k: list(v) for k, v in _MONITORING.items()},
        "restriction_grounds": list(_RESTRICTION_GROUNDS),
    }


def build_versions(started_at: datetime) -> tuple[RulesVersion, ...]:
    """v1 and v2 (previous), v3 (in force at start), v4 (upcoming), oldest first."""
    start = started_at.replace(microsecond=0)
    day = timedelta(days=1)
    older_fees = [{**f, "fixed_fee": "0.40"} if f["category"] == "food" else f for f in _FEES]
    older_allocation = [
        ("distance_to_pickup", "0.50", _ALLOCATION[0][2]),
        ("idle_time", "0.30", _ALLOCATION[1][2]),
        ("rating", "0.20", _ALLOCATION[2][2]),
    ]
    return (
        RulesVersion(
            "v1", start - 200 * day, start - 180 * day, _rules("1.20", older_fees, older_allocation)
        ),
        RulesVersion(
            "v2", start - 120 * day, start - 100 * day, _rules("1.30", older_fees, older_allocation)
        ),
        RulesVersion("v3", start - 45 * day, start - 25 * day, _rules("1.37", _FEES, _ALLOCATION)),
        RulesVersion("v4", start - 2 * day, start + 20 * day, _rules("1.42", _FEES, _ALLOCATION)),
    )


def in_force(versions: Sequence[RulesVersion], now: datetime) -> int:
    """The index of the version in force at ``now`` (the oldest if none is yet)."""
    index = 0
    for i, version in enumerate(versions):
        if version.effective_from <= now:
            index = i
    return index


def document(versions: Sequence[RulesVersion], index: int, now: datetime) -> dict[str, Any]:
    """The disclosure document of one version, as it reads at ``now``."""
    version = versions[index]
    upcoming = None
    nxt = versions[index + 1] if index + 1 < len(versions) else None
    if nxt is not None and nxt.published_at <= now:
        upcoming = {
            "url": VERSIONS_PATH + nxt.name,
            "published_at": format_timestamp(nxt.published_at),
            "effective_from": format_timestamp(nxt.effective_from),
        }
    return {
        "version": version.name,
        "published_at": format_timestamp(version.published_at),
        "effective_from": format_timestamp(version.effective_from),
        # Absolute paths without a host: they resolve the same against the
        # well-known URL and against a version's URL, on our own origin.
        "previous_versions": [VERSIONS_PATH + v.name for v in reversed(versions[:index])],
        "upcoming": upcoming,
        **copy.deepcopy(dict(version.rules)),
    }
