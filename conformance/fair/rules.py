"""The published rules (``/.well-known/platform-rules``) as the checks read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from conformance._harness.errors import Finding, Mismatch

RULES_PATH = "/.well-known/platform-rules"
CLASSES = ("first_party", "third_party", "competitor")


@dataclass(frozen=True)
class Quota:
    """Requests allowed per credential in one window."""

    requests: int
    window_seconds: int


@dataclass(frozen=True)
class PricingRule:
    """A published discount and the one thing a request must show to get it."""

    id: str
    discount_percent: Decimal
    min_quantity: int | None = None
    coupon: str | None = None

    def met_by(self, quantity: int, coupon: str | None) -> bool:
        """Whether a request with this quantity and coupon meets the eligibility."""
        if self.min_quantity is not None and quantity < self.min_quantity:
            return False
        if self.coupon is not None and coupon != self.coupon:
            return False
        return self.min_quantity is not None or self.coupon is not None


@dataclass(frozen=True)
class Rules:
    """The parts of the rules the checks hold the platform to."""

    document: Mapping[str, Any]
    quotas: Mapping[str, Quota]
    pricing: tuple[PricingRule, ...]
    deprecations: tuple[Mapping[str, Any], ...]

    def quota(self, client_class: str) -> Quota | None:
        """The quota of a class: its own entry, else ``*``, else None."""
        return self.quotas.get(client_class) or self.quotas.get("*")


def parse_rules(document: Any) -> Rules:
    """Read the rules; anything the checks cannot use is a finding."""
    if not isinstance(document, dict):
        raise Finding(
            "the platform rules cannot be read",
            mismatches=[Mismatch("$", "a JSON object", document)],
        )
    problems: list[Mismatch] = []
    quotas: dict[str, Quota] = {}
    for i, raw in enumerate(_list(document, "rate_limits", problems)):
        cls, req, win = (
            raw.get(k) if isinstance(raw, dict) else None
            for k in ("client_class", "requests", "window_seconds")
        )
        if (
            isinstance(cls, str)
            and isinstance(req, int)
            and isinstance(win, int)
            and _int(req)
            and win > 0
        ):
            quotas[cls] = Quota(req, win)
        else:
            problems.append(
                Mismatch(f"$.rate_limits[{i}]", "client_class, requests, window_seconds", raw)
            )
    pricing = []
    for i, raw in enumerate(_list(document, "pricing_rules", problems)):
        rule = _pricing_rule(raw)
        if rule is None:
            problems.append(
                Mismatch(f"$.pricing_rules[{i}]", "id, eligibility, discount_percent", raw)
            )
        else:
            pricing.append(rule)
    deprecations = tuple(
        d for d in _list(document, "deprecations", problems) if isinstance(d, dict)
    )
    if problems:
        raise Finding("the platform rules cannot be read as FAIR defines them", mismatches=problems)
    return Rules(document, quotas, tuple(pricing), deprecations)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _list(document: Mapping[str, Any], key: str, problems: list[Mismatch]) -> list[Any]:
    value = document.get(key)
    if not isinstance(value, list):
        problems.append(Mismatch(f"$.{key}", "a list", value))
        return []
    return value


def _pricing_rule(raw: Any) -> PricingRule | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        return None
    eligibility = raw.get("eligibility")
    percent = raw.get("discount_percent")
    if not isinstance(eligibility, dict) or not isinstance(percent, str):
        return None
    try:
        discount = Decimal(percent)
    except InvalidOperation:
        return None
    if not discount.is_finite() or not 0 <= discount <= 100:
        return None
    min_quantity, coupon = eligibility.get("min_quantity"), eligibility.get("coupon")
    if min_quantity is not None and not _int(min_quantity):
        return None
    if coupon is not None and not isinstance(coupon, str):
        return None
    if min_quantity is None and coupon is None:
        return None
    return PricingRule(raw["id"], discount, min_quantity, coupon)
