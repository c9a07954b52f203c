"""The reference platform's published rules: four versions, dated from the start.

Versions are dated relative to the platform's start so that a fresh
platform always has two previous versions, one in force and one next
version (published ahead, or not yet), each published at least 15 days
before it takes effect. Which version is in force is decided by the clock on
every request. The rules themselves, the version names and the notice are
choices (``choices/disc.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote

from .clock import format_timestamp

VERSIONS_PATH: Final = "/.well-known/platform-disclosure/versions/"

_MONITORING: Final = {
    "data_categories": ["location during active shifts", "order acceptance and completion times"],
    "purposes": ["order allocation", "pay calculation", "fraud prevention"],
}
_RESTRICTION_GROUNDS: Final = [
    "repeated fraud confirmed after review",
    "safety incidents confirmed after review",
]


@dataclass(frozen=True)
class RuleBook:
    """One set of published rules, with the per-km rate of each of the four versions."""

    pay: Mapping[str, str]
    per_km: tuple[str, str, str, str]
    zones: Mapping[str, str]
    fees: Sequence[Mapping[str, str]]
    older_fees: Sequence[Mapping[str, str]]
    allocation: Sequence[tuple[str, str, str]]
    older_allocation: Sequence[tuple[str, str, str]]
    ranking: Sequence[tuple[str, str, str]]


_ALLOCATION: Final = (
    ("distance_to_pickup", "0.45", "Straight-line distance from the worker to the pickup."),
    ("idle_time", "0.25", "Minutes since the worker's last completed order."),
    ("rating", "0.20", "The worker's average rating over the last 90 days."),
    ("vehicle_fit", "0.10", "Whether the vehicle suits the order's size."),
)
_FEES: Final = (
    {"category": "food", "commission_percent": "18.5", "fixed_fee": "0.50", "currency": "CNY"},
    {"category": "groceries", "commission_percent": "12.5", "fixed_fee": "0.30", "currency": "CNY"},
    {"category": "pharmacy", "commission_percent": "8", "fixed_fee": "0.00", "currency": "CNY"},
    {"category": "flowers", "commission_percent": "15.25", "fixed_fee": "1.00", "currency": "CNY"},
)
REFERENCE: Final = RuleBook(
    pay={"currency": "CNY", "base": "3.50", "per_minute": "0.35"},
    per_km=("1.20", "1.30", "1.37", "1.42"),
    zones={"centre": "1.20", "inner": "1.00", "outer": "0.95", "airport": "1.35"},
    fees=_FEES,
    older_fees=tuple({**f, "fixed_fee": "0.40"} if f["category"] == "food" else f for f in _FEES),
    allocation=_ALLOCATION,
    older_allocation=(
        ("distance_to_pickup", "0.50", _ALLOCATION[0][2]),
        ("idle_time", "0.30", _ALLOCATION[1][2]),
        ("rating", "0.20", _ALLOCATION[2][2]),
    ),
    ranking=(
        ("relevance", "0.50", "How well the merchant matches the search."),
        ("distance", "0.30", "Distance from the customer to the merchant."),
        ("merchant_rating", "0.20", "The merchant's average rating."),
    ),
)
_SECOND_FEES: Final = (
    {"category": "restaurant", "commission_percent": "17.75", "fixed_fee": "0.5", "currency": "CNY"},
    {"category": "超市", "commission_percent": "9", "fixed_fee": "0", "currency": "CNY"},
    {"category": "pharmacy", "commission_percent": "6.125", "fixed_fee": "0.99", "currency": "HKD"},
)  # fmt: skip
SECOND: Final = RuleBook(
    pay={"currency": "CNY", "base": "4", "per_minute": "0.333"},
    per_km=("1.25", "1.35", "1.45", "1.5"),
    zones={"centre-ville": "1.15", "机场 T2": "1.4", "outer ring": "0.85", "harbour": "1",
           "old town": "1.075"},
    fees=_SECOND_FEES,
    older_fees=tuple({**f, "commission_percent": "19"} if f["category"] == "restaurant" else f
                     for f in _SECOND_FEES),
    allocation=(
        ("pickup_eta", "0.4", "Minutes the worker needs to reach the pickup."),
        ("idle_minutes", "0.3", "Minutes since the worker's last completed order."),
        ("rating", "0.2", "The worker's average rating over the last 90 days."),
        ("vehicle_fit", "0.1", "Whether the vehicle suits the order's size."),
    ),
    older_allocation=(
        ("pickup_eta", "0.6", "Minutes the worker needs to reach the pickup."),
        ("rating", "0.4", "The worker's average rating over the last 90 days."),
    ),
    ranking=(("relevance", "0.7", "How well the merchant matches the search."),
             ("merchant_rating", "0.3", "The merchant's average rating.")),
)  # fmt: skip
RULE_BOOKS: Final = {"reference": REFERENCE, "second": SECOND}


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


def _rules(book: RuleBook, index: int) -> dict[str, Any]:
    older = index < 2
    return {
        "fees": [dict(f) for f in (book.older_fees if older else book.fees)],
        "worker_pay": {
            **book.pay,
            "per_km": book.per_km[index],
            "zone_multipliers": dict(book.zones),
        },
        "order_allocation": {
            "factors": _factors(book.older_allocation if older else book.allocation)
        },
        "ranking": {"factors": _factors(book.ranking)},
        "monitoring": {k: list(v) for k, v in _MONITORING.items()},
        "restriction_grounds": list(_RESTRICTION_GROUNDS),
    }


def _names(style: str, effective: Sequence[datetime]) -> list[str]:
    if style == "dates":
        return [e.date().isoformat() for e in effective]
    if style == "semver":
        return [f"1.{i}.0" for i in range(len(effective))]
    return [f"v{i + 1}" for i in range(len(effective))]


def build_versions(
    started_at: datetime,
    *,
    book: str = "reference",
    names: str = "v-numbers",
    notice_days: int = 20,
    upcoming: str = "published",
) -> tuple[RulesVersion, ...]:
    """v1 and v2 (previous), v3 (in force at start), v4 (next), oldest first.

    Every version is published exactly ``notice_days`` before it takes
    effect. The next version is published two days before the start
    (``upcoming: published``) or three days after it (``none``: the
    disclosure lists no upcoming version during a run).
    """
    start = started_at.replace(microsecond=0)
    day = timedelta(days=1)
    notice = notice_days * day
    next_effective = start + (notice - 2 * day if upcoming == "published" else 3 * day + notice)
    effective = [start - 180 * day, start - 100 * day, start - 25 * day, next_effective]
    rule_book = RULE_BOOKS[book]
    return tuple(
        RulesVersion(name, moment - notice, moment, _rules(rule_book, i))
        for i, (name, moment) in enumerate(zip(_names(names, effective), effective, strict=True))
    )


def path_of(name: str) -> str:
    """The reference layout's path of a version's document."""
    return VERSIONS_PATH + quote(name, safe="")


def in_force(versions: Sequence[RulesVersion], now: datetime) -> int:
    """The index of the version in force at ``now`` (the oldest if none is yet)."""
    index = 0
    for i, version in enumerate(versions):
        if version.effective_from <= now:
            index = i
    return index


def decimal_text(text: str, style: str) -> str:
    """A decimal string in one of the forms of ``disc.decimal_style`` (the same number)."""
    if style == "as-published":
        return text
    value = Decimal(text)
    if value == 0:
        value = abs(value)  # never "-0"
    if style == "trimmed":
        return "0" if value == 0 else format(value.normalize(), "f")
    if -int(value.as_tuple().exponent) > 4:
        return format(value, "f")
    return format(value.quantize(Decimal("0.0001")), "f")


def restyle_rules(document: dict[str, Any], style: str) -> dict[str, Any]:
    """The numbers of a disclosure document written in ``style``, in place."""
    for fee in document["fees"]:
        for key in ("commission_percent", "fixed_fee"):
            fee[key] = decimal_text(fee[key], style)
    pay = document["worker_pay"]
    for key in ("base", "per_km", "per_minute"):
        pay[key] = decimal_text(pay[key], style)
    pay["zone_multipliers"] = {
        zone: decimal_text(m, style) for zone, m in pay["zone_multipliers"].items()
    }
    for section in ("order_allocation", "ranking"):
        for factor in document[section]["factors"]:
            factor["weight"] = decimal_text(factor["weight"], style)
    return document


def document(
    versions: Sequence[RulesVersion],
    index: int,
    now: datetime,
    link: Callable[[str], str] | None = None,
    *,
    listing: str = "all",
    style: str = "as-published",
) -> dict[str, Any]:
    """The disclosure document of one version, as it reads at ``now``.

    ``link`` writes the URL of another version (by name) as this document
    publishes it: an absolute path (the default), a relative reference, an
    absolute URL.
    """
    if link is None:
        link = path_of
    version = versions[index]
    upcoming = None
    nxt = versions[index + 1] if index + 1 < len(versions) else None
    if nxt is not None and nxt.published_at <= now:
        upcoming = {
            "url": link(nxt.name),
            "published_at": format_timestamp(nxt.published_at),
            "effective_from": format_timestamp(nxt.effective_from),
        }
    earlier = list(reversed(versions[:index]))
    if listing == "chain":
        earlier = earlier[:1]
    body = {
        "version": version.name,
        "published_at": format_timestamp(version.published_at),
        "effective_from": format_timestamp(version.effective_from),
        "previous_versions": [link(v.name) for v in earlier],
        "upcoming": upcoming,
        **copy.deepcopy(dict(version.rules)),
    }
    return restyle_rules(body, style)
