"""Polite by design: a pace, a request budget, and a ``Retry-After`` honoured with a cap.

A platform must not be able to stall a run by asking it to come back in
eleven days, and a run must not send more than its target file allows,
however its checks fare. The defaults are the README's (Trust).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml
from stalling_platform import (
    ALICE,
    DISCOVERY,
    StallingPlatform,
    finished_run,
    probing,
    run_against,
    serving,
)

from conformance._harness.budget import RunBudget
from conformance._harness.cli import EXIT_UNDECIDED, main
from conformance._harness.errors import BudgetSpent, DeadlineExceeded
from conformance._harness.target import Limits

SLACK = 40.0
"""Seconds for starting pytest, collecting and writing reports on a busy machine."""


class _Counter(BaseHTTPRequestHandler):
    arrivals: list[float]
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            self.arrivals.append(time.monotonic())
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _counter(serve_http: Callable[..., str]) -> tuple[str, list[float]]:
    arrivals: list[float] = []
    handler = type("Counter", (_Counter,), {"arrivals": arrivals})
    return serve_http(handler), arrivals


# -- Retry-After, capped ----------------------------------------------------------------------


def test_a_retry_after_past_the_cap_is_not_waited_for(tmp_path: Path) -> None:
    platform = StallingPlatform(discovery="429", retry_after="30")
    with (
        serving(platform) as base,
        probing(base, tmp_path, max_retry_after=2, check_timeout=120) as probe,
    ):
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught:
            probe.get(DISCOVERY, role=ALICE)
        took = time.monotonic() - started
    message = str(caught.value)
    assert "asked to wait 30 s (Retry-After: 30)" in message
    assert "at most 2 s for a refusal (limits.max_retry_after)" in message
    assert platform.requests_to(DISCOVERY) == 1  # not asked again before it said
    assert took < 10, f"waited {took:.1f} s"


def test_a_retry_after_within_the_cap_is_waited_out(tmp_path: Path) -> None:
    platform = StallingPlatform(discovery="429", retry_after="1")
    with (
        serving(platform) as base,
        probing(base, tmp_path, max_retry_after=1, check_timeout=5) as probe,
    ):
        # The platform refuses for ever: waited 1 s each time, until the check's limit.
        with pytest.raises(DeadlineExceeded, match="of its time limit left"):
            probe.get(DISCOVERY, role=ALICE)
    times = [t for t, _ in platform.seen]
    assert len(times) >= 2
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(times)), times


def test_a_429_asking_for_eleven_days_does_not_stall_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = StallingPlatform(others="429", retry_after="999999")
    run = run_against(platform, tmp_path, {"run_budget": 300}, monkeypatch.setenv)
    assert run.elapsed < SLACK, f"the run took {run.elapsed:.0f} s"
    assert run.code == EXIT_UNDECIDED
    assert run.verify_code == 0
    refused = [e for e in run.evidence if e.get("response", {}).get("status") == 429]
    assert refused and all("not waited" in e["error"] for e in refused), refused
    reasons = run.reasons()
    told = [r for r in reasons.values() if "asked to wait 999999 s (11.6 days)" in r]
    assert told and all(r.startswith("error") and "Retry-After: 999999" in r for r in told)
    assert not [r for r in reasons.values() if r.startswith("fail")], reasons


# -- the pace and the request budget ----------------------------------------------------------


def test_the_default_pace_is_ten_requests_a_second() -> None:
    assert Limits().requests_per_second == 10


def test_request_starts_keep_the_pace(serve_http: Callable[..., str], tmp_path: Path) -> None:
    base, arrivals = _counter(serve_http)
    with probing(base, tmp_path, requests_per_second=5) as probe:
        for _ in range(4):
            probe.get("/x")
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(gaps) == 3 and min(gaps) >= 0.15, gaps  # 0.2 s apart, less the clock's jitter


def test_no_request_is_sent_past_the_request_budget(
    serve_http: Callable[..., str], tmp_path: Path
) -> None:
    base, arrivals = _counter(serve_http)
    with probing(base, tmp_path, max_requests=3) as probe:
        for _ in range(3):
            probe.get("/x")
        with pytest.raises(BudgetSpent, match=r"not sent: the request budget \(3 requests"):
            probe.get("/x")
        with pytest.raises(BudgetSpent, match="was spent before this check ran"):
            probe.transport.budget.before_check()
    assert len(arrivals) == 3


def test_one_budget_counts_the_requests_to_both_targets_of_a_run(
    serve_http: Callable[..., str], tmp_path: Path
) -> None:
    first, first_arrivals = _counter(serve_http)
    second, second_arrivals = _counter(serve_http)
    budget = RunBudget(seconds=60, requests=3)
    with (
        probing(first, tmp_path, budget=budget) as one,
        probing(second, tmp_path, budget=budget) as two,
    ):
        one.get("/x")
        two.get("/x")
        one.get("/x")
        with pytest.raises(BudgetSpent):
            two.get("/x")
    assert (len(first_arrivals), len(second_arrivals)) == (2, 1)


def test_a_run_stops_sending_when_its_request_budget_is_spent(
    target_file: Callable[..., Path], tmp_path: Path
) -> None:
    path = target_file()
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["limits"]["max_requests"] = 40
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    reports = tmp_path / "reports"
    started = time.monotonic()
    code = main(["run", "--target", str(path), "--report-dir", str(reports), "--standard", "LINK"])
    run = finished_run(code, time.monotonic() - started, reports)
    assert len(run.evidence) == 40
    assert run.code == EXIT_UNDECIDED
    assert run.verify_code == 0
    spent = "the request budget (40 requests, limits.max_requests) was spent"
    reasons = run.reasons()
    assert any(spent in r for r in reasons.values()), reasons
    assert all(r.startswith(("pass", "error", "not-")) for r in reasons.values()), reasons
