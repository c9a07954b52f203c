"""Fixtures of the LINK checks: the client, the target's domains, the published policy."""

from __future__ import annotations

import pytest

from conformance import Finding, Harness, Probe, prerequisite_failed
from conformance.link.client import LinkClient
from conformance.link.hosts import LinkDomains, link_domains
from conformance.link.policy import Policy


@pytest.fixture
def link(probe: Probe) -> LinkClient:
    """LINK operations for this check."""
    return LinkClient(probe)


@pytest.fixture
def domains(harness: Harness) -> LinkDomains:
    """The target's own, competitor and neutral domains (a missing key ends the check `error`)."""
    return link_domains(harness.target)


@pytest.fixture
def policy(link: LinkClient, harness: Harness) -> Policy:
    """The published policy, read once per run; if it cannot be read, LINK-003 is the cause."""
    try:
        return harness.memo("link.policy", link.policy)
    except Finding as exc:
        prerequisite_failed("LINK-003", f"the link policy could not be read: {exc.message}")
