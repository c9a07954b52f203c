"""C-005: deprecated operations announce their sunset, then answer 410 with a successor."""

from __future__ import annotations

import pytest

from conformance import (
    ALICE,
    Finding,
    Harness,
    Mismatch,
    Probe,
    call_and_judge,
    not_applicable,
    ordinary,
    parse_deprecation,
)


@pytest.mark.requirement("C-005")
def test_deprecated_operations_announce_sunset_then_answer_gone(
    probe: Probe, harness: Harness
) -> None:
    """Every deprecation the discovery document lists is announced before sunset, gone after."""
    entries = harness.claims().deprecations()
    if not entries:
        not_applicable("the discovery document lists no deprecations")
    mismatches: list[Mismatch] = []
    made_up = ordinary(harness.seed, "C-005")
    for i, entry in enumerate(entries):
        parsed = parse_deprecation(f"$.deprecations[{i}]", entry, made_up.uuid())
        if isinstance(parsed, Mismatch):
            mismatches.append(parsed)
        else:
            mismatches += call_and_judge(probe, parsed, ALICE)
    if mismatches:
        raise Finding(
            "deprecated operations do not answer as C-005 requires", mismatches=mismatches
        )
