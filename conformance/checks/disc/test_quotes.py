"""DISC-002, DISC-003, DISC-004: quotes recomputed from the published rules alone.

Each check is a property over the inputs the disclosure covers; every
zone's (or category's) boundaries and exact rounding ties are explicit
examples, tried before the generated ones. A failing input is shrunk and
reported with the expected breakdown next to the platform's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance import Examples, Finding, Mismatch, Response, not_applicable, prerequisite_failed
from conformance.disc.client import M1, QUOTED, W1, DiscClient
from conformance.disc.disclosure import Disclosure, DisclosureError
from conformance.disc.formulas import (
    FeeInput,
    FeeRule,
    PayBreakdown,
    PayInput,
    PayRules,
    expected_fee,
    expected_pay,
)
from conformance.disc.quotes import (
    breakdown_mismatches,
    fee_mismatches,
    fee_report,
    pay_mismatches,
    pay_report,
)
from conformance.disc.strategies import (
    fee_boundaries,
    fee_inputs,
    pay_boundaries,
    pay_inputs,
    with_examples,
)

PayJudge = Callable[[PayBreakdown, PayRules, Any], list[Mismatch]]


def _pay_rules(published: Disclosure) -> PayRules:
    try:
        rules = published.pay_rules()
    except DisclosureError as exc:
        prerequisite_failed("DISC-001", f"worker_pay cannot be read: {exc}")
    if not rules.zone_multipliers:
        not_applicable("the disclosure lists no zone, so no pay quote can be asked for")
    return rules


def _answered(response: Response, sent: dict[str, object]) -> Any:
    if response.status not in QUOTED:
        raise Finding(
            f"an in-range input the disclosure covers was refused with {response.status}: {sent}",
            evidence=[response.exchange],
        )
    return response.json()


def _check_pay(
    disc: DiscClient, examples: Examples, published: Disclosure, judge: PayJudge
) -> None:
    rules = _pay_rules(published)

    def prop(quote: PayInput) -> None:
        expected = expected_pay(rules, quote)
        response = disc.pay_quote(W1, quote)
        body = _answered(response, quote.to_json())
        mismatches = judge(expected, rules, body)
        if mismatches:
            raise Finding(
                pay_report(quote, published.version, expected, body),
                mismatches=mismatches,
                evidence=[response.exchange],
            )

    examples.given(pay_inputs(rules))(
        with_examples(prop, pay_boundaries(rules), examples.calls // 2)
    )()


@pytest.mark.requirement("DISC-002")
def test_pay_quote_amount_follows_the_published_formula(
    disc: DiscClient, examples: Examples, published: Disclosure, workers: tuple[str, ...]
) -> None:
    """For any distance, duration and published zone, amount = subtotal + zone, exactly."""
    _check_pay(disc, examples, published, pay_mismatches)


@pytest.mark.requirement("DISC-003")
def test_pay_quote_breakdown_lists_each_component_and_adds_up(
    disc: DiscClient, examples: Examples, published: Disclosure, workers: tuple[str, ...]
) -> None:
    """base, distance, time and zone, once each, with the formula's values, summing to amount."""
    _check_pay(
        disc, examples, published, lambda expected, _, body: breakdown_mismatches(expected, body)
    )


def _fee_rules(published: Disclosure) -> dict[str, FeeRule]:
    try:
        fees = published.fee_rules()
    except DisclosureError as exc:
        prerequisite_failed("DISC-001", f"fees cannot be read: {exc}")
    if not fees:
        not_applicable("the disclosure lists no fee category, so no fee quote can be asked for")
    return fees


@pytest.mark.requirement("DISC-004")
def test_fee_quote_follows_the_category_rule(
    disc: DiscClient, examples: Examples, published: Disclosure, merchants: tuple[str, ...]
) -> None:
    """commission = r(order_value × percent / 100), total = commission + fixed_fee, in its currency."""
    fees = _fee_rules(published)

    def prop(quote: FeeInput) -> None:
        rule = fees[quote.category]
        expected = expected_fee(rule, quote.order_value)
        response = disc.fee_quote(M1, quote)
        body = _answered(response, quote.to_json())
        mismatches = fee_mismatches(expected, rule, body)
        if mismatches:
            raise Finding(
                fee_report(quote, published.version, expected, body),
                mismatches=mismatches,
                evidence=[response.exchange],
            )

    examples.given(fee_inputs(fees))(
        with_examples(prop, fee_boundaries(fees), examples.calls // 2)
    )()
