"""FAIR-002: every quote is exactly what the published rules give, whoever asks and however."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from conformance import Examples, Finding, Harness, Mismatch, Probe, Role, not_applicable
from conformance.fair.agents import presentations
from conformance.fair.client import QUOTES_PATH, send_as
from conformance.fair.pricing import Case, expected_quote, money, quote_mismatches, systematic_cases
from conformance.fair.rules import CLASSES, Rules
from conformance.fair.strategies import USERS, Asker, QuoteCase, quote_cases

_OK = (200, 201)


class _Ledger:
    """Differences from the rules' price, the same fact once with everyone it holds for."""

    def __init__(self) -> None:
        self.rows: list[Mismatch] = []
        self.evidence: list[str] = []
        self.asked = 0

    def judge(
        self,
        probe: Probe,
        case: Case,
        asker: Asker,
        prices: Mapping[str, Decimal],
        rules: Rules,
    ) -> None:
        expected = expected_quote(prices[case.item_id], case.quantity, case.coupon, rules.pricing)
        response = send_as(
            probe, "POST", QUOTES_PATH, asker.role, asker.presentation, json_body=case.body
        )
        self.asked += 1
        who = f"{asker.role} ({asker.presentation.label}, {response.exchange})"
        found: list[Mismatch]
        if response.status not in _OK:
            found = [Mismatch("status", "200 or 201", response.status)]
        else:
            found = quote_mismatches(response.json(), expected)
        self.rows += [
            replace(m, path=f"{case.label}: quote {case.body} {m.path}", subject=who) for m in found
        ]
        if found:
            self.evidence.append(response.exchange)

    def raise_if_any(self) -> None:
        if not self.rows:
            return
        raise Finding(
            "a quote is not what the published rules give",
            mismatches=self.rows,
            evidence=self.evidence[:60],
        )


def _prices(items: Sequence[Mapping[str, Any]]) -> dict[str, Decimal]:
    prices = {str(i.get("id")): money(i.get("price")) for i in items}
    return {k: v for k, v in prices.items() if v is not None}


@pytest.mark.requirement("FAIR-002")
def test_every_rule_and_coupon_is_honoured_for_every_client_and_agent(
    probe: Probe, harness: Harness, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """Each rule met, just missed and combined, as every client; then every generated agent.

    Every case is asked by the three clients with their configured headers
    (users rotating); then every generated presentation (browser, mobile,
    in-app, native and crawler agents, with and without Origin/Referer)
    asks one case, clients rotating. Each answer is held against the price
    the published rules give.
    """
    prices = _prices(items)
    if not prices:
        not_applicable("no listed item has a decimal price")
    cases = systematic_cases(sorted(prices), rules.pricing)
    ledger = _Ledger()
    for i, case in enumerate(cases):
        for client in CLASSES:
            ledger.judge(probe, case, Asker(Role(client, USERS[i % 2])), prices, rules)
    pool = presentations()
    for k, presentation in enumerate(pool):
        role = Role(CLASSES[k % len(CLASSES)], USERS[k % 2])
        ledger.judge(probe, cases[k % len(cases)], Asker(role, presentation), prices, rules)
    ledger.raise_if_any()
    harness.verified(
        f"{len(rules.pricing)} published rule(s) in {len(cases)} cases, each as the three "
        f"clients, and {len(pool)} generated presentations: {ledger.asked} quotes, each the "
        "rules' price"
    )


@pytest.mark.requirement("FAIR-002")
def test_generated_quotes_follow_the_published_rules(
    probe: Probe, harness: Harness, examples: Examples, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """Generated item, quantity, coupon, user, client and presentation: the rules' price."""
    prices = _prices(items)
    if not prices:
        not_applicable("no listed item has a decimal price")
    asked = [0]

    @examples.given(quote_cases(sorted(prices), rules.pricing))
    def prop(generated: QuoteCase) -> None:
        case = Case("generated", generated.item_id, generated.quantity, generated.coupon)
        ledger = _Ledger()
        for asker in generated.askers:
            ledger.judge(probe, case, asker, prices, rules)
        asked[0] += ledger.asked
        ledger.raise_if_any()

    prop()
    harness.verified(f"{asked[0]} generated quotes, each the published rules' price")
