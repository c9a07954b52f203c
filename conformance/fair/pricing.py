"""FAIR-002: the price the published rules give, in decimal arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from conformance._harness.errors import Mismatch
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


@dataclass(frozen=True)
class Case:
    """One quote request the suite asks systematically, and why."""

    label: str
    item_id: str
    quantity: int
    coupon: str | None = None

    @property
    def body(self) -> dict[str, object]:
        """The request body."""
        body: dict[str, object] = {"item_id": self.item_id, "quantity": self.quantity}
        if self.coupon is not None:
            body["coupon"] = self.coupon
        return body


def systematic_cases(item_ids: Sequence[str], rules: Sequence[PricingRule]) -> list[Case]:
    """No rule met; each rule met exactly and just missed; every rule met at once.

    Items rotate, so several prices (and roundings) are exercised.
    """
    plan: list[tuple[str, int, str | None]] = [("no rule met", 1, None)]
    for rule in rules:
        if rule.min_quantity is not None:
            plan.append(
                (f"rule {rule.id} met (quantity {rule.min_quantity})", rule.min_quantity, None)
            )
            if rule.min_quantity > 1:
                plan.append((f"rule {rule.id} just missed", rule.min_quantity - 1, None))
        if rule.coupon is not None:
            plan.append((f"rule {rule.id} met (coupon {rule.coupon!r})", 1, rule.coupon))
            other = rule.coupon.swapcase()
            if other != rule.coupon:
                plan.append((f"rule {rule.id} missed (coupon {other!r})", 1, other))
    quantities = [r.min_quantity for r in rules if r.min_quantity is not None]
    coupons = sorted((r for r in rules if r.coupon is not None), key=lambda r: r.discount_percent)
    if quantities or coupons:
        plan.append(
            (
                "several rules met at once",
                max(quantities, default=1),
                coupons[-1].coupon if coupons else None,
            )
        )
    return [
        Case(label, item_ids[i % len(item_ids)], quantity, coupon)
        for i, (label, quantity, coupon) in enumerate(plan)
    ]


def quote_mismatches(quote: object, expected: Expected) -> list[Mismatch]:
    """Every way a quote differs from the rules' price, one row each."""
    if not isinstance(quote, dict):
        return [Mismatch("$", "a quote object", quote)]
    out: list[Mismatch] = []
    if money(quote.get("unit_price")) != expected.unit_price:
        out.append(
            Mismatch(
                "$.unit_price",
                f"{expected.unit_price}",
                quote.get("unit_price"),
                "price × (100 − discount) / 100, rounded half-up to 0.01",
            )
        )
    if money(quote.get("total")) != expected.total:
        out.append(
            Mismatch("$.total", f"{expected.total}", quote.get("total"), "unit_price × quantity")
        )
    applied = quote.get("applied_rules")
    nameable = expected.nameable
    ok = (
        (isinstance(applied, list) and len(applied) == 1 and applied[0] in nameable)
        if nameable
        else applied == []
    )
    if not ok:
        out.append(
            Mismatch(
                "$.applied_rules",
                f"one of {sorted(nameable)}" if nameable else "[] (no rule is met)",
                applied,
                "the eligible rule with the largest discount, at most one",
            )
        )
    return out
