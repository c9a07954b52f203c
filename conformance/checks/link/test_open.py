"""LINK-002 and LINK-006: legal links open as given; no link becomes something to copy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import example

from conformance import ALICE, Examples, Finding, Mismatch
from conformance.link.client import CONTEXTS, LinkClient
from conformance.link.hosts import LinkDomains
from conformance.link.policy import Policy
from conformance.link.sameness import kept_parts, same_characters
from conformance.link.urls import SHOP_SAMPLES, LinkSample, link_samples, urls_on


def configured(domains: LinkDomains) -> tuple[str, ...]:
    """Every domain the target file names: own, competitor, neutral."""
    return domains.own + domains.competitor + domains.neutral


@pytest.mark.requirement("LINK-002")
def test_legal_links_open_exactly_as_given(
    link: LinkClient, domains: LinkDomains, policy: Policy, examples: Examples
) -> None:
    """Unlisted hosts: action open, open_url equal to the URL character for character."""

    @examples.given(link_samples())
    @example(SHOP_SAMPLES[0])
    def opens(sample: LinkSample) -> None:
        mismatches: list[Mismatch] = []
        evidence: list[str] = []
        for url in urls_on(sample, configured(domains)):
            if policy.covering(urlsplit(url).hostname or "") is not None:
                continue  # not a legal link in the draft's sense; LINK-001/003 judge it
            for context in CONTEXTS:
                decision = link.resolve(ALICE, url, context)
                label = f"{context}: {url}"
                found = (
                    [
                        Mismatch(
                            f"{label} action",
                            "open",
                            decision.describe(policy),
                            "no listed domain covers this host",
                        )
                    ]
                    if decision.action != "open"
                    else same_characters(url, decision.open_url, label)
                )
                if found:
                    mismatches += found
                    evidence.append(decision.exchange)
        if mismatches:
            raise Finding(
                "a legal link does not open directly as given",
                mismatches=mismatches,
                evidence=evidence,
            )

    opens()


@pytest.mark.requirement("LINK-006")
def test_open_url_keeps_scheme_host_path_and_query(
    link: LinkClient, domains: LinkDomains, policy: Policy, examples: Examples
) -> None:
    """For open and warn, the user is taken to the same scheme, host, path and query."""
    hosts = configured(domains) + tuple(entry.domain for entry in policy.listed)

    @examples.given(link_samples())
    def kept(sample: LinkSample) -> None:
        mismatches: list[Mismatch] = []
        evidence: list[str] = []
        for url in urls_on(sample, hosts):
            for context in CONTEXTS:
                decision = link.resolve(ALICE, url, context)
                if decision.action not in ("open", "warn"):
                    continue
                found = kept_parts(url, decision.open_url, f"{context} {decision.action}: {url}")
                if found:
                    mismatches += found
                    evidence.append(decision.exchange)
        if mismatches:
            raise Finding(
                "open_url does not keep the link: the user would have to copy or re-type it",
                mismatches=mismatches,
                evidence=evidence,
            )

    kept()
