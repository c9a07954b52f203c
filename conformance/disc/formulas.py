"""DISC arithmetic: exact rationals until ``r()`` rounds to 0.01, half away from zero.

Published numbers are decimal strings; they become :class:`~fractions.Fraction`
so that every product and quotient is exact, and only ``r()`` rounds. The
result of a formula is rendered as a :class:`~decimal.Decimal` with the
places it has, so ``"7.10"`` and ``Decimal("7.1")`` compare equal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

DECIMAL: Final = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
NON_NEGATIVE_DECIMAL: Final = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")

Rounding = Literal["half-up", "floor", "ceiling", "half-toward-positive"]
"""``half-up`` is the standard's ``r()`` (a half goes away from zero, like
``decimal.ROUND_HALF_UP``); ``floor``, ``ceiling`` and ``half-toward-positive``
(``floor(x + 1/2)``, JavaScript's ``Math.round``: wrong only for negative
halves) exist for faults."""

COMPONENTS: Final = ("base", "distance", "time", "zone")


def exact(text: str) -> Fraction:
    """A decimal string (``-?digits[.digits]``) as an exact rational; ValueError otherwise."""
    if not isinstance(text, str) or not DECIMAL.fullmatch(text):
        raise ValueError(f"{text!r} is not a decimal string")
    return Fraction(text)


def r(x: Fraction, rounding: Rounding = "half-up") -> Fraction:
    """Round to a multiple of 0.01; ``half-up`` sends a half away from zero."""
    scaled = x * 100
    if rounding == "half-up":
        magnitude = math.floor(abs(scaled) + Fraction(1, 2))
        cents = magnitude if scaled >= 0 else -magnitude
    elif rounding == "half-toward-positive":
        cents = math.floor(scaled + Fraction(1, 2))
    elif rounding == "floor":
        cents = math.floor(scaled)
    else:
        cents = math.ceil(scaled)
    return Fraction(cents, 100)


def as_decimal(x: Fraction) -> Decimal:
    """A rational with a terminating decimal expansion as an exact Decimal."""
    places = 0
    while (x * 10**places).denominator != 1:
        places += 1
        if places > 60:
            raise ValueError(f"{x} has no short decimal expansion")
    return Decimal(int(x * 10**places)).scaleb(-places)


def money(x: Fraction) -> str:
    """A rational as a decimal string with at least two places (``Fraction(7, 2)`` → ``"3.50"``)."""
    value = as_decimal(x)
    return str(value.quantize(Decimal("0.01")) if int(value.as_tuple().exponent) > -2 else value)


def is_tie(x: Fraction) -> bool:
    """Whether ``x`` lies exactly halfway between two multiples of 0.01."""
    doubled = x * 200
    return doubled.denominator == 1 and doubled.numerator % 2 == 1


@dataclass(frozen=True)
class PayRules:
    """The published ``worker_pay`` section."""

    currency: str
    base: Fraction
    per_km: Fraction
    per_minute: Fraction
    zone_multipliers: Mapping[str, Fraction]


@dataclass(frozen=True)
class PayInput:
    """One pay quote's inputs."""

    distance_m: int
    duration_s: int
    zone: str

    def to_json(self) -> dict[str, object]:
        """The request body."""
        return {"distance_m": self.distance_m, "duration_s": self.duration_s, "zone": self.zone}


@dataclass(frozen=True)
class PayBreakdown:
    """What a pay quote must be: its four components and their sum."""

    base: Fraction
    distance: Fraction
    time: Fraction
    zone: Fraction

    @property
    def amount(self) -> Fraction:
        """``subtotal + zone``."""
        return self.base + self.distance + self.time + self.zone

    def components(self) -> dict[str, Fraction]:
        """Component name → value, in the draft's order."""
        return {"base": self.base, "distance": self.distance, "time": self.time, "zone": self.zone}


def expected_pay(rules: PayRules, quote: PayInput, rounding: Rounding = "half-up") -> PayBreakdown:
    """DISC-002's formula; KeyError if the zone is not published."""
    multiplier = rules.zone_multipliers[quote.zone]
    distance = r(rules.per_km * quote.distance_m / 1000, rounding)
    time = r(rules.per_minute * quote.duration_s / 60, rounding)
    subtotal = rules.base + distance + time
    zone = r(subtotal * (multiplier - 1), rounding)
    return PayBreakdown(rules.base, distance, time, zone)


@dataclass(frozen=True)
class FeeRule:
    """One category's published fee rule."""

    category: str
    commission_percent: Fraction
    fixed_fee: Fraction
    currency: str


@dataclass(frozen=True)
class FeeInput:
    """One fee quote's inputs; ``order_value`` exactly as sent."""

    category: str
    order_value: str

    def to_json(self) -> dict[str, object]:
        """The request body."""
        return {"category": self.category, "order_value": self.order_value}


@dataclass(frozen=True)
class FeeBreakdown:
    """What a fee quote must be."""

    commission: Fraction
    fixed_fee: Fraction

    @property
    def total_fee(self) -> Fraction:
        """``commission + fixed_fee``."""
        return self.commission + self.fixed_fee

    def components(self) -> dict[str, Fraction]:
        """Field name → value."""
        return {
            "commission": self.commission,
            "fixed_fee": self.fixed_fee,
            "total_fee": self.total_fee,
        }


def expected_fee(rule: FeeRule, order_value: str, rounding: Rounding = "half-up") -> FeeBreakdown:
    """DISC-004's formula for one order value (a decimal string)."""
    commission = r(exact(order_value) * rule.commission_percent / 100, rounding)
    return FeeBreakdown(commission, rule.fixed_fee)
