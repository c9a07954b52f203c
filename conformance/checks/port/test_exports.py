"""PORT-001, 002, 003, 007: exports are accepted, become ready, and are well formed."""

from __future__ import annotations

import pytest

from conformance.checking import not_applicable
from conformance.errors import Finding, Mismatch
from conformance.harness import Harness
from conformance.httpdates import retry_after
from conformance.port.client import SUITE_EXPORT_FLOOR, PortClient
from conformance.port.conformity import archive_mismatches
from conformance.port.quota import QuotaProbe, probe_export_quota
from conformance.roles import ALICE, CAROL
from conformance.schemas import ComponentSchemas

from .conftest import Baseline


@pytest.mark.requirement("PORT-001")
def test_export_is_accepted_and_becomes_ready_in_time(port: PortClient) -> None:
    """POST → 202 + Location, then ``ready`` within the declared ceiling."""
    export = port.export(ALICE, download=False)
    port.delete_export(ALICE, export.location)


@pytest.mark.requirement("PORT-002")
def test_every_part_matches_its_declared_size_and_hash(baseline: Baseline) -> None:
    """Each part's bytes have the declared size and SHA-256."""
    export = baseline.export
    if not export.parts:
        raise Finding("the ready export lists no parts")
    mismatches = [m for i, part in enumerate(export.parts) for m in part.mismatches(i)]
    if mismatches:
        raise Finding(
            "export parts differ from their declarations",
            mismatches=mismatches,
            evidence=[p.exchange for p in export.parts],
        )


@pytest.mark.requirement("PORT-003")
def test_archive_lines_validate_and_manifest_counts_match(
    baseline: Baseline, harness: Harness
) -> None:
    """Manifest first with exact counts; every record of a defined type, valid, unique, well referenced."""
    export = baseline.export
    archive = export.archive
    assert archive is not None
    mismatches: list[Mismatch] = [
        Mismatch(f"line {e.line_number}", "a JSON object on one line", e.detail)
        for e in export.format_errors
    ]
    schemas = ComponentSchemas(harness.catalogue)
    mismatches += archive_mismatches(archive, schemas, harness.target.user_id("alice"))
    if mismatches:
        raise Finding(
            "the archive does not follow port/1.0",
            mismatches=mismatches,
            evidence=[p.exchange for p in export.parts],
        )


def quota_probe(port: PortClient, harness: Harness) -> QuotaProbe:
    """The quota probe, shared by PORT-007 and C-003 (run once per run)."""
    return harness.memo("port.quota", lambda: probe_export_quota(port, CAROL, SUITE_EXPORT_FLOOR))


@pytest.mark.requirement("PORT-007")
def test_exports_are_free_and_not_throttled_below_the_quota(
    port: PortClient, harness: Harness
) -> None:
    """No 402 ever; a 429 only once the listing holds the declared quota."""
    declared = port.claims.limits().get("port.exports_per_day")
    if isinstance(declared, int) and declared < SUITE_EXPORT_FLOOR:
        raise Finding(
            f"port.exports_per_day is {declared}; the standard's floor is {SUITE_EXPORT_FLOOR}"
        )
    result = quota_probe(port, harness)
    quota = declared if isinstance(declared, int) else SUITE_EXPORT_FLOOR
    for attempt in result.attempts:
        status = attempt.response.status
        if status == 402:
            raise Finding(
                "an export was refused with 402: exports must be free",
                evidence=[attempt.response.exchange],
            )
        if status != 202 and attempt.listed_before < quota:
            raise Finding(
                f"an export was refused with {status} while only {attempt.listed_before} "
                f"exports were listed for the last 24 h (quota {quota})",
                evidence=[attempt.response.exchange],
            )


@pytest.mark.requirement("C-003")
def test_quota_refusal_carries_retry_after(port: PortClient, harness: Harness) -> None:
    """The 429 that ends the quota probe carries Retry-After."""
    result = quota_probe(port, harness)
    refusals = [a for a in result.refusals if a.response.status == 429]
    if not refusals:
        not_applicable(
            f"no 429 was provoked within {len(result.attempts)} exports "
            f"(declared port.exports_per_day: {result.declared!r})"
        )
    for attempt in refusals:
        if not retry_after(attempt.response.headers.get("Retry-After")):
            raise Finding(
                "a 429 came without a valid Retry-After header",
                mismatches=[
                    Mismatch(
                        "Retry-After",
                        "seconds or an HTTP-date",
                        attempt.response.headers.get("Retry-After"),
                    )
                ],
                evidence=[attempt.response.exchange],
            )
