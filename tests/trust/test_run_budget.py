"""Time is bounded per request, per check and per run, whatever the platform does.

``request_timeout`` bounds a whole request (connect, status line, headers,
body), not each read, so a platform dripping bytes cannot hold one; a run
ends within ``limits.run_budget`` (the check in flight cut at it, the checks
after it ending ``error`` without sending anything) with its reports
written and verifiable; a discovery document that fails costs the run one
fetch, and every check that needs it says why.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from stalling_platform import DISCOVERY, StallingPlatform, probing, run_against, serving

from conformance._harness.cli import EXIT_GARBAGE, EXIT_UNDECIDED, EXIT_UNREACHABLE
from conformance._harness.errors import (
    BudgetSpent,
    ConfigError,
    DeadlineExceeded,
    TargetUnreachable,
)
from conformance._harness.target import Limits, load_target

SLACK = 40.0
"""Seconds a run may take past its budget: starting pytest, collecting, writing the reports
(on a busy two-core machine). A budget that did not hold would overrun by minutes."""


# -- the target file ------------------------------------------------------------------------


def _file(tmp_path: Path, limits: str = "") -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(
        "name: t\nbase_url: http://127.0.0.1:9\n"
        "users: {alice: {id: a}, bob: {id: b}, carol: {id: c}}\n" + limits,
        encoding="utf-8",
    )
    return path


def test_the_budgets_have_safe_defaults(tmp_path: Path) -> None:
    limits = load_target(_file(tmp_path), environ={}).limits
    assert limits == Limits()
    assert (limits.run_budget, limits.max_requests, limits.max_retry_after) == (3600, 50_000, 120)
    assert (limits.request_timeout, limits.requests_per_second) == (30, 10)


def test_the_budgets_are_read_from_the_target_file(tmp_path: Path) -> None:
    text = "limits: {run_budget: 20, max_requests: 300, max_retry_after: 5}\n"
    limits = load_target(_file(tmp_path, text), environ={}).limits
    assert (limits.run_budget, limits.max_requests, limits.max_retry_after) == (20, 300, 5)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("limits: {run_budget: 0}\n", "limits.run_budget"),
        ("limits: {run_budget: an hour}\n", "limits.run_budget"),
        ("limits: {max_requests: 0}\n", "limits.max_requests"),
        ("limits: {max_retry_after: -1}\n", "limits.max_retry_after"),
        ("limits: {run_budgt: 20}\n", "limits.run_budgt"),
    ],
)
def test_a_bad_budget_names_the_file_the_key_and_the_fix(
    tmp_path: Path, text: str, key: str
) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_target(path, environ={})
    assert caught.value.file == str(path) and caught.value.key == key
    assert caught.value.fix


# -- one request ----------------------------------------------------------------------------


def test_a_check_gets_no_more_time_than_the_run_has_left(tmp_path: Path) -> None:
    with probing("http://127.0.0.1:9", tmp_path, run_budget=5, check_timeout=900) as probe:
        assert probe.deadline == probe.transport.budget.deadline
        assert probe.remaining() <= 5


def test_dripping_headers_are_cut_at_the_request_time_limit(tmp_path: Path) -> None:
    # A byte every 0.2 s: no single read ever times out, the request does.
    platform = StallingPlatform(discovery="drip-head", drip=0.2)
    with serving(platform) as base, probing(base, tmp_path, request_timeout=2) as probe:
        started = time.monotonic()
        with pytest.raises(TargetUnreachable) as caught:
            probe.get(DISCOVERY)
        took = time.monotonic() - started
    assert "no complete answer (status line and headers) within the request time limit" in str(
        caught.value
    )
    assert "(2 s, limits.request_timeout)" in str(caught.value)
    assert took < 2 + 10, f"held {took:.1f} s"
    (log,) = tmp_path.glob("evidence*.jsonl")
    evidence = log.read_text(encoding="utf-8")
    assert "no complete answer within the request time limit" in evidence


def test_a_dripping_body_is_cut_at_the_request_time_limit(tmp_path: Path) -> None:
    platform = StallingPlatform(discovery="drip-body", drip=0.2)
    with serving(platform) as base, probing(base, tmp_path, request_timeout=2) as probe:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught:
            probe.get(DISCOVERY)
        took = time.monotonic() - started
    assert "the body was still arriving when the request time limit (2 s" in str(caught.value)
    assert took < 2 + 10, f"held {took:.1f} s"


def test_a_streamed_download_keeps_the_checks_time_limit(tmp_path: Path) -> None:
    # A download may be large: its body is held to the check's limit, not the request's.
    platform = StallingPlatform(discovery="drip-body", drip=0.2)
    with (
        serving(platform) as base,
        probing(base, tmp_path, request_timeout=1, check_timeout=4) as probe,
    ):
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught, probe.stream(DISCOVERY) as stream:
            for _ in stream.chunks:
                pass
        took = time.monotonic() - started
    assert "the body was still arriving when the time limit of t ran out" in str(caught.value)
    assert "request time limit" not in str(caught.value)
    assert took < 4 + 10, f"held {took:.1f} s"


def test_a_request_in_flight_is_cut_when_the_run_budget_is_spent(tmp_path: Path) -> None:
    platform = StallingPlatform(discovery="hold")
    with serving(platform) as base, probing(base, tmp_path, run_budget=2) as probe:
        with pytest.raises(BudgetSpent) as caught:
            probe.get(DISCOVERY)
        with pytest.raises(BudgetSpent, match="was spent before this check ran"):
            probe.transport.budget.before_check()
    assert "within the run budget (2 s, limits.run_budget)" in str(caught.value)


# -- a whole run ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_platform_that_never_answers_ends_the_run_within_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepts every connection after discovery and never answers: 15 s, then the reports."""
    platform = StallingPlatform(others="hold")
    run = run_against(platform, tmp_path, {"run_budget": 15}, monkeypatch.setenv)
    assert run.elapsed < 15 + SLACK, f"the run took {run.elapsed:.0f} s"
    assert run.code == EXIT_UNDECIDED
    assert run.verify_code == 0
    reasons = run.reasons()
    assert reasons["C-001"].startswith("pass")
    budget = "the run budget (15 s, limits.run_budget)"
    cut = [
        r
        for r in reasons.values()
        if f"no complete answer (status line and headers) within {budget}" in r
    ]
    after = [r for r in reasons.values() if f"{budget} was spent before this check ran" in r]
    assert len(cut) >= 1 and len(after) >= 3, reasons
    assert not [r for r in reasons.values() if r.startswith("fail")], reasons
    # The checks that started after the budget sent nothing.
    assert len(run.evidence) == len(platform.seen)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("discovery", "exit_code", "reason"),
    [
        ("drip-body", EXIT_GARBAGE, "the body was still arriving when the request time limit"),
        ("drip-head", EXIT_UNREACHABLE, "no complete answer (status line and headers) within"),
        ("hold", EXIT_UNREACHABLE, "no complete answer (status line and headers) within"),
    ],
)
def test_a_failing_discovery_document_is_fetched_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discovery: str,
    exit_code: int,
    reason: str,
) -> None:
    platform = StallingPlatform(discovery=discovery)
    run = run_against(platform, tmp_path, {"request_timeout": 3}, monkeypatch.setenv)
    assert platform.requests_to(DISCOVERY) == 1, platform.seen
    assert len(platform.seen) == 1  # nothing else was asked either
    assert run.code == exit_code
    assert run.verify_code == 0
    # Every requirement says the same why: C-001 as it ended, the others as their prerequisite.
    reasons = run.reasons()
    assert all(reason in r for r in reasons.values()), reasons
    assert "(3 s, limits.request_timeout)" in reasons["C-001"]
    assert run.elapsed < 3 + SLACK
