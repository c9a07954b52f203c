"""C-001: the discovery document lists what the platform claims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from conformance import Finding, Harness, Mismatch, Probe
from conformance.common.claims import DISCOVERY_PATH


@pytest.mark.requirement("C-001")
def test_discovery_document_lists_claims(probe: Probe, harness: Harness) -> None:
    """Anonymous GET of the discovery document: valid, and every claim usable."""
    response = probe.get(DISCOVERY_PATH)  # validated against COMMON's schema
    if response.status != 200:
        raise Finding(
            f"GET {DISCOVERY_PATH} does not serve the discovery document",
            mismatches=[Mismatch("status", 200, response.status)],
            evidence=[response.exchange],
        )
    claims = harness.claims()
    if not claims.usable:
        raise Finding(claims.problem, evidence=list(claims.evidence))
    if not claims.profiles:
        raise Finding(
            "the discovery document claims no standard",
            mismatches=[Mismatch("$.standards", "at least one claimed standard", "none")],
            evidence=[response.exchange],
        )
    mismatches = []
    for standard, profiles in claims.profiles.items():
        if standard not in harness.catalogue.specs:
            continue  # a standard the suite does not know is the platform's own business (C5)
        known = set(harness.catalogue.spec(standard).profiles)
        for name in profiles:
            if name not in known:
                mismatches.append(
                    Mismatch(
                        f"$.standards[{standard}].profiles",
                        sorted(known),
                        name,
                        "a profile the standard does not define",
                    )
                )
    mismatches.extend(_limits_out_of_range(harness, claims.limits()))
    if mismatches:
        raise Finding(
            "the discovery document makes claims the standards do not allow",
            mismatches=mismatches,
            evidence=[response.exchange],
        )


def _limits_out_of_range(harness: Harness, limits: Mapping[str, Any]) -> list[Mismatch]:
    out = []
    for spec in harness.catalogue.specs.values():
        for limit in spec.limits:
            if limit.key not in limits:
                continue
            value = limits[limit.key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                out.append(Mismatch(f"$.limits['{limit.key}']", "a number", value))
            elif limit.minimum is not None and value < limit.minimum:
                out.append(
                    Mismatch(
                        f"$.limits['{limit.key}']",
                        f">= {limit.minimum}",
                        value,
                        f"{limit.kind} the standard sets",
                    )
                )
            elif limit.maximum is not None and value > limit.maximum:
                out.append(
                    Mismatch(
                        f"$.limits['{limit.key}']",
                        f"<= {limit.maximum}",
                        value,
                        f"{limit.kind} the standard sets",
                    )
                )
    return out
