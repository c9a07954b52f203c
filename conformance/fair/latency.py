"""FAIR-004: latency parity decided from interleaved, bounded samples.

The requirement: for each operation, ``third_party``'s and ``competitor``'s
median latency is at most 1.5 × and their 95th percentile at most 2 × those
of ``first_party``. The suite decides it without assuming any distribution:

* each identity's quantile gets one-sided confidence bounds from order
  statistics (the number of samples below a true quantile is binomial), so
  a bound is wrong with probability at most its stated error whatever the
  latency distribution;
* an identity *fails* a quantile when even its lower bound exceeds
  ``bound × first_party's upper bound + resolution``; it *passes* when its
  upper bound is below ``bound × first_party's lower bound + resolution``;
  otherwise the sample cannot decide;
* failing bounds share the family-wise error ``alpha`` (Bonferroni over
  every bound that could fail the requirement, at every look), so a
  platform that meets the requirement fails with probability at most
  ``alpha``; passing bounds use the laxer ``pass_error`` each;
* sampling is interleaved in rounds (every identity once per round, the
  order rotating) and stops at the first look that decides, pass or fail;
  a sample still undecided at the last look is an ``error``, never a
  ``fail``. The tail needs the largest look: with 400 samples the 95th
  percentile's bounds stand on the 6th-largest and the 39th-largest
  observation, so a few stray slow requests decide nothing.

``resolution`` is the smallest difference the suite holds against a
platform: below it, client timers and loopback scheduling dominate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from conformance._harness.units import human_duration


class Verdict(Enum):
    """What a sample says about one comparison, an operation or the requirement."""

    PASS = "pass"
    FAIL = "fail"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Quantile:
    """A quantile the requirement bounds, and the ratio it allows."""

    name: str
    q: float
    bound: float


QUANTILES: tuple[Quantile, ...] = (Quantile("median", 0.5, 1.5), Quantile("p95", 0.95, 2.0))


@dataclass(frozen=True)
class Policy:
    """How much the suite samples and which errors it accepts."""

    alpha: float = 0.01
    """Family-wise chance of failing a platform that meets the requirement."""
    pass_error: float = 0.10
    """Chance that each bound used to declare pass is wrong."""
    resolution: float = 0.005
    """Seconds: differences below this are not held against a platform."""
    looks: tuple[int, ...] = (60, 120, 200, 400)
    """Samples per identity at which the verdict is computed; the last is the cap."""
    operations: int = 3
    """How many operations one decision of the requirement covers."""
    others: int = 2
    """How many identities are held against the baseline."""

    @property
    def max_samples(self) -> int:
        """The most requests the suite sends per identity and operation."""
        return self.looks[-1]

    @property
    def fail_error(self) -> float:
        """The error of each bound that can fail the requirement (Bonferroni).

        Per operation, quantile and look, a fail needs the baseline's upper
        bound and one other identity's lower bound: ``others + 1`` bounds, and
        a fail may be declared at any look.
        """
        return self.alpha / (self.operations * len(QUANTILES) * (self.others + 1) * len(self.looks))


@lru_cache(maxsize=4096)
def _binomial_cdf(n: int, p: float) -> tuple[float, ...]:
    """P(Bin(n, p) ≤ k) for k = 0..n."""
    out, total = [], 0.0
    for k in range(n + 1):
        total += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        out.append(min(total, 1.0))
    return tuple(out)


@lru_cache(maxsize=4096)
def lower_rank(n: int, q: float, error: float) -> int | None:
    """The highest rank l (1-based) with P(X_(l) > quantile q) ≤ error, or None.

    ``X_(l)`` exceeds the true quantile only when fewer than ``l`` samples
    fall below it, and that count is Bin(n, q) for any continuous law.
    """
    cdf = _binomial_cdf(n, q)
    ranks = [r for r in range(1, n + 1) if cdf[r - 1] <= error]
    return max(ranks) if ranks else None


@lru_cache(maxsize=4096)
def upper_rank(n: int, q: float, error: float) -> int | None:
    """The lowest rank u (1-based) with P(X_(u) < quantile q) ≤ error, or None."""
    cdf = _binomial_cdf(n, q)
    ranks = [u for u in range(1, n + 1) if 1.0 - cdf[u - 1] <= error]
    return min(ranks) if ranks else None


def bounds(sample: Sequence[float], q: float, error: float) -> tuple[float, float]:
    """One-sided bounds (each wrong with probability ≤ ``error``) of a quantile.

    Without enough samples a bound is 0 (lower) or infinity (upper).
    """
    ordered = sorted(sample)
    n = len(ordered)
    lo, hi = lower_rank(n, q, error), upper_rank(n, q, error)
    return (
        ordered[lo - 1] if lo is not None else 0.0,
        ordered[hi - 1] if hi is not None else math.inf,
    )


def empirical(sample: Sequence[float], q: float) -> float:
    """The sample quantile (nearest rank), for reports."""
    ordered = sorted(sample)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


@dataclass(frozen=True)
class Comparison:
    """One identity's quantile held against the baseline's."""

    identity: str
    quantile: Quantile
    verdict: Verdict
    value: float
    baseline: float
    limit_for_pass: float
    lower_for_fail: float
    limit_for_fail: float

    def describe(self) -> str:
        """One line a reader can check."""
        return (
            f"{self.identity} {self.quantile.name} {human_duration(self.value)} vs baseline "
            f"{human_duration(self.baseline)} (bound {self.quantile.bound}×): {self.verdict.value}"
        )


@dataclass(frozen=True)
class Decision:
    """The verdict over every comparison of one operation, with its sample size."""

    verdict: Verdict
    samples: int
    comparisons: tuple[Comparison, ...] = field(default=())

    def failing(self) -> list[Comparison]:
        """The comparisons that fail."""
        return [c for c in self.comparisons if c.verdict is Verdict.FAIL]

    def undecided(self) -> list[Comparison]:
        """The comparisons the sample could not decide."""
        return [c for c in self.comparisons if c.verdict is Verdict.UNDECIDED]


def decide(
    samples: Mapping[str, Sequence[float]], baseline: str, policy: Policy, *, final: bool
) -> Decision:
    """Compare every identity with ``baseline``; fail only when ``final``."""
    comparisons = []
    base = samples[baseline]
    for quantile in QUANTILES:
        b_lo_pass, _ = bounds(base, quantile.q, policy.pass_error)
        _, b_hi_fail = bounds(base, quantile.q, policy.fail_error)
        for identity, sample in samples.items():
            if identity == baseline:
                continue
            _, hi_pass = bounds(sample, quantile.q, policy.pass_error)
            lo_fail, _ = bounds(sample, quantile.q, policy.fail_error)
            pass_limit = quantile.bound * b_lo_pass + policy.resolution
            fail_limit = quantile.bound * b_hi_fail + policy.resolution
            if final and lo_fail > fail_limit:
                verdict = Verdict.FAIL
            elif hi_pass <= pass_limit:
                verdict = Verdict.PASS
            else:
                verdict = Verdict.UNDECIDED
            comparisons.append(
                Comparison(
                    identity,
                    quantile,
                    verdict,
                    empirical(sample, quantile.q),
                    empirical(base, quantile.q),
                    pass_limit,
                    lo_fail,
                    fail_limit,
                )
            )
    verdicts = {c.verdict for c in comparisons}
    if Verdict.FAIL in verdicts:
        overall = Verdict.FAIL
    elif verdicts == {Verdict.PASS}:
        overall = Verdict.PASS
    else:
        overall = Verdict.UNDECIDED
    return Decision(overall, len(base), tuple(comparisons))


def rotation(identities: Sequence[str], round_index: int) -> list[str]:
    """The order of one round: each identity goes first equally often."""
    shift = round_index % len(identities)
    return [*identities[shift:], *identities[:shift]]


def measure(
    sample: Callable[[str], float],
    identities: Sequence[str],
    policy: Policy,
    before_round: Callable[[int], None] | None = None,
) -> Decision:
    """Sample interleaved rounds until a look decides, or to the cap.

    ``identities[0]`` is the baseline; ``sample(identity)`` sends one request
    and returns its latency in seconds; ``before_round(i)``, if given, runs
    before round ``i`` (to pace the rounds, never a measured request).
    """
    series: dict[str, list[float]] = {i: [] for i in identities}
    decision = Decision(Verdict.UNDECIDED, 0)
    round_index = 0
    for look in policy.looks:
        while round_index < look:
            if before_round is not None:
                before_round(round_index)
            for identity in rotation(identities, round_index):
                series[identity].append(sample(identity))
            round_index += 1
        decision = decide(series, identities[0], policy, final=True)
        if decision.verdict is not Verdict.UNDECIDED:
            return decision
    return decision
