"""Running PORT properties: a finding survives a platform that cannot replay it; time is respected."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from conformance._harness.errors import Finding
from conformance._harness.examples import Examples
from conformance.port.properties import round_trip_examples, run_property


def test_a_finding_that_cannot_be_replayed_still_fails_with_its_example() -> None:
    calls: list[int] = []

    def prop(n: int) -> None:
        calls.append(n)
        # Only the first call fails: the platform's state changed under the example.
        if len(calls) == 2:
            raise Finding(f"a violation seen with {n}")

    with pytest.raises(Finding, match="a violation seen with") as caught:
        run_property(
            Examples(seed=7, max_examples=5, shrink=True),
            (st.integers(0, 10**6),),
            prop,
            time_left=lambda: 600.0,
            describe=lambda n: f"the number {n}",
        )
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "the example that showed it: the number" in notes
    assert "seed 7" in notes


def test_no_example_is_asked_for_once_time_runs_short() -> None:
    calls: list[int] = []
    left = [600.0]

    def prop(n: int) -> None:
        calls.append(n)
        left[0] = 1.0  # what is left after the first call is too little for another

    run_property(
        Examples(seed=3, max_examples=20, shrink=False),
        (st.integers(),),
        prop,
        time_left=lambda: left[0],
    )
    assert len(calls) == 1


def test_round_trips_carry_the_examples_in_a_few_batches() -> None:
    assert round_trip_examples(Examples(seed=1, max_examples=5, shrink=True)) == (2, 5)
    assert round_trip_examples(Examples(seed=1, max_examples=20, shrink=True)) == (4, 8)
    assert round_trip_examples(Examples(seed=1, max_examples=1, shrink=True)) == (2, 1)
