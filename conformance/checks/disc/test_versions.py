"""DISC-006: notice, retrievable versions, and quotes naming the version in force."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conformance import Finding, Mismatch, Response, prerequisite_failed
from conformance.disc.client import M1, QUOTED, W1, DiscClient
from conformance.disc.disclosure import Disclosure, DisclosureError
from conformance.disc.formulas import FeeInput, PayInput
from conformance.disc.versions import (
    collect,
    in_force_mismatches,
    notice_mismatches,
    server_clock,
)


def _read(disc: DiscClient) -> tuple[Disclosure, Response]:
    try:
        return disc.disclosure(validate=False)
    except Finding as exc:
        prerequisite_failed("DISC-001", exc.describe())


@pytest.mark.requirement("DISC-006")
def test_every_version_gives_fifteen_days_notice_and_stays_retrievable(disc: DiscClient) -> None:
    """In force, upcoming and every previous version: retrievable, published ≥ 15 days ahead."""
    current, response = _read(disc)
    versions = collect(disc.probe, current, response)
    try:
        mismatches = versions.problems + notice_mismatches(current, versions)
    except DisclosureError as exc:
        mismatches = [*versions.problems, Mismatch(exc.path, "readable", exc.problem)]
    if mismatches:
        raise Finding(
            "the disclosure's versions do not all give 15 days' notice or cannot be retrieved",
            mismatches=mismatches,
            evidence=disc.probe.exchanges,
        )


@pytest.mark.requirement("DISC-006")
def test_quotes_name_the_version_in_force(
    disc: DiscClient, workers: tuple[str, ...], merchants: tuple[str, ...]
) -> None:
    """By the suite's clock (checked against Date), quotes name the version the disclosure serves."""
    current, response = _read(disc)
    now = datetime.now(UTC)
    server_clock(response, now)
    mismatches = in_force_mismatches(current, now)
    try:
        zones = sorted(current.pay_rules().zone_multipliers)
        categories = sorted(current.fee_rules())
    except DisclosureError as exc:
        prerequisite_failed("DISC-001", f"no zone or category to quote: {exc}")
    quotes = [disc.pay_quote(W1, PayInput(1000, 600, zone)) for zone in zones[:1]] + [
        disc.fee_quote(M1, FeeInput(category, "10.00")) for category in categories[:1]
    ]
    for quote in quotes:
        body = quote.json() if quote.status in QUOTED else None
        named = body.get("rules_version") if isinstance(body, dict) else f"<status {quote.status}>"
        if named != current.version:
            mismatches.append(
                Mismatch(
                    f"{quote.method} {quote.url} $.rules_version",
                    current.version,
                    named,
                    "the version in force",
                )
            )
    if mismatches:
        raise Finding(
            "quotes or the disclosure do not agree on the version in force",
            mismatches=mismatches,
            evidence=disc.probe.exchanges,
        )
