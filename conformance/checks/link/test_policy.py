"""LINK-003: every warn and block is the published policy's, and the policy is applied."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from hypothesis import example

from conformance import ALICE, Examples, Finding, Mismatch
from conformance.link.client import CONTEXTS, Decision, LinkClient
from conformance.link.hosts import LinkDomains
from conformance.link.policy import Policy
from conformance.link.urls import SHOP_SAMPLES, LinkSample, link_samples, urls_on


def judge(decision: Decision, policy: Policy) -> list[Mismatch]:
    """Where one decision departs from the published policy."""
    label = f"{decision.context}: {decision.url}"
    listing = policy.covering(urlsplit(decision.url).hostname or "")
    got = decision.describe(policy)
    out: list[Mismatch] = []
    if decision.action in ("warn", "block"):
        code = decision.reason_code
        if code is None or code not in policy.reasons:
            out.append(
                Mismatch(
                    f"{label} reason",
                    f"one of the published codes {sorted(policy.reasons)}",
                    decision.reason,
                    "every warn or block carries a published reason",
                )
            )
        if listing is None:
            out.append(Mismatch(f"{label} action", "open (no listed domain covers this host)", got))
        elif (listing.action, listing.reason) != (decision.action, code):
            out.append(
                Mismatch(
                    f"{label} action",
                    f"{listing.action} ({listing.reason}), as {listing.domain} is listed",
                    got,
                )
            )
        if decision.action == "block" and decision.open_url is not None:
            out.append(
                Mismatch(
                    f"{label} open_url", None, decision.open_url, "a block takes nobody anywhere"
                )
            )
    elif listing is not None:
        out.append(
            Mismatch(
                f"{label} action",
                f"{listing.action} ({listing.reason}), as {listing.domain} is listed",
                got,
                "a listed domain gets its listed action",
            )
        )
    return out


@pytest.mark.requirement("LINK-003")
def test_warnings_and_blocks_follow_the_published_policy(
    link: LinkClient, domains: LinkDomains, examples: Examples
) -> None:
    """URLs on configured and listed domains (and their subdomains) against the policy."""
    policy = link.policy()  # read afresh: a policy that does not parse fails here
    if policy.problems:
        raise Finding(
            "the link policy lists domains with unpublished reasons or unusable entries",
            mismatches=policy.problems,
            evidence=[policy.exchange],
        )
    hosts = domains.own + domains.competitor + domains.neutral
    listed = tuple(entry.domain for entry in policy.listed)

    @examples.given(link_samples())
    @example(SHOP_SAMPLES[0])
    def follows(sample: LinkSample) -> None:
        urls = list(
            dict.fromkeys(
                urls_on(sample, hosts + listed) + urls_on(replace(sample, label=None), listed)
            )
        )
        mismatches: list[Mismatch] = []
        evidence: list[str] = []
        for i, url in enumerate(urls):
            decision = link.resolve(ALICE, url, CONTEXTS[i % len(CONTEXTS)])
            found = judge(decision, policy)
            if found:
                mismatches += found
                evidence.append(decision.exchange)
        if mismatches:
            raise Finding(
                "a link is warned about or blocked other than the policy publishes",
                mismatches=mismatches,
                evidence=[*evidence, policy.exchange],
            )

    follows()
