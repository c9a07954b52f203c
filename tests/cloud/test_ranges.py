"""Byte ranges: what each case selects, and which answer 416."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.cloud.ranges import (
    RangeCase,
    boundary_cases,
    closed,
    first,
    open_ended,
    parse_content_range,
    range_cases,
    suffix,
)

DATA = bytes(range(256)) * 4


def test_the_draft_s_cases_select_what_rfc_9110_says() -> None:
    size = len(DATA)
    assert first(size, 1).expected(DATA) == DATA[:1]
    assert closed(size, 10, 19).expected(DATA) == DATA[10:20]
    assert suffix(size, 5).expected(DATA) == DATA[-5:]
    assert open_ended(size, size - 3).expected(DATA) == DATA[-3:]
    assert closed(size, 1000, 5000).expected(DATA) == DATA[1000:]
    assert suffix(size, size + 50).expected(DATA) == DATA
    assert closed(size, 10, 19).content_range == f"bytes 10-19/{size}"


def test_ranges_starting_at_or_past_the_end_are_unsatisfiable() -> None:
    assert not open_ended(10, 10).satisfiable
    assert not closed(10, 15, 20).satisfiable
    assert not suffix(0, 1).satisfiable
    assert open_ended(10, 10).content_range is None


def test_boundary_cases_include_a_range_across_each_part_end() -> None:
    cases = boundary_cases(100, boundaries=[50])
    across = [c for c in cases if c.kind == "across a part end"]
    assert [(c.start, c.end) for c in across] == [(47, 52)]
    assert sum(not c.satisfiable for c in cases) == 2
    assert {c.kind for c in cases} >= {"first", "suffix", "middle", "open-ended"}


def test_a_one_byte_object_has_cases_too() -> None:
    cases = boundary_cases(1)
    assert all(c.expected(b"x") == b"x" for c in cases if c.satisfiable)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.just(n), range_cases(n))))
def test_generated_ranges_are_satisfiable_and_within_the_object(
    case: tuple[int, RangeCase],
) -> None:
    size, rc = case
    assert rc.satisfiable
    selected = rc.expected(bytes(size))
    assert 1 <= len(selected) <= size
    assert parse_content_range(rc.content_range) == (rc.start, rc.end, size)


def test_content_range_parsing() -> None:
    assert parse_content_range("bytes 0-9/*") == (0, 9, None)
    assert parse_content_range(" bytes 1-2/3 ") == (1, 2, 3)
    assert parse_content_range("bytes=1-2/3") is None
    assert parse_content_range(None) is None


@given(st.integers(2, 5000).flatmap(lambda n: st.tuples(st.just(n), range_cases(n, longest=n - 1))))
def test_a_shorter_longest_never_covers_the_whole_object(case: tuple[int, RangeCase]) -> None:
    size, rc = case
    assert rc.start is not None and rc.end is not None
    assert rc.end - rc.start + 1 <= size - 1
