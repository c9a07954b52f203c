"""DISC-001: the disclosure exists, validates and states every section."""

from __future__ import annotations

import pytest

from conformance import Finding, Mismatch
from conformance.disc.client import WELL_KNOWN, DiscClient
from conformance.disc.disclosure import check_sections


@pytest.mark.requirement("DISC-001")
def test_disclosure_is_published_anonymously_with_every_section(disc: DiscClient) -> None:
    """An anonymous GET answers 200 with a document stating every section, numbers as decimals."""
    response = disc.probe.get(WELL_KNOWN)  # validated against the spec's Disclosure
    if response.status != 200:
        raise Finding(
            f"GET {WELL_KNOWN} does not serve the disclosure",
            mismatches=[Mismatch("status", 200, response.status)],
            evidence=[response.exchange],
        )
    problems = check_sections(response.json())
    if problems:
        raise Finding(
            "the disclosure does not state every section DISC-001 requires",
            mismatches=[
                Mismatch(p.path, "stated as DISC-001 requires", p.problem) for p in problems
            ],
            evidence=[response.exchange],
        )
