"""Fixtures of the DISC checks: the client, the disclosure in force, the configured users."""

from __future__ import annotations

import pytest

from conformance import Finding, Harness, Probe, prerequisite_failed
from conformance.disc.client import MERCHANTS, WORKERS, DiscClient, require_users
from conformance.disc.disclosure import Disclosure


@pytest.fixture
def disc(probe: Probe) -> DiscClient:
    """DISC operations for this check."""
    return DiscClient(probe)


@pytest.fixture
def published(disc: DiscClient) -> Disclosure:
    """The disclosure in force; the check is skipped (DISC-001) if it cannot be read."""
    try:
        disclosure, _ = disc.disclosure(validate=False)
    except Finding as exc:
        prerequisite_failed("DISC-001", exc.describe())
    return disclosure


@pytest.fixture
def workers(harness: Harness) -> tuple[str, ...]:
    """``w1`` and ``w2``, configured for every client (else the check ends error)."""
    require_users(harness.target, WORKERS)
    return WORKERS


@pytest.fixture
def merchants(harness: Harness) -> tuple[str, ...]:
    """``m1`` and ``m2``, configured for every client (else the check ends error)."""
    require_users(harness.target, MERCHANTS)
    return MERCHANTS
