"""FAIR's data on the reference platform: the item catalogue and the published rules.

Prices are computed here and nowhere else: the rule whose eligibility the
request meets with the largest discount (on a tie, the first or last listed
as ``fair.tie_rule`` says), ``price × (100 − discount) / 100`` rounded
half-up to the cent, times the quantity. Who asks never enters the
computation. How ids, money and discounts are written is the choice set's
(``fair.ids``, ``fair.money_scale``, ``fair.discount_form``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

CENT: Final = Decimal("0.01")
CURRENCY: Final = "EUR"


def format_money(amount: Decimal, scale: str = "cents") -> str:
    """A money amount as a decimal string: two decimals, as few as needed, or four."""
    if scale == "minimal":
        return format(amount.normalize(), "f")
    if scale == "four":
        return f"{amount:.4f}"
    return f"{amount:.2f}"


def format_percent(percent: Decimal, form: str = "minimal") -> str:
    """A discount as a decimal string: ``5`` / ``12.5``, one decimal at least, or two."""
    if form == "one-decimal":
        return f"{percent:.1f}" if percent == percent.quantize(Decimal("0.1")) else str(percent)
    if form == "two-decimals":
        return f"{percent:.2f}"
    return format_money(percent, "minimal")


@dataclass(frozen=True)
class Item:
    """One item of the catalogue."""

    id: str
    title: str
    merchant_id: str
    price: Decimal

    def to_json(self, scale: str = "cents") -> dict[str, str]:
        """The item as the API renders it (money as a decimal string)."""
        return {
            "id": self.id,
            "title": self.title,
            "merchant_id": self.merchant_id,
            "price": format_money(self.price, scale),
            "currency": CURRENCY,
        }


@dataclass(frozen=True)
class PricingRule:
    """A published discount and the one thing a request must show to get it."""

    id: str
    description: str
    discount_percent: Decimal
    min_quantity: int | None = None
    coupon: str | None = None

    def applies(self, quantity: int, coupon: str | None) -> bool:
        """Whether a request with this quantity and coupon meets the eligibility."""
        if self.min_quantity is not None:
            return quantity >= self.min_quantity
        return coupon is not None and coupon == self.coupon

    def to_json(self, form: str = "minimal") -> dict[str, object]:
        """The rule as ``/.well-known/platform-rules`` lists it."""
        eligibility: dict[str, object] = (
            {"min_quantity": self.min_quantity}
            if self.min_quantity is not None
            else {"coupon": self.coupon}
        )
        return {
            "id": self.id,
            "description": self.description,
            "eligibility": eligibility,
            "discount_percent": format_percent(self.discount_percent, form),
        }


_MERCHANTS: Final = ("mer_platform", "mer_indie", "mer_rival")
_TITLES: Final = (
    "Walnut desk",
    "Linen shirt",
    "Ceramic mug",
    "Trail shoes",
    "Desk lamp",
    "Wool scarf",
    "Coffee grinder",
    "Notebook, dotted",
    "Rain jacket",
    "Chef's knife",
    "Bike light",
    "Tea kettle",
    "Yoga mat",
    "Wall clock",
    "Backpack 20 l",
    "Cast-iron pan",
    "Phone stand",
    "Desk mat",
    "Water bottle",
    "Reading glasses",
    "Plant pot",
    "Café crème beans",
    "Ναυτικό σχοινί",
)
_PRICES: Final = (
    "19.99",
    "24.50",
    "7.95",
    "89.00",
    "0.99",
    "33.33",
    "149.95",
    "3.10",
    "64.99",
    "12.49",
    "1.05",
    "27.80",
    "45.00",
    "0.15",
    "99.99",
    "58.75",
    "8.88",
    "16.67",
    "11.11",
    "249.00",
    "5.55",
    "13.37",
    "2.45",
)


def make_id(kind: str, n: int, style: str = "prefixed") -> str:
    """The ``n``-th id of a kind (``itm``, ``mer``) in one of ``fair.ids``'s styles."""
    if style == "uuid":
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://reference.test/{kind}/{n}"))
    if style == "numeric":
        return str((1000 if kind == "itm" else 7000) + n)
    if style == "escaped":
        return f"{kind} {n:03d}:ü"
    return f"{kind}_{n:03d}"


def make_items(style: str = "prefixed") -> tuple[Item, ...]:
    """The catalogue with ids in ``style`` (the same items and prices whatever the style)."""
    merchants = [
        name if style == "prefixed" else make_id("mer", i + 1, style)
        for i, name in enumerate(_MERCHANTS)
    ]
    return tuple(
        Item(
            f"itm_{i + 1:03d}" if style == "prefixed" else make_id("itm", i + 1, style),
            title,
            merchants[i % len(merchants)],
            Decimal(price),
        )
        for i, (title, price) in enumerate(zip(_TITLES, _PRICES, strict=True))
    )


ITEMS: Final[tuple[Item, ...]] = make_items()
ITEMS_BY_ID: Final[Mapping[str, Item]] = {item.id: item for item in ITEMS}

PRICING_RULES: Final[tuple[PricingRule, ...]] = (
    PricingRule("bulk-10", "5 % off from 10 units", Decimal("5"), min_quantity=10),
    PricingRule("bulk-100", "12.5 % off from 100 units", Decimal("12.5"), min_quantity=100),
    PricingRule("coupon-save12", "12.5 % off with coupon SAVE12", Decimal("12.5"), coupon="SAVE12"),
    PricingRule("coupon-welcome", "5 % off with coupon WELCOME", Decimal("5"), coupon="WELCOME"),
)


@dataclass(frozen=True)
class Quote:
    """The price of a quantity of one item under the published rules."""

    item: Item
    quantity: int
    unit_price: Decimal
    total: Decimal
    applied: tuple[str, ...]

    def to_json(self, scale: str = "cents") -> dict[str, object]:
        """The quote as ``POST /fair/v1/quotes`` answers it."""
        return {
            "item_id": self.item.id,
            "quantity": self.quantity,
            "unit_price": format_money(self.unit_price, scale),
            "total": format_money(self.total, scale),
            "currency": CURRENCY,
            "applied_rules": list(self.applied),
        }


def quote(
    item: Item,
    quantity: int,
    coupon: str | None,
    rules: Sequence[PricingRule] = PRICING_RULES,
    tie: str = "first",
) -> Quote:
    """Price ``quantity`` units of ``item``: the best eligible rule, at most one."""
    best: PricingRule | None = None
    for rule in rules:
        if not rule.applies(quantity, coupon):
            continue
        if (
            best is None
            or rule.discount_percent > best.discount_percent
            or (tie == "last" and rule.discount_percent == best.discount_percent)
        ):
            best = rule
    discount = best.discount_percent if best else Decimal(0)
    unit = (item.price * (100 - discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return Quote(item, quantity, unit, unit * quantity, (best.id,) if best else ())
