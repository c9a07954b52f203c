"""Fixtures of the FAIR checks: the published rules and the item catalogue, once per run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from conformance import (
    ALICE,
    Finding,
    Harness,
    Mismatch,
    Probe,
    not_applicable,
    prerequisite_failed,
)
from conformance.fair.client import load_rules, page_through
from conformance.fair.rules import Rules


@pytest.fixture
def rules(probe: Probe, harness: Harness) -> Rules:
    """The platform rules, read once per run (a rules document FAIR cannot read fails)."""
    return harness.memo("fair.rules", lambda: load_rules(probe))


@pytest.fixture
def items(probe: Probe, harness: Harness) -> list[Mapping[str, Any]]:
    """Every item, as first_party sees them for alice (paged, limit 10).

    A listing that cannot be paged is FAIR-010's own failure: its check fails on it,
    every other check ends skipped for want of the items.
    """

    def make() -> list[Mapping[str, Any]]:
        paging = page_through(probe, ALICE, limit=10)
        if paging.problem:
            raise Finding(
                "the item listing cannot be read",
                mismatches=[Mismatch("pages", "pages that end", paging.problem)],
            )
        return paging.items

    try:
        found = harness.memo("fair.items", make)
    except Finding as exc:
        prerequisite_failed("FAIR-010", exc.message)
    if not found:
        not_applicable("the platform lists no items")
    return found
