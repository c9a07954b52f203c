"""A platform's quote held against the published formula, field by field.

Each function returns the mismatches (empty when the quote is right); the
checks turn them into findings. :func:`side_by_side` renders the expected
breakdown next to the platform's, the way a failing input is reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from conformance._harness.errors import Mismatch
from conformance.disc.formulas import (
    COMPONENTS,
    FeeBreakdown,
    FeeInput,
    FeeRule,
    PayBreakdown,
    PayInput,
    PayRules,
    as_decimal,
    exact,
    money,
)


def amount(value: Any) -> Fraction | None:
    """A decimal string as a rational, or None when it is not one."""
    try:
        return exact(value)
    except ValueError:
        return None


def _compare(path: str, expected: Fraction, actual: Any, reason: str) -> list[Mismatch]:
    got = amount(actual)
    if got is None or got != expected:
        return [Mismatch(path, money(expected), actual, reason)]
    return []


def pay_mismatches(expected: PayBreakdown, rules: PayRules, body: Any) -> list[Mismatch]:
    """DISC-002: ``amount`` and ``currency`` as published."""
    if not isinstance(body, dict):
        return [Mismatch("$", "a pay quote object", body)]
    out = _compare("$.amount", expected.amount, body.get("amount"), "subtotal + zone")
    if body.get("currency") != rules.currency:
        out.append(Mismatch("$.currency", rules.currency, body.get("currency"), "worker_pay"))
    return out


def breakdown_of(body: Any) -> tuple[dict[str, Any], list[Mismatch]]:
    """The breakdown as component → amount, and every structural problem."""
    raw = body.get("breakdown") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        return {}, [Mismatch("$.breakdown", "a list of components", raw)]
    found: dict[str, Any] = {}
    problems: list[Mismatch] = []
    for i, item in enumerate(raw):
        name = item.get("component") if isinstance(item, dict) else None
        if name not in COMPONENTS:
            problems.append(Mismatch(f"$.breakdown[{i}]", f"one of {COMPONENTS}", item))
        elif name in found:
            problems.append(Mismatch(f"$.breakdown[{i}]", f"{name} once", item, "listed twice"))
        else:
            found[str(name)] = item.get("amount")
    for name in COMPONENTS:
        if name not in found:
            problems.append(Mismatch(f"$.breakdown[{name}]", "present", "<absent>"))
    return found, problems


def breakdown_mismatches(expected: PayBreakdown, body: Any) -> list[Mismatch]:
    """DISC-003: exactly the four components, with the formula's values, summing to amount."""
    found, out = breakdown_of(body)
    for name, value in expected.components().items():
        if name in found:
            out += _compare(f"$.breakdown[{name}]", value, found[name], "the published formula")
    values = [amount(v) for v in found.values()]
    total = amount(body.get("amount")) if isinstance(body, dict) else None
    if total is not None and all(v is not None for v in values):
        added = sum((v for v in values if v is not None), Fraction(0))
        if added != total:
            out.append(
                Mismatch(
                    "$.breakdown (sum)",
                    money(total),
                    money(added),
                    "the components do not add up to amount",
                )
            )
    return out


def fee_mismatches(expected: FeeBreakdown, rule: FeeRule, body: Any) -> list[Mismatch]:
    """DISC-004: commission, fixed_fee, total_fee and currency of the category."""
    if not isinstance(body, dict):
        return [Mismatch("$", "a fee quote object", body)]
    out: list[Mismatch] = []
    reasons = {
        "commission": f"r(order_value × {as_decimal(rule.commission_percent)} / 100)",
        "fixed_fee": "as published",
        "total_fee": "commission + fixed_fee",
    }
    for name, value in expected.components().items():
        out += _compare(f"$.{name}", value, body.get(name), reasons[name])
    if body.get("currency") != rule.currency:
        out.append(Mismatch("$.currency", rule.currency, body.get("currency"), "the category's"))
    return out


def side_by_side(expected: Mapping[str, Fraction], actual: Mapping[str, Any]) -> str:
    """A small table: each field, what the published rules give, what the platform sent.

    Its columns are the house style's (``Documented``, ``Received``), the
    way every finding row says them.
    """
    rows = [("", "Documented", "Received")]
    names = list(expected) + [n for n in actual if n not in expected]
    for name in names:
        want = money(expected[name]) if name in expected else "-"
        rows.append((name, want, str(actual.get(name, "<absent>"))))
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "    " + "  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)) for row in rows
    )


def pay_report(quote: PayInput, version: str, expected: PayBreakdown, body: Any) -> str:
    """The failing input and both breakdowns, side by side."""
    found, _ = breakdown_of(body)
    actual = {**found, "amount": body.get("amount") if isinstance(body, dict) else None}
    wanted = {**expected.components(), "amount": expected.amount}
    return (
        f"pay quote for {json.dumps(quote.to_json())} differs from the formula of "
        f"version {version!r}:\n{side_by_side(wanted, actual)}"
    )


def fee_report(quote: FeeInput, version: str, expected: FeeBreakdown, body: Any) -> str:
    """The failing input and both fee breakdowns, side by side."""
    actual = body if isinstance(body, dict) else {}
    shown = {k: actual.get(k, "<absent>") for k in ("commission", "fixed_fee", "total_fee")}
    return (
        f"fee quote for {json.dumps(quote.to_json())} differs from the rule of "
        f"version {version!r}:\n{side_by_side(expected.components(), shown)}"
    )
