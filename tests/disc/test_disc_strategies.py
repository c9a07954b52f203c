"""Inputs for the DISC properties: ties found arithmetically, boundaries, ranges."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings

from conformance.disc.formulas import (
    FeeInput,
    FeeRule,
    PayInput,
    PayRules,
    exact,
    expected_pay,
    is_tie,
    r,
)
from conformance.disc.strategies import (
    MAX_DISTANCE_M,
    MAX_DURATION_S,
    fee_boundaries,
    fee_inputs,
    pay_boundaries,
    pay_inputs,
    ties,
    with_examples,
    zone_ties,
)

RULES = PayRules(
    "CNY", exact("3.50"), exact("1.37"), exact("0.35"), {"b": Fraction(1), "a": Fraction(2)}
)
FEES = {
    "food": FeeRule("food", exact("18.5"), exact("0.50"), "CNY"),
    "pharmacy": FeeRule("pharmacy", exact("8"), exact("0"), "CNY"),
}


def test_ties_are_exact_ties_and_the_smallest() -> None:
    found = ties(exact("1.37"), 1000, MAX_DISTANCE_M, 3)
    assert found == [500, 1500, 2500]
    assert all(is_tie(exact("1.37") * n / 1000) for n in found)
    assert not any(is_tie(exact("1.37") * n / 1000) for n in range(1, 500))
    assert ties(exact("0.35"), 60, MAX_DURATION_S) == [6, 18]


def test_no_ties_when_there_are_none() -> None:
    assert ties(exact("8"), 10_000, 10**9) == []  # 8 % of a cent amount is never a half cent
    assert ties(Fraction(0), 1000, 10) == []


def test_pay_boundaries_cover_every_zone_with_ties_first() -> None:
    cases = pay_boundaries(RULES)
    assert cases[:2] == [PayInput(500, 6, "a"), PayInput(500, 6, "b")]
    assert PayInput(0, 0, "a") in cases and PayInput(MAX_DISTANCE_M, MAX_DURATION_S, "b") in cases


def test_fee_boundaries_cover_every_category() -> None:
    cases = fee_boundaries(FEES)
    assert cases[:2] == [FeeInput("food", "1.00"), FeeInput("pharmacy", "0.01")]
    assert {c.category for c in cases[2:]} == {"food", "pharmacy"}


@settings(max_examples=200, database=None)
@given(pay_inputs(RULES))
def test_pay_inputs_stay_in_range(quote: PayInput) -> None:
    assert 0 <= quote.distance_m <= MAX_DISTANCE_M
    assert 0 <= quote.duration_s <= MAX_DURATION_S
    assert quote.zone in RULES.zone_multipliers


@settings(max_examples=200, database=None)
@given(fee_inputs(FEES))
def test_fee_inputs_are_non_negative_decimal_strings(quote: FeeInput) -> None:
    assert exact(quote.order_value) >= 0
    assert quote.category in FEES


def test_with_examples_runs_explicit_cases_first_within_the_budget() -> None:
    seen: list[int] = []

    def prop(n: int) -> None:
        seen.append(n)

    from hypothesis import strategies as st

    run = settings(max_examples=1, database=None)(
        given(st.just(0))(with_examples(prop, [7, 8, 9], 2))
    )
    run()
    assert seen[:2] == [7, 8] and 9 not in seen


NEGATIVE = PayRules(
    "CNY",
    exact("3.50"),
    exact("1.37"),
    exact("0.35"),
    {"outer": exact("0.95"), "inner": Fraction(1), "centre": exact("1.20")},
)


def test_zone_ties_are_exact_and_negative_below_one() -> None:
    found = zone_ties(NEGATIVE, "outer", count=3)
    assert found[0] == PayInput(0, 0, "outer")  # 3.50 × −0.05 = −0.175
    for quote in found:
        parts = expected_pay(NEGATIVE, quote)
        assert is_tie((parts.base + parts.distance + parts.time) * exact("-0.05"))
    assert expected_pay(NEGATIVE, found[0]).zone == exact("-0.18")
    assert expected_pay(NEGATIVE, found[0], "half-toward-positive").zone == exact("-0.17")
    assert zone_ties(NEGATIVE, "inner") == []  # a multiplier of 1: the zone is always 0
    assert zone_ties(NEGATIVE, "centre") == []  # × 0.2 never falls on a half cent


def test_pay_boundaries_try_negative_zone_ties_first() -> None:
    assert pay_boundaries(NEGATIVE)[0] == PayInput(0, 0, "outer")


def test_rounding_halves_toward_positive_differs_only_below_zero() -> None:
    for cents in range(-300, 300):
        x = Fraction(2 * cents + 1, 200)  # every half cent
        wrong = r(x, "half-toward-positive")
        assert (wrong == r(x)) is (x > 0)
