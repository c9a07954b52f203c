"""LINK-005: the decision for a URL is the same whoever asks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance import (
    ALICE,
    ALICE_COMPETITOR,
    ALICE_THIRD_PARTY,
    Examples,
    Finding,
    LogicalRequest,
    Mismatch,
    Probe,
    Target,
    Variant,
    diff,
    differential,
)
from conformance.link.agents import GENERIC_BROWSER
from conformance.link.client import CONTEXTS, RESOLVE_PATH, decision_fields
from conformance.link.hosts import LinkDomains
from conformance.link.policy import Policy
from conformance.link.urls import LinkSample, link_samples, urls_on


def variants(target: Target) -> list[Variant]:
    """Each client as alice, and first_party presenting other User-Agents."""
    competitor_agent = target.clients.get("competitor", {}).get("User-Agent", "RivalApp/1.0")
    first_agent = target.clients.get("first_party", {}).get("User-Agent", GENERIC_BROWSER)
    return [
        Variant("first_party", role=ALICE),
        Variant("third_party", role=ALICE_THIRD_PARTY),
        Variant("competitor", role=ALICE_COMPETITOR),
        Variant(
            "first_party with the competitor's User-Agent",
            role=ALICE,
            headers={"User-Agent": competitor_agent},
        ),
        Variant(
            "first_party with a browser's User-Agent",
            role=ALICE,
            headers={"User-Agent": GENERIC_BROWSER},
        ),
        Variant(
            "competitor with first_party's User-Agent",
            role=ALICE_COMPETITOR,
            headers={"User-Agent": first_agent},
        ),
    ]


@pytest.mark.requirement("LINK-005")
def test_decision_does_not_depend_on_the_client_or_user_agent(
    probe: Probe, domains: LinkDomains, policy: Policy, examples: Examples
) -> None:
    """The same resolve request as every client and User-Agent: the same decision.

    Only what LINK defines is compared (action, reason code, open_url, and
    the status); members a platform adds, such as a request id or the time
    of the decision, may differ (COMMON C5).
    """
    hosts = (
        domains.own
        + domains.competitor
        + domains.neutral
        + tuple(entry.domain for entry in policy.listed)
    )
    senders = variants(probe.target)

    @examples.given(link_samples())
    def same(sample: LinkSample) -> None:
        base = senders[0].name
        # each fact (field, what the first sender got, what another got) → the URLs it holds on
        urls: dict[tuple[str, str, str], list[str]] = {}
        found: list[Mismatch] = []
        evidence: list[str] = []
        for i, url in enumerate(urls_on(sample, hosts)):
            request = LogicalRequest(
                "POST", RESOLVE_PATH, json_body={"url": url, "context": CONTEXTS[i % len(CONTEXTS)]}
            )
            outcome = differential(probe, request, senders, round_index=i)
            seen = {name: decision_fields(r) for name, r in outcome.responses.items()}
            differences = [
                d for v in senders[1:] for d in diff(seen[base], seen[v.name], base, v.name)
            ]
            for d in differences:
                held = urls.setdefault(_fact(d), [])
                if url not in held:
                    held.append(url)
            found += differences
            if differences:
                evidence += [r.exchange for r in outcome.responses.values()]
        if found:
            raise Finding(
                "the decision for a link depends on who asks",
                mismatches=[replace(d, path=_on(d.path, urls[_fact(d)])) for d in found],
                evidence=evidence,
            )

    same()


def _fact(row: Mismatch) -> tuple[str, str, str]:
    return (row.path, repr(row.expected), repr(row.received))


def _on(path: str, urls: list[str]) -> str:
    """The field, and the URLs a fact holds on (one row for all of them)."""
    where = path.removeprefix("$.")
    if len(urls) == 1:
        return f"{where} on {urls[0]}"
    return f"{where} on {len(urls)} URLs, such as {urls[0]}"
