"""CLOUD-001 and 002: the durations and the switching charge, by the suite's clock."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance._harness.options import Options, instant
from conformance._harness.results import replay_of
from conformance.cloud.switching import (
    charge_mismatches,
    charges_must_be_zero,
    decimal_amount,
    duration_mismatches,
    suite_now,
)

BEFORE = datetime(2026, 12, 1, tzinfo=UTC)
AFTER = datetime(2027, 2, 1, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "max_switch_days": 30,
    "retrieval_days": 30,
    "switching_charge_per_gb": "0.02",
    "currency": "EUR",
}


def test_the_drafts_bounds_pass() -> None:
    assert duration_mismatches(GOOD) == []
    assert duration_mismatches(GOOD | {"max_switch_days": 0.5, "retrieval_days": 365}) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"max_switch_days": 45}, "$.max_switch_days"),
        ({"max_switch_days": "30"}, "$.max_switch_days"),
        ({"max_switch_days": -1}, "$.max_switch_days"),
        ({"max_switch_days": True}, "$.max_switch_days"),
        ({"retrieval_days": 14}, "$.retrieval_days"),
        ({"retrieval_days": None}, "$.retrieval_days"),
    ],
)
def test_a_duration_out_of_bounds_is_named(change: dict[str, Any], path: str) -> None:
    rows = duration_mismatches(GOOD | change)
    assert [r.path for r in rows] == [path]


def test_an_absent_duration_says_absent() -> None:
    doc = {k: v for k, v in GOOD.items() if k != "retrieval_days"}
    (row,) = duration_mismatches(doc)
    assert row.received == "absent"


def test_the_cut_over_is_the_utc_date() -> None:
    assert not charges_must_be_zero(datetime(2027, 1, 11, 23, 59, 59, tzinfo=UTC))
    assert charges_must_be_zero(datetime(2027, 1, 12, tzinfo=UTC))
    # 00:30 on the 12th at +01:00 is still the 11th in UTC
    assert not charges_must_be_zero(
        datetime(2027, 1, 12, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    )


def test_suite_now_is_utc_and_takes_an_injected_instant() -> None:
    assert suite_now().tzinfo is UTC
    assert suite_now(datetime(2027, 3, 1)) == datetime(2027, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("charge", ["0.02", "0", "0.00", 0, 1.5, "12"])
def test_before_the_cut_over_any_declared_charge_passes(charge: Any) -> None:
    assert charge_mismatches(GOOD | {"switching_charge_per_gb": charge}, BEFORE) == []


@pytest.mark.parametrize("charge", [None, "", "free", "-0.01", -1, "1,50", True, "1e3"])
def test_before_the_cut_over_an_undeclared_charge_fails(charge: Any) -> None:
    (row,) = charge_mismatches(GOOD | {"switching_charge_per_gb": charge}, BEFORE)
    assert row.path == "$.switching_charge_per_gb"
    assert "2026-12-01" in row.why


def test_an_absent_charge_fails_before_and_after() -> None:
    doc = {k: v for k, v in GOOD.items() if k != "switching_charge_per_gb"}
    for when in (BEFORE, AFTER):
        (row,) = charge_mismatches(doc, when)
        assert row.received == "absent"


def test_a_nonzero_charge_needs_its_currency() -> None:
    doc = {k: v for k, v in GOOD.items() if k != "currency"}
    (row,) = charge_mismatches(doc, BEFORE)
    assert row.path == "$.currency"
    assert charge_mismatches(doc | {"switching_charge_per_gb": "0"}, BEFORE) == []
    assert charge_mismatches(doc | {"currency": "eur"}, BEFORE)


@pytest.mark.parametrize("charge", ["0", "0.00", 0, 0.0])
def test_after_the_cut_over_zero_passes(charge: Any) -> None:
    assert charge_mismatches(GOOD | {"switching_charge_per_gb": charge}, AFTER) == []


@pytest.mark.parametrize("charge", ["0.02", "0.001", 1, "-0"])
def test_after_the_cut_over_a_charge_fails(charge: Any) -> None:
    rows = charge_mismatches(GOOD | {"switching_charge_per_gb": charge}, AFTER)
    if Decimal(str(charge)) == 0:
        assert rows == []
    else:
        (row,) = rows
        assert row.expected == "0" and "2027-02-01" in row.why


@given(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False))
def test_decimal_strings_are_read_exactly(amount: Decimal) -> None:
    text = format(amount, "f")
    if text.startswith("0") and len(text) > 1 and text[1] != ".":
        return
    assert decimal_amount(text) == amount


def test_as_of_reads_a_date_or_an_instant_and_is_replayed() -> None:
    assert instant("2027-01-12") == datetime(2027, 1, 12, tzinfo=UTC)
    assert instant("2027-01-12T01:00:00+01:00") == datetime(2027, 1, 12, tzinfo=UTC)
    assert instant("2027-01-12T00:00:00Z") == datetime(2027, 1, 12, tzinfo=UTC)
    with pytest.raises(argparse.ArgumentTypeError, match="ISO 8601"):
        instant("next tuesday")
    replay = replay_of(1, Options(as_of=instant("2027-02-01")), "t.yaml")
    assert ("--as-of", "2027-02-01T00:00:00Z") == replay.options[-2:]
