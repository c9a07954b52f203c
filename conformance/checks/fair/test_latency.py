"""FAIR-004: latency parity, decided from interleaved bounded samples (see conformance.fair.latency)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import pytest

from conformance.compare import LogicalRequest
from conformance.errors import ConformanceError, Finding, Mismatch
from conformance.fair.client import ITEMS_PATH, QUOTES_PATH, roles
from conformance.fair.latency import Policy, Verdict, measure
from conformance.probe import Probe
from conformance.target import Role

POLICY = Policy()


class TooNoisy(ConformanceError):
    """The latency sample could not decide FAIR-004 within its bound."""


@pytest.mark.requirement("FAIR-004")
def test_third_parties_are_served_as_fast_as_first_party(
    probe: Probe, items: list[Mapping[str, Any]]
) -> None:
    """Median ≤ 1.5 × and p95 ≤ 2 × first_party's, per operation, or fail; error if undecided."""
    item = quote(str(items[0].get("id")), safe="")
    operations = {
        "listItems": LogicalRequest("GET", ITEMS_PATH, params={"limit": "10"}),
        "getItem": LogicalRequest("GET", f"{ITEMS_PATH}/{item}"),
        "createQuote": LogicalRequest(
            "POST", QUOTES_PATH, json_body={"item_id": str(items[0].get("id")), "quantity": 1}
        ),
    }
    by_client = {r.client: r for r in roles("alice")}
    undecided: list[str] = []
    for name, request in operations.items():
        decision = measure(_sampler(probe, name, request, by_client), list(by_client), POLICY)
        if decision.verdict is Verdict.FAIL:
            raise Finding(
                f"{name}: third parties are served slower than first_party allows "
                f"({decision.samples} requests per client, interleaved)",
                mismatches=[
                    Mismatch(
                        f"{name} {c.identity} {c.quantile.name}",
                        f"≤ {c.limit_for_fail * 1000:.1f} ms (bound × first_party's "
                        "upper bound + resolution)",
                        f"lower bound {c.lower_for_fail * 1000:.1f} ms; "
                        f"sample {c.value * 1000:.1f} ms vs {c.baseline * 1000:.1f} ms",
                    )
                    for c in decision.failing()
                ],
            )
        if decision.verdict is Verdict.UNDECIDED:
            undecided += [f"{name}: {c.describe()}" for c in decision.undecided()]
    if undecided:
        raise TooNoisy(
            f"the latency sample is too noisy to decide after {POLICY.max_samples} "
            "requests per client and operation: " + "; ".join(undecided)
        )


def _sampler(
    probe: Probe, name: str, request: LogicalRequest, by_client: Mapping[str, Role]
) -> Callable[[str], float]:
    """Send ``request`` as one client; its latency (time to response headers) in seconds."""

    def sample(client: str) -> float:
        response = probe.request(
            request.method,
            request.path,
            role=by_client[client],
            params=request.params,
            json_body=request.json_body,
            validate=False,
            wait_on_429=False,
        )
        if response.status >= 400:
            raise TooNoisy(
                f"{name} as {client} answered {response.status} "
                f"({response.exchange}); its latency cannot be compared"
            )
        return response.elapsed

    return sample
