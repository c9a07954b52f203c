"""DISC arithmetic: worked examples, ties, negatives and the input boundaries."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from conformance.disc.formulas import (
    FeeRule,
    PayInput,
    PayRules,
    as_decimal,
    exact,
    expected_fee,
    expected_pay,
    is_tie,
    money,
    r,
)

F = Fraction
RULES = PayRules(
    "CNY",
    exact("3.50"),
    exact("1.37"),
    exact("0.35"),
    {"centre": exact("1.20"), "inner": exact("1.00"), "outer": exact("0.95")},
)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (F("0.005"), "0.01"),
        (F("0.004999"), "0.00"),
        (F("0.015"), "0.02"),
        (F("0.025"), "0.03"),  # half-up, not half-even
        (F("-0.005"), "-0.01"),  # a half goes away from zero
        (F("-0.175"), "-0.18"),
        (F("-0.174"), "-0.17"),
        (F(1, 3), "0.33"),
        (F(2, 3), "0.67"),
        (F(0), "0.00"),
    ],
)
def test_r_rounds_half_away_from_zero_to_the_cent(x: Fraction, expected: str) -> None:
    assert money(r(x)) == expected


def test_floor_and_ceiling_exist_for_faults() -> None:
    assert money(r(F("0.019"), "floor")) == "0.01"
    assert money(r(F("0.011"), "ceiling")) == "0.02"
    assert money(r(F("-0.011"), "floor")) == "-0.02"


def test_exact_refuses_what_is_not_a_decimal_string() -> None:
    assert exact("18.5") == F(37, 2)
    for bad in ("1e3", "01.5", ".5", "1.", "", " 1", "NaN"):
        with pytest.raises(ValueError):
            exact(bad)


def test_as_decimal_is_exact_and_money_shows_cents() -> None:
    assert as_decimal(F("0.685")) == Decimal("0.685")
    assert money(F(7, 2)) == "3.50"
    assert money(F("0.685")) == "0.685"
    with pytest.raises(ValueError):
        as_decimal(F(1, 3))


def test_is_tie_is_exactly_halfway_between_cents() -> None:
    assert is_tie(F("0.005")) and is_tie(F("-0.175"))
    assert not is_tie(F("0.0051")) and not is_tie(F("0.01"))


def test_worked_example_with_ties_and_a_negative_zone() -> None:
    # 500 m × 1.37 / 1000 = 0.685 → 0.69; 6 s × 0.35 / 60 = 0.035 → 0.04;
    # subtotal 4.23; zone 4.23 × −0.05 = −0.2115 → −0.21; amount 4.02.
    pay = expected_pay(RULES, PayInput(500, 6, "outer"))
    assert {k: money(v) for k, v in pay.components().items()} == {
        "base": "3.50",
        "distance": "0.69",
        "time": "0.04",
        "zone": "-0.21",
    }
    assert money(pay.amount) == "4.02"


def test_zero_inputs_give_the_base_and_a_negative_tie_rounds_away_from_zero() -> None:
    pay = expected_pay(RULES, PayInput(0, 0, "outer"))
    assert money(pay.zone) == "-0.18"  # 3.50 × −0.05 = −0.175
    assert money(pay.amount) == "3.32"
    assert money(expected_pay(RULES, PayInput(0, 0, "inner")).amount) == "3.50"


def test_maximum_inputs() -> None:
    # 200 000 m → 274.00; 86 400 s → 504.00; subtotal 781.50; centre × 0.20 = 156.30.
    pay = expected_pay(RULES, PayInput(200_000, 86_400, "centre"))
    assert (money(pay.distance), money(pay.time), money(pay.zone)) == ("274.00", "504.00", "156.30")
    assert money(pay.amount) == "937.80"


def test_unknown_zone_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        expected_pay(RULES, PayInput(1, 1, "nowhere"))


def test_fee_commission_tie_and_total() -> None:
    food = FeeRule("food", exact("18.5"), exact("0.50"), "CNY")
    fee = expected_fee(food, "1.00")  # 0.185 → 0.19
    assert (money(fee.commission), money(fee.total_fee)) == ("0.19", "0.69")
    assert money(expected_fee(food, "0").total_fee) == "0.50"
    assert money(expected_fee(food, "98765.435").commission) == "18271.61"  # 18271.605475
