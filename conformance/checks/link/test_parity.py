"""LINK-001: a competitor's link is treated as the same link on a neutral domain."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import example

from conformance import ALICE, ConformanceError, Examples, Finding, Mismatch
from conformance.link.client import CONTEXTS, Decision, LinkClient
from conformance.link.hosts import LinkDomains
from conformance.link.policy import Policy
from conformance.link.urls import (
    SHOP_SAMPLES,
    LinkSample,
    forms_of,
    host_on,
    link_samples,
    url_on,
)


def pairs(sample: LinkSample, domains: LinkDomains, policy: Policy) -> list[tuple[str, str]]:
    """(competitor URL, neutral URL) with the same scheme, label, path, query and fragment.

    Each competitor domain is taken in every host form; neutral domains the
    policy lists cannot stand for "a domain like any other" and are passed over.
    """
    neutrals = [
        d for d in domains.neutral if policy.covering(host_on(d, sample.label, "ascii")) is None
    ]
    if not neutrals:
        raise ConformanceError(
            f"every neutral domain ({', '.join(domains.neutral)}) is listed by the link policy; "
            "name under domains.neutral at least one domain the platform does not list"
        )
    out: list[tuple[str, str]] = []
    for competitor in domains.competitor:
        for form in forms_of(competitor, sample.label):
            neutral = neutrals[len(out) % len(neutrals)]
            out.append((url_on(sample, competitor, form), url_on(sample, neutral, form)))
    return out


def pair_mismatch(
    competitor: Decision, neutral: Decision, contexts: list[str], policy: Policy
) -> Mismatch:
    """The pair side by side: the neutral URL's decision against the competitor URL's."""
    listing = policy.covering(urlsplit(competitor.url).hostname or "")
    reason = "same path and query, in contexts " + ", ".join(contexts)
    if listing is not None:
        reason += (
            f"; the policy lists {listing.domain} ({listing.action}, {listing.reason}), "
            "which does not excuse treating a competitor's link differently"
        )
    return Mismatch(
        "LINK-001 pair",
        f"neutral {neutral.url} → {neutral.describe(policy)}",
        f"competitor {competitor.url} → {competitor.describe(policy)}",
        reason,
    )


@pytest.mark.requirement("LINK-001")
def test_competitor_links_get_the_same_action_as_neutral_links(
    link: LinkClient, domains: LinkDomains, policy: Policy, examples: Examples
) -> None:
    """Generated paths and queries on competitor and neutral domains, in every context."""

    @examples.given(link_samples())
    @example(SHOP_SAMPLES[0])
    @example(SHOP_SAMPLES[1])
    def parity(sample: LinkSample) -> None:
        mismatches: list[Mismatch] = []
        evidence: list[str] = []
        for competitor_url, neutral_url in pairs(sample, domains, policy):
            grouped: dict[tuple[str, str], tuple[Decision, Decision, list[str]]] = {}
            for context in CONTEXTS:
                theirs = link.resolve(ALICE, competitor_url, context)
                neutral = link.resolve(ALICE, neutral_url, context)
                if theirs.action != neutral.action:
                    key = (theirs.describe(policy), neutral.describe(policy))
                    grouped.setdefault(key, (theirs, neutral, []))[2].append(context)
                    evidence += [theirs.exchange, neutral.exchange]
            mismatches += [pair_mismatch(c, n, ctx, policy) for c, n, ctx in grouped.values()]
        if mismatches:
            raise Finding(
                "a competitor's link gets another action than the same link on a neutral domain",
                mismatches=mismatches,
                evidence=evidence + ([policy.exchange] if policy.exchange else []),
            )

    parity()
