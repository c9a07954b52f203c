"""The reference platform's pay and fee quotes, computed from a version's rules.

Written apart from the suite's ``conformance.disc.formulas`` on purpose (a
shared mistake would pass unnoticed): ``Decimal`` with ample precision, and
``ROUND_HALF_UP``, which sends a half away from zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Final

from .problems import Problem

_CENT: Final = Decimal("0.01")
_ORDER_VALUE: Final = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,12})?")
MAX_DISTANCE_M: Final = 200_000
MAX_DURATION_S: Final = 86_400


def _r(x: Decimal) -> Decimal:
    return x.quantize(_CENT, rounding=ROUND_HALF_UP)


def _integer(body: Mapping[str, Any], key: str, top: int) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise Problem(422, "INVALID", f"{key} must be an integer from 0 to {top}")
    return value


def pay_quote(rules: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """The quote body for a pay request, or a 422 problem."""
    if not isinstance(body, dict):
        raise Problem(422, "INVALID", "the body must be a JSON object")
    distance_m = _integer(body, "distance_m", MAX_DISTANCE_M)
    duration_s = _integer(body, "duration_s", MAX_DURATION_S)
    pay = rules["worker_pay"]
    zone = body.get("zone")
    if not isinstance(zone, str) or zone not in pay["zone_multipliers"]:
        raise Problem(422, "INVALID", f"zone must be one of {sorted(pay['zone_multipliers'])}")
    with localcontext() as ctx:
        ctx.prec = 60
        base = Decimal(pay["base"])
        distance = _r(Decimal(pay["per_km"]) * distance_m / 1000)
        time = _r(Decimal(pay["per_minute"]) * duration_s / 60)
        subtotal = base + distance + time
        zone_part = _r(subtotal * (Decimal(pay["zone_multipliers"][zone]) - 1))
        components = {"base": base, "distance": distance, "time": time, "zone": zone_part}
        total = subtotal + zone_part
    return {
        "amount": str(total),
        "currency": pay["currency"],
        "breakdown": [{"component": k, "amount": str(v)} for k, v in components.items()],
    }


def fee_quote(rules: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """The quote body for a fee request, or a 422 problem."""
    if not isinstance(body, dict):
        raise Problem(422, "INVALID", "the body must be a JSON object")
    fees = {f["category"]: f for f in rules["fees"]}
    category = body.get("category")
    if not isinstance(category, str) or category not in fees:
        raise Problem(422, "INVALID", f"category must be one of {sorted(fees)}")
    value = body.get("order_value")
    if not isinstance(value, str) or not _ORDER_VALUE.fullmatch(value):
        raise Problem(422, "INVALID", "order_value must be a non-negative decimal string")
    fee = fees[category]
    with localcontext() as ctx:
        ctx.prec = 60
        commission = _r(Decimal(value) * Decimal(fee["commission_percent"]) / 100)
        fixed = Decimal(fee["fixed_fee"])
        total = commission + fixed
    return {
        "commission": str(commission),
        "fixed_fee": str(fixed),
        "total_fee": str(total),
        "currency": fee["currency"],
    }
