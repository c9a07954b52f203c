"""A check's end is classified by its type, never by its text or its class's name."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis.errors import Flaky, FlakyFailure

from conformance._harness.checking import not_applicable, not_claimed, prerequisite_failed
from conformance._harness.classify import classify, classify_exception
from conformance._harness.errors import DeadlineExceeded
from conformance._harness.results import Outcome


def _skipped(end: Callable[[], None]) -> tuple[Outcome, str]:
    call = pytest.CallInfo.from_call(end, when="call")
    report = pytest.TestReport(
        "check", ("check.py", 0, "check"), {}, "skipped", None, "call", duration=0.0
    )
    return classify(call, report)


def test_not_claimed_and_not_applicable_travel_as_types() -> None:
    assert _skipped(lambda: not_claimed("PORT continuous is not claimed")) == (
        Outcome.NOT_CLAIMED,
        "PORT continuous is not claimed",
    )
    assert _skipped(lambda: not_applicable("no second target")) == (
        Outcome.NOT_APPLICABLE,
        "no second target",
    )


def test_a_skip_that_only_reads_like_not_claimed_is_a_skip() -> None:
    assert _skipped(lambda: pytest.skip("not-claimed: says so")) == (
        Outcome.SKIP,
        "not-claimed: says so",
    )
    assert _skipped(lambda: prerequisite_failed("C-001", "no discovery")) == (
        Outcome.SKIP,
        "prerequisite C-001 failed: no discovery",
    )


def test_an_assertion_fails_with_its_whole_message() -> None:
    assert classify_exception(AssertionError("3 records missing\nassert 3 == 0")) == (
        Outcome.FAIL,
        "3 records missing\nassert 3 == 0",
    )
    assert classify_exception(AssertionError()) == (Outcome.FAIL, "assertion failed")


def test_flakiness_is_an_error_unless_a_finding_is_inside() -> None:
    outcome, reason = classify_exception(Flaky("replayed differently"))
    assert outcome is Outcome.ERROR and "answered inconsistently" in reason
    inside = FlakyFailure("failed once", [AssertionError("a record missing")])
    assert classify_exception(inside) == (Outcome.FAIL, "a record missing")


class FlakyLookalike(Exception):
    """Named like Hypothesis's error, but it is not one."""


FlakyLookalike.__name__ = "Flaky"


def test_a_class_named_like_flaky_is_not_taken_for_it() -> None:
    outcome, reason = classify_exception(FlakyLookalike("boom"))
    assert outcome is Outcome.ERROR
    assert reason == "the check could not complete (Flaky: boom)"


def test_a_harness_error_is_labelled_by_its_type() -> None:
    assert classify_exception(DeadlineExceeded("60 s")) == (
        Outcome.ERROR,
        "time limit reached: 60 s",
    )
