"""FAIR-002: the price the published rules give, in decimal arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from conformance.fair.rules import PricingRule

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Expected:
    """What a quote must say: prices, and which rule ids may be named."""

    unit_price: Decimal
    total: Decimal
    discount: Decimal
    nameable: frozenset[str]
    """Ids of the eligible rules with the largest discount (a tie allows any)."""


def expected_quote(
    price: Decimal, quantity: int, coupon: str | None, rules: Sequence[PricingRule]
) -> Expected:
    """The eligible rule with the largest discount (at most one) applied to ``price``."""
    eligible = [r for r in rules if r.met_by(quantity, coupon)]
    discount = max((r.discount_percent for r in eligible), default=Decimal(0))
    nameable = frozenset(r.id for r in eligible if r.discount_percent == discount)
    unit = (price * (100 - discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return Expected(unit, unit * quantity, discount, nameable)


def money(value: object) -> Decimal | None:
    """A money string as a Decimal (None for anything else, JSON numbers included)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        return None
    return parsed if parsed.is_finite() else None
