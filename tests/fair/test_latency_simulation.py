"""FAIR-004's decision on simulated targets: no network, seeded, 1000 runs each.

A simulated target answers every operation with latencies drawn from one
heavy-jittered law (log-normal, σ = 0.25, times 3–10 on 1 % of requests)
for every client; the "slow" target makes third_party's latencies twice as
long. The decision must fail the fair target at most 1 % of the time and
fail the slow one at least 99 % of the time, within its request bound.
"""

from __future__ import annotations

import random
from collections import Counter

from conformance.fair.latency import Policy, Verdict, measure

RUNS = 1000
CLIENTS = ("first_party", "third_party", "competitor")
POLICY = Policy()


def jittered(rng: random.Random, base: float) -> float:
    """One latency: log-normal body with σ = 0.25, and a 3–10× spike on 1 % of requests."""
    latency = base * rng.lognormvariate(0.0, 0.25)
    if rng.random() < 0.01:
        latency *= rng.uniform(3.0, 10.0)
    return latency


def simulate_run(rng: random.Random, slowdown: float) -> tuple[Verdict, int]:
    """One FAIR-004 decision over three operations; its verdict and requests sent."""
    sent = 0
    for base in (0.1, 0.2, 0.3):  # three operations, 100–300 ms typical

        def sample(client: str, base: float = base) -> float:
            nonlocal sent
            sent += 1
            return jittered(rng, base) * (slowdown if client == "third_party" else 1.0)

        decision = measure(sample, CLIENTS, POLICY)
        if decision.verdict is not Verdict.PASS:
            return decision.verdict, sent
    return Verdict.PASS, sent


def rates(slowdown: float, seed: int) -> tuple[Counter[Verdict], int]:
    """Verdict counts over RUNS simulated targets, and the most requests one run sent."""
    rng = random.Random(seed)
    verdicts: Counter[Verdict] = Counter()
    most = 0
    for _ in range(RUNS):
        verdict, sent = simulate_run(rng, slowdown)
        verdicts[verdict] += 1
        most = max(most, sent)
    return verdicts, most


def test_identical_latencies_fail_at_most_one_percent_of_runs() -> None:
    verdicts, most = rates(1.0, seed=20261128)
    assert verdicts[Verdict.FAIL] <= RUNS // 100, verdicts
    assert verdicts[Verdict.PASS] >= 0.9 * RUNS, verdicts  # decided, not just "not failed"
    assert most <= 3 * len(CLIENTS) * POLICY.max_samples


def test_a_twofold_slowdown_of_one_client_is_detected_in_99_percent_of_runs() -> None:
    verdicts, most = rates(2.0, seed=20261129)
    assert verdicts[Verdict.FAIL] >= 0.99 * RUNS, verdicts
    assert most <= 3 * len(CLIENTS) * POLICY.max_samples


def test_the_request_bound_holds_for_any_sampler() -> None:
    calls: Counter[str] = Counter()
    rng = random.Random(1)

    def noisy(client: str) -> float:
        calls[client] += 1
        return rng.random()  # no structure at all: undecided to the end

    measure(noisy, CLIENTS, POLICY)
    assert max(calls.values()) <= POLICY.max_samples
    assert len(set(calls.values())) == 1  # interleaved: every client as often


def test_a_client_exactly_at_the_bound_fails_at_most_one_percent_of_runs() -> None:
    # Median 1.5 × first_party's: the requirement is met, with no room to spare.
    verdicts, _ = rates(1.5, seed=20261130)
    assert verdicts[Verdict.FAIL] <= RUNS // 100, verdicts
