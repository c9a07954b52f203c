"""The expected price of a quote: decimal arithmetic, half-up rounding, the best rule only."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from conformance.fair.pricing import expected_quote, money
from conformance.fair.rules import PricingRule, parse_rules
from conformance.reference.fair_catalog import ITEMS, PRICING_RULES, Item, quote

RULES = (
    PricingRule("bulk-10", Decimal("5"), min_quantity=10),
    PricingRule("bulk-100", Decimal("12.5"), min_quantity=100),
    PricingRule("save12", Decimal("12.5"), coupon="SAVE12"),
)


def test_no_rule_met_keeps_the_price() -> None:
    e = expected_quote(Decimal("19.99"), 3, None, RULES)
    assert (e.unit_price, e.total, e.nameable) == (Decimal("19.99"), Decimal("59.97"), frozenset())


def test_the_largest_discount_applies_and_ties_allow_either() -> None:
    e = expected_quote(Decimal("19.99"), 100, "SAVE12", RULES)
    assert e.unit_price == Decimal("17.49")  # 19.99 × 0.875 = 17.49125
    assert e.total == Decimal("1749.00")
    assert e.nameable == {"bulk-100", "save12"}


def test_rounding_is_half_up_to_the_cent() -> None:
    # 0.10 × 0.95 = 0.095 → 0.10 (half-up), where banker's rounding would give 0.10 too;
    # 0.30 × 0.95 = 0.285 → 0.29 (half-up), banker's gives 0.28.
    assert expected_quote(Decimal("0.30"), 10, None, RULES).unit_price == Decimal("0.29")


def test_coupons_match_exactly_case_included() -> None:
    assert expected_quote(Decimal("10.00"), 1, "save12", RULES).nameable == frozenset()
    assert expected_quote(Decimal("10.00"), 1, "SAVE12 ", RULES).nameable == frozenset()


def test_money_is_read_from_strings_only() -> None:
    assert money("17.5") == Decimal("17.50")
    assert money(17.5) is None
    assert money("NaN") is None


@given(
    st.sampled_from(ITEMS), st.integers(1, 1000), st.sampled_from([None, "SAVE12", "WELCOME", "x"])
)
def test_the_reference_prices_as_its_published_rules_say(
    item: Item, quantity: int, coupon: str | None
) -> None:
    rules = parse_rules(
        {
            "rate_limits": [],
            "deprecations": [],
            "pricing_rules": [r.to_json() for r in PRICING_RULES],
        }
    )
    made = quote(item, quantity, coupon)
    expected = expected_quote(made.item.price, quantity, coupon, rules.pricing)
    assert (made.unit_price, made.total) == (expected.unit_price, expected.total)
    if expected.nameable:
        assert len(made.applied) == 1 and made.applied[0] in expected.nameable
    else:
        assert made.applied == ()
