"""CLOUD-006: polling a switch-export and judging its eta and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conformance import DeadlineExceeded
from conformance.cloud.exports import (
    Observation,
    Polled,
    eta_mismatches,
    eta_stated,
    outcome_mismatches,
    parse_instant,
    poll,
    retention_mismatches,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def obs(body: dict[str, Any], n: int = 0, retry_after: float | None = None) -> Observation:
    return Observation(body, T0 + timedelta(seconds=n), f"e{n}", retry_after)


def reader(*bodies: dict[str, Any]) -> Any:
    it = iter(enumerate(bodies))

    def read() -> Observation:
        n, body = next(it)
        return obs(body, n)

    return read


def test_polling_stops_at_the_first_terminal_state() -> None:
    slept: list[float] = []
    polled = poll(
        reader({"status": "pending"}, {"status": "running"}, {"status": "completed"}),
        lambda: 100.0,
        sleep=slept.append,
    )
    assert [o.status for o in polled.observations] == ["pending", "running", "completed"]
    assert polled.terminal is not None and polled.terminal.exchange == "e2"
    assert slept == [0.1, 0.2]


def test_an_export_terminal_at_once_needs_one_read() -> None:
    polled = poll(reader({"status": "completed"}), lambda: 100.0, sleep=lambda s: None)
    assert polled.exchanges == ["e0"]


def test_retry_after_sets_the_pace() -> None:
    slept: list[float] = []
    bodies = iter([obs({"status": "running"}, 0, retry_after=3.0), obs({"status": "failed"}, 1)])
    poll(lambda: next(bodies), lambda: 100.0, sleep=slept.append)
    assert slept == [3.0]


def test_running_out_of_time_is_an_error_not_a_finding() -> None:
    with pytest.raises(DeadlineExceeded, match="still 'running'"):
        poll(reader(*[{"status": "running"}] * 50), lambda: 1.0, sleep=lambda s: None)


def test_each_read_is_shown_as_it_comes() -> None:
    seen: list[int] = []
    poll(
        reader({"status": "running"}, {"status": "completed"}),
        lambda: 100.0,
        sleep=lambda s: None,
        on_each=lambda p: seen.append(len(p.observations)),
    )
    assert seen == [1, 2]


def test_every_eta_stated_is_held_to_the_maximum() -> None:
    polled = Polled(
        [
            obs({"status": "running", "eta_days": 45}, 0),
            obs({"status": "running", "eta_days": 3}, 1),
            obs({"status": "completed"}, 2),
        ]
    )
    (row,) = eta_mismatches(polled, 30, "max_switch_days")
    assert row.received == 45 and row.subject == "e0" and "30 days" in str(row.expected)
    assert eta_stated(polled)
    assert not eta_stated(Polled([obs({"status": "completed"})]))
    bad = Polled([obs({"status": "running", "eta_days": "soon"})])
    assert eta_mismatches(bad, 30, "x")


def test_only_completed_is_a_success() -> None:
    assert outcome_mismatches(obs({"status": "completed"})) == []
    (row,) = outcome_mismatches(obs({"status": "failed"}))
    assert row.received == "failed"


@pytest.mark.parametrize(
    ("until", "ok"),
    [
        ("2026-12-31T12:00:00Z", True),
        ("2026-12-31T11:59:30Z", True),  # within the clock skew allowed
        ("2026-12-31T11:58:00Z", False),
        ("2026-12-31T13:00:00+01:00", True),
        ("2026-12-15T12:00:00Z", False),
        ("2026-12-31", False),
        ("2026-12-31T12:00:00", False),  # no offset
        (None, False),
    ],
)
def test_retention_counts_from_when_the_suite_first_saw_the_end(until: Any, ok: bool) -> None:
    terminal = obs({"status": "completed", "retrievable_until": until})
    rows = retention_mismatches(terminal, 30, "retrieval_days")
    assert (rows == []) is ok
    if rows:
        assert "2026-12-31T12:00:00Z" in str(rows[0].expected)


def test_instants_are_read_as_rfc_3339_with_an_offset() -> None:
    assert parse_instant("2027-01-12T00:00:00z") == datetime(2027, 1, 12, tzinfo=UTC)
    assert parse_instant("2027-01-12T01:00:00.5+01:00") == datetime(
        2027, 1, 12, 0, 0, 0, 500000, tzinfo=UTC
    )
    assert parse_instant("yesterday") is None and parse_instant(5) is None
