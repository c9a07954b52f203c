"""DISC-005: what two quotes must agree on, whoever asked.

Only the fields DISC defines are compared, amounts as decimals and the
breakdown as a set of components; an error answer is its status and its
problem ``code``. Inputs the suite cannot evaluate are compared the same way.
"""

from __future__ import annotations

from typing import Any, Final

from conformance._harness.compare import canonical_body
from conformance._harness.probe import Response
from conformance.disc.client import QUOTED
from conformance.disc.formulas import as_decimal
from conformance.disc.quotes import amount

PAY_FIELDS: Final = ("amount", "currency", "breakdown", "rules_version")
FEE_FIELDS: Final = ("commission", "fixed_fee", "total_fee", "currency", "rules_version")
MONEY: Final = frozenset({"amount", "commission", "fixed_fee", "total_fee"})


def unevaluable_pay(zone: str) -> list[dict[str, Any]]:
    """Pay inputs the suite cannot evaluate; ``zone`` is one the rules do not name.

    The caller makes the zone up for the run (``ordinary``), a word as a user
    would type it, so no fixed value marks the suite's quotes.
    """
    return [
        {"distance_m": 4200, "duration_s": 900, "zone": zone},
        {"distance_m": 200_001, "duration_s": 60, "zone": ""},
        {"distance_m": -1, "duration_s": 86_401, "zone": "centre"},
    ]


def unevaluable_fee(category: str) -> list[dict[str, Any]]:
    """Fee inputs the suite cannot evaluate; ``category`` is one made up for the run."""
    return [
        {"category": category, "order_value": "25.00"},
        {"category": "", "order_value": "-1"},
        {"category": "food", "order_value": "1e3"},
    ]


def _money(value: Any) -> Any:
    parsed = amount(value)
    return str(as_decimal(parsed).normalize()) if parsed is not None else value


def project(response: Response, fields: tuple[str, ...]) -> Any:
    """The part of an answer DISC-005 compares."""
    body = canonical_body(response)
    if response.status not in QUOTED or not isinstance(body, dict):
        code = body.get("code") if isinstance(body, dict) else None
        return {"status": response.status, "code": code}
    out: dict[str, Any] = {"status": "a quote (200 or 201)"}
    for name in fields:
        value = body.get(name, "<absent>")
        if name == "breakdown" and isinstance(value, list):
            value = {
                str(item.get("component")): _money(item.get("amount"))
                for item in value
                if isinstance(item, dict)
            }
        elif name in MONEY:
            value = _money(value)
        out[name] = value
    return out
