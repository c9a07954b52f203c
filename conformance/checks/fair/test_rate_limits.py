"""FAIR-003: every class gets its published quota within one window, measured without hammering."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import pytest

from conformance.errors import Finding, Mismatch
from conformance.fair.client import ITEMS_PATH
from conformance.fair.quota import WindowCount, stated_policies
from conformance.fair.rules import CLASSES, Quota, Rules
from conformance.httpdates import retry_after
from conformance.probe import Probe
from conformance.target import Role

SUITE_BUDGET = 150  # requests per class at most
MARGIN = 2  # past the published quota, to see the refusal
PROBE_USER = "carol"  # reserved for limit probing (COMMON C2)


@pytest.mark.requirement("FAIR-003")
def test_every_class_gets_its_published_quota(
    probe: Probe, rules: Rules, items: list[Mapping[str, Any]]
) -> None:
    """Probe each class up to its quota (or the budget); stop at the first 429."""
    mismatches = _published_order(rules)
    path = f"{ITEMS_PATH}/{quote(str(items[0].get('id')), safe='')}"
    refused: dict[str, int | None] = {}
    for client_class in CLASSES:
        published = rules.quota(client_class)
        refused[client_class], found = _probe_class(probe, path, client_class, published)
        mismatches += found
    base = refused["first_party"]
    for client_class in CLASSES[1:]:
        got = refused[client_class]
        if got is not None and (base is None or got < base):
            mismatches.append(
                Mismatch(
                    f"{client_class}/{PROBE_USER} quota",
                    f"at least first_party's ({'no 429 within the budget' if base is None else base})",
                    f"429 after {got} requests in the window",
                )
            )
    if mismatches:
        raise Finding("a client class does not get its published quota", mismatches=mismatches)


def _published_order(rules: Rules) -> list[Mismatch]:
    first = rules.quota("first_party")
    out = []
    for client_class in CLASSES[1:]:
        quota = rules.quota(client_class)
        if (
            first
            and quota
            and quota.requests * first.window_seconds < first.requests * quota.window_seconds
        ):
            out.append(
                Mismatch(
                    f"platform-rules quota of {client_class}",
                    f"at least first_party's {first.requests}/{first.window_seconds} s",
                    f"{quota.requests}/{quota.window_seconds} s",
                )
            )
    return out


def _probe_class(
    probe: Probe, path: str, client_class: str, published: Quota | None
) -> tuple[int | None, list[Mismatch]]:
    """Requests admitted in the window before the first 429 (None: none refused)."""
    role = Role(client_class, PROBE_USER)
    cap = min(SUITE_BUDGET, published.requests + MARGIN) if published else SUITE_BUDGET
    count = WindowCount()
    out: list[Mismatch] = []
    policy_checked = False
    for _ in range(cap):
        response = probe.get(path, role=role, validate=False, wait_on_429=False)
        label = f"GET {path} as {role} ({response.exchange})"
        if response.status == 429:
            if not retry_after(response.headers.get("Retry-After")):
                out.append(
                    Mismatch(
                        f"{label} Retry-After",
                        "delay-seconds or an HTTP-date",
                        response.headers.get("Retry-After"),
                    )
                )
            if published and count.total < published.requests:
                out.append(
                    Mismatch(
                        f"{label} status",
                        f"not 429 before {published.requests} requests in "
                        f"{published.window_seconds} s (published for {client_class})",
                        f"429 after {count.total} requests in the window",
                    )
                )
            # Nothing more is sent with this credential: Retry-After is honoured.
            return count.total, out
        if response.status != 200:
            raise Finding(
                f"{label}: the probe request answered {response.status}, not 200",
                evidence=[response.exchange],
            )
        stated = stated_policies(response.headers.get("RateLimit-Policy"))
        if stated and count.quota_stated is None:
            count.quota_stated = stated[0][0]
        if stated and published and not policy_checked:
            policy_checked = True
            if not any(
                q == published.requests and w in (None, published.window_seconds) for q, w in stated
            ):
                out.append(
                    Mismatch(
                        f"{label} RateLimit-Policy",
                        f"q={published.requests};w={published.window_seconds} (published)",
                        response.headers.get("RateLimit-Policy"),
                    )
                )
        count.admitted(response.headers.get("RateLimit"))
    return None, out
