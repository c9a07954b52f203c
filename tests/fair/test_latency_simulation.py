"""FAIR-004's decision on simulated targets: no network, seeded, 1000 runs each.

A simulated target answers three operations (100, 200 and 300 ms typical)
with latencies drawn from one law for every client:

- *heavy* jitter: log-normal, σ = 0.25, times 3–10 on 1 % of requests;
- *light* jitter: log-normal, σ = 0.1 (a quiet server, as the faults plant).

Unfair targets slow one client down: ``third_party`` twice as slow (the
median doubles), or ``competitor`` five times as slow on one request in six
(the median untouched, the 95th percentile five times first_party's). The
decision must fail a fair target, or one exactly at the bound, at most 1 %
of the time, and fail the unfair ones as often as the figures in
docs/FAIR.md say, within its request bound.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from conformance.fair.latency import Policy, Verdict, measure

RUNS = 1000
CLIENTS = ("first_party", "third_party", "competitor")
POLICY = Policy()

Law = Callable[[random.Random, float], float]
Slowdown = Callable[[random.Random, str], float]


def heavy(rng: random.Random, base: float) -> float:
    """Log-normal body with σ = 0.25, and a 3–10× spike on 1 % of requests."""
    latency = base * rng.lognormvariate(0.0, 0.25)
    if rng.random() < 0.01:
        latency *= rng.uniform(3.0, 10.0)
    return latency


def light(rng: random.Random, base: float) -> float:
    """Log-normal with σ = 0.1, no spikes."""
    return base * rng.lognormvariate(0.0, 0.1)


def fair(rng: random.Random, client: str) -> float:
    """Every client alike."""
    return 1.0


def third_party_times(factor: float) -> Slowdown:
    """``third_party``'s every latency times ``factor``."""
    return lambda rng, client: factor if client == "third_party" else 1.0


def competitor_tail(rng: random.Random, client: str) -> float:
    """One ``competitor`` request in six, at random, five times as slow."""
    return 5.0 if client == "competitor" and rng.random() < 1 / 6 else 1.0


def simulate_run(rng: random.Random, law: Law, slowdown: Slowdown) -> tuple[Verdict, int]:
    """One FAIR-004 decision over three operations; its verdict and requests sent."""
    sent = 0
    for base in (0.1, 0.2, 0.3):  # three operations, 100–300 ms typical

        def sample(client: str, base: float = base) -> float:
            nonlocal sent
            sent += 1
            return law(rng, base) * slowdown(rng, client)

        decision = measure(sample, CLIENTS, POLICY)
        if decision.verdict is not Verdict.PASS:
            return decision.verdict, sent
    return Verdict.PASS, sent


def rates(law: Law, slowdown: Slowdown, seed: int) -> tuple[Counter[Verdict], int]:
    """Verdict counts over RUNS simulated targets, and the most requests one run sent."""
    rng = random.Random(seed)
    verdicts: Counter[Verdict] = Counter()
    most = 0
    for _ in range(RUNS):
        verdict, sent = simulate_run(rng, law, slowdown)
        verdicts[verdict] += 1
        most = max(most, sent)
    return verdicts, most


def test_identical_latencies_fail_at_most_one_percent_of_runs() -> None:
    verdicts, most = rates(heavy, fair, seed=20261128)
    assert verdicts[Verdict.FAIL] <= RUNS // 100, verdicts
    assert verdicts[Verdict.PASS] >= 0.99 * RUNS, verdicts  # decided, not just "not failed"
    assert most <= 3 * len(CLIENTS) * POLICY.max_samples


def test_a_client_exactly_at_the_bound_fails_at_most_one_percent_of_runs() -> None:
    # Every quantile 1.5 × first_party's: the median bound is met with no room to spare.
    verdicts, _ = rates(heavy, third_party_times(1.5), seed=20261130)
    assert verdicts[Verdict.FAIL] <= RUNS // 100, verdicts


def test_a_twofold_slowdown_of_one_client_is_detected_in_99_percent_of_runs() -> None:
    verdicts, most = rates(heavy, third_party_times(2.0), seed=20261129)
    assert verdicts[Verdict.FAIL] >= 0.99 * RUNS, verdicts
    assert most <= 3 * len(CLIENTS) * POLICY.max_samples


def test_a_slow_tail_is_detected_on_a_quiet_server_and_mostly_on_a_noisy_one() -> None:
    quiet, _ = rates(light, competitor_tail, seed=20261131)
    assert quiet[Verdict.FAIL] >= 0.99 * RUNS, quiet
    # Heavy jitter's own spikes sit in first_party's tail too: detection is partial
    # there (docs/FAIR.md gives the figure), never a false pass of the median.
    noisy, _ = rates(heavy, competitor_tail, seed=20261132)
    assert noisy[Verdict.FAIL] >= 0.6 * RUNS, noisy
    assert noisy[Verdict.PASS] <= 0.02 * RUNS, noisy


def test_the_request_bound_holds_for_any_sampler() -> None:
    calls: Counter[str] = Counter()
    rng = random.Random(1)

    def noisy(client: str) -> float:
        calls[client] += 1
        return rng.random()  # no structure at all: undecided to the end

    measure(noisy, CLIENTS, POLICY)
    assert max(calls.values()) <= POLICY.max_samples
    assert len(set(calls.values())) == 1  # interleaved: every client as often
