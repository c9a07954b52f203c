"""FAIR-004: latency parity, decided from interleaved bounded samples (see conformance.fair.latency).

The sample is planned within the quota the platform publishes: rounds
alternate between two users (so each credential sends one request every
other round), and before a round the suite waits, if it must, until every
credential of the round has room in its window (``conformance.fair.pacing``).
Waits fall between rounds; a latency is the time from sending a request to
its response headers, never a wait.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import pytest

from conformance import (
    ConformanceError,
    Finding,
    Harness,
    LogicalRequest,
    Mismatch,
    Probe,
    Role,
    human_duration,
)
from conformance.fair.client import ITEMS_PATH, QUOTES_PATH
from conformance.fair.latency import Decision, Policy, Verdict, measure
from conformance.fair.pacing import QuotaPlan
from conformance.fair.rules import CLASSES, Rules

POLICY = Policy()
USERS = ("alice", "bob")
TIME_RESERVE = 15.0  # seconds of the check's time kept for the verdict
REQUEST_SECONDS = 0.05  # a conservative time per request, for planning only


class TooNoisy(ConformanceError):
    """The latency sample could not decide FAIR-004 within its bound."""


def planned_policy(probe: Probe, plan: QuotaPlan, operations: int) -> Policy:
    """The looks that fit the check's time at the pace the published quotas allow.

    Each round sends one request per client; a credential sends one request
    every ``len(USERS)`` rounds, so rounds go at most ``rate × len(USERS)``
    per second, ``rate`` being the slowest credential's share of its quota,
    and no faster than the target's pace allows.
    """
    rates = [plan.rate(Role(c, u)) for c in CLASSES for u in USERS]
    bounded = [r for r in rates if r is not None]
    per_round = len(CLASSES) * REQUEST_SECONDS
    rps = probe.target.limits.requests_per_second
    if rps > 0:
        per_round = max(per_round, len(CLASSES) / rps)
    if bounded:
        per_round = max(per_round, 1.0 / (min(bounded) * len(USERS)))
    available = probe.remaining() - TIME_RESERVE
    looks = tuple(look for look in POLICY.looks if look * operations * per_round <= available)
    if not looks:
        raise TooNoisy(
            f"the published quota allows about {1 / per_round:.1f} rounds per second; "
            f"{POLICY.looks[0]} rounds for each of {operations} operations do not fit in the "
            f"{max(0.0, available):.0f} s left to the check"
        )
    return dataclasses.replace(POLICY, looks=looks)


@pytest.mark.requirement("FAIR-004")
def test_third_parties_are_served_as_fast_as_first_party(
    probe: Probe, harness: Harness, rules: Rules, items: list[Mapping[str, Any]]
) -> None:
    """Median ≤ 1.5 × and p95 ≤ 2 × first_party's, per operation and client; error if undecided."""
    item = str(items[0].get("id"))
    operations = {
        "listItems": LogicalRequest("GET", ITEMS_PATH, params={"limit": "10"}),
        "getItem": LogicalRequest("GET", f"{ITEMS_PATH}/{quote(item, safe='')}"),
        "createQuote": LogicalRequest(
            "POST", QUOTES_PATH, json_body={"item_id": item, "quantity": 1}
        ),
    }
    plan = QuotaPlan(lambda key: rules.quota(key.client) if isinstance(key, Role) else None)
    policy = planned_policy(probe, plan, len(operations))
    undecided: list[str] = []
    decided: list[str] = []
    for name, request in operations.items():
        sample, before_round = _sampler(probe, plan, name, request)
        decision = measure(sample, list(CLASSES), policy, before_round)
        if decision.verdict is Verdict.FAIL:
            raise Finding(
                f"{name}: third parties are served slower than first_party allows "
                f"({decision.samples} requests per client, interleaved)",
                mismatches=_failing(name, decision),
            )
        if decision.verdict is Verdict.UNDECIDED:
            undecided += [f"{name}: {c.describe()}" for c in decision.undecided()]
        else:
            decided.append(f"{name} {_ratios(decision)} ({decision.samples} per client)")
    if undecided:
        raise TooNoisy(
            f"the latency sample is too noisy to decide after {policy.max_samples} "
            "requests per client and operation: " + "; ".join(undecided)
        )
    waited = f"; {plan.waited:.0f} s waited between rounds for the quota" if plan.waited else ""
    harness.verified(
        "median ≤ 1.5 × and p95 ≤ 2 × first_party's for third_party and competitor, "
        f"interleaved, users {' and '.join(USERS)}: " + "; ".join(decided) + waited
    )


def _ratios(decision: Decision) -> str:
    parts = []
    for c in decision.comparisons:
        ratio = c.value / c.baseline if c.baseline > 0 else math.inf
        parts.append(f"{c.identity} {c.quantile.name} {ratio:.2f}×")
    return ", ".join(parts)


def _failing(name: str, decision: Decision) -> list[Mismatch]:
    return [
        Mismatch(
            f"{name} {c.quantile.name}",
            f"≤ {human_duration(c.limit_for_fail)}",
            f"{human_duration(c.value)} (lower bound {human_duration(c.lower_for_fail)})",
            f"{c.quantile.bound} × first_party's upper bound "
            f"({human_duration(c.baseline)} sampled) + {human_duration(POLICY.resolution)}",
            c.identity,
        )
        for c in decision.failing()
    ]


def _sampler(
    probe: Probe, plan: QuotaPlan, name: str, request: LogicalRequest
) -> tuple[Callable[[str], float], Callable[[int], None]]:
    """(sample, before_round) for ``measure``: the round picks the user, the plan the pace."""
    current = {"user": USERS[0]}

    def before_round(index: int) -> None:
        current["user"] = USERS[index % len(USERS)]
        plan.before((Role(c, current["user"]) for c in CLASSES), left=probe.remaining() - 1)

    def sample(client: str) -> float:
        role = Role(client, current["user"])
        response = probe.request(
            request.method,
            request.path,
            role=role,
            params=request.params,
            json_body=request.json_body,
            validate=False,
        )
        plan.after(role, response.headers.get("RateLimit"))
        if response.status >= 400:
            raise TooNoisy(
                f"{name} as {role} answered {response.status} "
                f"({response.exchange}); its latency cannot be compared"
            )
        return response.elapsed

    return sample, before_round
