"""FAIR-002: every quote is exactly what the published rules give, whoever asks."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from conformance.checking import not_applicable
from conformance.errors import Finding, Mismatch
from conformance.examples import Examples
from conformance.fair.client import QUOTES_PATH
from conformance.fair.pricing import expected_quote, money
from conformance.fair.rules import Rules
from conformance.fair.strategies import QuoteCase, quote_cases
from conformance.probe import Probe


@pytest.mark.requirement("FAIR-002")
def test_quotes_follow_the_published_rules_for_everyone(
    probe: Probe, examples: Examples, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """Generated item, quantity, coupon, user, client and User-Agent: the price is the rules' price."""
    prices = {str(i.get("id")): money(i.get("price")) for i in items}
    priced = {k: v for k, v in prices.items() if v is not None}
    if not priced:
        not_applicable("no listed item has a decimal price")
    agents = [h["User-Agent"] for h in probe.target.clients.values() if "User-Agent" in h]

    @examples.given(quote_cases(sorted(priced), rules.pricing, agents))
    def prop(case: QuoteCase) -> None:
        expected = expected_quote(priced[case.item_id], case.quantity, case.coupon, rules.pricing)
        body: dict[str, Any] = {"item_id": case.item_id, "quantity": case.quantity}
        if case.coupon is not None:
            body["coupon"] = case.coupon
        mismatches: list[Mismatch] = []
        evidence: list[str] = []
        for asker in case.askers:
            response = probe.post(
                QUOTES_PATH,
                role=asker.role,
                json_body=body,
                headers={"User-Agent": asker.user_agent},
            )
            evidence.append(response.exchange)
            where = f"quote {body} as {asker.role} with User-Agent {asker.user_agent!r} ({response.exchange})"
            if response.status not in (200, 201):
                mismatches.append(Mismatch(f"{where} status", 200, response.status))
                continue
            mismatches += _quote_mismatches(
                where, response.json(), expected.unit_price, expected.total, expected.nameable
            )
        if mismatches:
            raise Finding(
                "a quote is not what the published rules give",
                mismatches=mismatches,
                evidence=evidence,
            )

    prop()


def _quote_mismatches(
    where: str, quote: Any, unit: Decimal, total: Decimal, nameable: frozenset[str]
) -> list[Mismatch]:
    if not isinstance(quote, dict):
        return [Mismatch(where, "a quote object", quote)]
    out = []
    if money(quote.get("unit_price")) != unit:
        out.append(
            Mismatch(
                f"{where} $.unit_price",
                f"{unit}",
                quote.get("unit_price"),
                "price × (100 − discount) / 100, rounded half-up to 0.01",
            )
        )
    if money(quote.get("total")) != total:
        out.append(
            Mismatch(f"{where} $.total", f"{total}", quote.get("total"), "unit_price × quantity")
        )
    applied = quote.get("applied_rules")
    ok = (
        (isinstance(applied, list) and len(applied) == 1 and applied[0] in nameable)
        if nameable
        else applied == []
    )
    if not ok:
        expected = f"one of {sorted(nameable)}" if nameable else "[] (no rule is met)"
        out.append(
            Mismatch(
                f"{where} $.applied_rules",
                expected,
                applied,
                "the eligible rule with the largest discount, at most one",
            )
        )
    return out
