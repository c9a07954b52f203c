"""FAIR-003: every class gets its published quota within one window, up to the suite's budget.

Each class is probed with the user reserved for limit probing (``carol``),
one request after another, until its window has admitted the quota the
rules publish for that class (an entry for the class, else ``*``), or until
a 429. Where the quota is more than the suite will send (its budget, what
the target's pace lets it send in one window, or its share of the check's
time), the suite sends what it can and relies on the stated
``RateLimit-Policy`` for the rest, as FAIR-003 says. Editorial choice: what
the suite can send in one window at the pace it reaches counts as its
budget too (a quota of thousands a second is conformant, and no sequential
client fills it); the reason then names that pace.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from conformance import Finding, Harness, Mismatch, Probe, Role, retry_after
from conformance.fair.client import ITEMS_PATH
from conformance.fair.quota import WindowCount, stated_policies
from conformance.fair.rules import CLASSES, Quota, Rules

SUITE_BUDGET = 6000
"""Requests per class the suite sends at most to see a quota honoured."""
UNPUBLISHED_BUDGET = 150
"""Requests per class when no quota is published for it (only Retry-After is held)."""
PROBE_USER = "carol"  # reserved for limit probing (COMMON C2)
TIME_RESERVE = 20.0  # seconds of the check's time kept for the verdict
ALIGN_AFTER = 20  # admitted requests after which the pace is known well enough to plan


@dataclass
class ClassProbe:
    """What probing one class found."""

    client_class: str
    published: Quota | None
    sent: int = 0
    admitted: int = 0
    refused_after: int | None = None
    """Requests the window held when the first 429 came (None: no 429)."""
    window_total: int = 0
    """Requests the window held when probing stopped."""
    stopped: str = ""

    def summary(self) -> str:
        """One clause of the pass reason."""
        quota = (
            f"{self.published.requests}/{self.published.window_seconds} s"
            if self.published
            else "no published quota"
        )
        return f"{self.client_class} ({quota}): {self.stopped}"


@pytest.mark.requirement("FAIR-003")
def test_every_class_gets_its_published_quota(
    probe: Probe, harness: Harness, rules: Rules, items: list[Mapping[str, Any]]
) -> None:
    """Probe each class to its published quota (within the budget); judge every 429."""
    mismatches = _published_order(rules)
    path = f"{ITEMS_PATH}/{quote(str(items[0].get('id')), safe='')}"
    found: dict[str, ClassProbe] = {}
    for i, client_class in enumerate(CLASSES):
        share = max(1.0, (probe.remaining() - TIME_RESERVE) / (len(CLASSES) - i))
        found[client_class], problems = _probe_class(
            probe, path, client_class, rules.quota(client_class), share
        )
        mismatches += problems
    base = found["first_party"]
    for client_class in CLASSES[1:]:
        got = found[client_class].refused_after
        if got is not None and got < base.window_total:
            how = "before its 429" if base.refused_after is not None else "without a 429"
            mismatches.append(
                Mismatch(
                    f"{client_class}/{PROBE_USER} quota",
                    f"at least first_party's: {base.window_total} requests in a window {how}",
                    f"429 after {got} requests in the window",
                )
            )
    if mismatches:
        raise Finding("a client class does not get its published quota", mismatches=mismatches)
    harness.verified("; ".join(p.summary() for p in found.values()))


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


def _cap(probe: Probe, published: Quota | None) -> tuple[int, str]:
    """Requests the suite will send for one class, and what bounds them."""
    if published is None:
        return UNPUBLISHED_BUDGET, "no published quota"
    rps = probe.target.limits.requests_per_second
    in_window = math.floor(rps * published.window_seconds) if rps > 0 else math.inf
    # Room for one window rolling over mid-probe, which restarts the count.
    wanted = 2 * published.requests
    cap = min(wanted, SUITE_BUDGET, in_window)
    if cap < published.requests:
        bound = (
            f"the target's pace ({rps:g} requests/s) in one window"
            if in_window < SUITE_BUDGET
            else f"the suite's budget ({SUITE_BUDGET} requests)"
        )
        return int(cap), bound
    return int(cap), ""


def _probe_class(
    probe: Probe, path: str, client_class: str, published: Quota | None, seconds: float
) -> tuple[ClassProbe, list[Mismatch]]:
    """Send until the window admitted the published quota, a 429, or the budget is spent."""
    role = Role(client_class, PROBE_USER)
    result = ClassProbe(client_class, published)
    cap, bound = _cap(probe, published)
    count = WindowCount()
    out: list[Mismatch] = []
    policy_checked = False
    started = time.monotonic()
    deadline = started + seconds
    aligned = False
    while result.sent < cap:
        if time.monotonic() > deadline:
            bound = f"its share of the check's time ({seconds:.0f} s)"
            break
        response = probe.get(path, role=role, validate=False, wait_on_429=False)
        result.sent += 1
        label = f"GET {path} as {role} ({response.exchange})"
        if response.status == 429:
            result.refused_after = result.window_total = count.total
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
                        f"429 after {count.total} requests in the window"
                        + (f" ({count.before} of them before the probe)" if count.before else ""),
                    )
                )
            # Nothing more is sent with this credential: Retry-After is honoured.
            result.stopped = f"429 after {count.total} requests in the window"
            return result, out
        if response.status != 200:
            raise Finding(
                f"{label}: the probe request was not answered",
                mismatches=[Mismatch("status", "200 (or 429 past the quota)", response.status)],
                evidence=[response.exchange],
            )
        result.admitted += 1
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
                        f"q={published.requests};w={published.window_seconds} "
                        f"(published for {client_class})",
                        response.headers.get("RateLimit-Policy"),
                    )
                )
        count.admitted(response.headers.get("RateLimit"))
        result.window_total = count.total
        if published and not aligned and result.admitted >= ALIGN_AFTER:
            aligned = _align(count, published, result.admitted / (time.monotonic() - started))
        if published and count.total >= published.requests:
            result.stopped = (
                f"the window admitted all {published.requests} requests "
                f"({result.sent} sent by the suite)"
            )
            return result, out
    if published is None:
        result.stopped = f"{result.sent} requests admitted, no 429"
    else:
        stated_note = (
            "; the stated RateLimit-Policy equals it" if policy_checked else ", no policy stated"
        )
        if not bound:  # the quota fits the budget, but not one window at the pace reached
            pace = result.sent / max(time.monotonic() - started, 1e-9)
            bound = f"the pace this machine reached ({pace:.0f} requests/s) in one window"
        result.stopped = (
            f"{count.total} of {published.requests} admitted in the window, no 429; "
            f"bounded by {bound}{stated_note}"
        )
    return result, out


def _align(count: WindowCount, published: Quota, rate: float) -> bool:
    """Wait for a fresh window if the current one ends before the quota can be sent.

    A window that rolls over mid-probe restarts the count; rather than send
    the quota again, the suite waits out the rest of a window it cannot
    finish (at most the time it would need to send the quota anyway).
    Returns True once the plan is made (whether or not it waited).
    """
    if count.last_reset is None:
        return True  # no RateLimit header: nothing to align to
    needed = (published.requests - count.total) / rate if rate > 0 else math.inf
    if count.last_reset < needed * 1.2 + 1 and count.last_reset <= published.window_seconds:
        time.sleep(count.last_reset + 0.2)
    return True
