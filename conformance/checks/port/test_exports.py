"""PORT-001, 002, 003, 007: exports are accepted, become ready, and are well formed."""

from __future__ import annotations

import pytest

from conformance import (
    ALICE,
    BOB,
    CAROL,
    ComponentSchemas,
    Finding,
    Harness,
    Mismatch,
    Role,
    human_duration,
    not_applicable,
    retry_after,
)
from conformance.port.client import SUITE_EXPORT_FLOOR, PortClient
from conformance.port.conformity import archive_mismatches
from conformance.port.quota import QuotaProbe, probe_export_quota

from .conftest import Baseline


@pytest.mark.requirement("PORT-001")
def test_export_is_accepted_and_becomes_ready_in_time(port: PortClient, harness: Harness) -> None:
    """POST → 202 + Location, then ``ready`` within the declared ceiling."""
    export = port.export(ALICE, download=False)
    port.delete_export(ALICE, export.location)
    harness.verified(
        f"an export of alice: 202 with Location, ready after "
        f"{human_duration(export.seconds_to_ready)} "
        f"(at most {human_duration(port.export_ceiling())} allowed)"
    )


@pytest.mark.requirement("PORT-002")
def test_every_part_matches_its_declared_size_and_hash(
    baseline: Baseline, harness: Harness
) -> None:
    """Each part's bytes have the declared size and SHA-256."""
    export = baseline.export
    if not export.parts:
        raise Finding(
            "the ready export lists no parts",
            mismatches=[Mismatch("$.parts", "at least one part", [])],
        )
    mismatches = [m for i, part in enumerate(export.parts) for m in part.mismatches(i)]
    if mismatches:
        raise Finding(
            "export parts differ from their declarations",
            mismatches=mismatches,
            evidence=[p.exchange for p in export.parts],
        )
    harness.verified(
        f"{len(export.parts)} part(s) of the baseline export, "
        f"{sum(p.size for p in export.parts)} bytes: each has its declared size and SHA-256",
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
    kinds = ", ".join(f"{len(v)} {k}" for k, v in sorted(archive.by_type().items()))
    harness.verified(
        f"the baseline archive: manifest first, counts exact; {len(archive.records)} records "
        f"({kinds}) valid, unique and well referenced",
        evidence=[p.exchange for p in export.parts],
    )


def quota_probe(port: PortClient, harness: Harness) -> QuotaProbe:
    """The quota probe, shared by PORT-007 and C-003 (run once per run)."""
    return harness.memo(
        "port.quota",
        lambda: probe_export_quota(
            port, CAROL, Role("third_party", CAROL.user), BOB, SUITE_EXPORT_FLOOR
        ),
    )


@pytest.mark.requirement("PORT-007")
def test_exports_are_free_and_not_throttled_below_the_quota(
    port: PortClient, harness: Harness
) -> None:
    """No 402 ever; no refusal while fewer than the quota are listed, per account, all clients."""
    declared = port.claims.limits().get("port.exports_per_day")
    if isinstance(declared, int) and declared < SUITE_EXPORT_FLOOR:
        raise Finding(
            "the declared export quota is below the standard's floor",
            mismatches=[
                Mismatch("$.limits['port.exports_per_day']", f"≥ {SUITE_EXPORT_FLOOR}", declared)
            ],
        )
    result = quota_probe(port, harness)
    mismatches: list[Mismatch] = []
    for attempt in result.attempts:
        status = attempt.response.status
        label = f"{attempt.label}, as {attempt.role} ({attempt.response.exchange})"
        if status == 402:
            mismatches.append(Mismatch(label, "never 402: exports are free", 402))
        elif status != 202 and attempt.must_accept:
            mismatches.append(
                Mismatch(
                    label,
                    "202",
                    status,
                    f"refused while {attempt.listed_before} export(s) of the last 24 h were "
                    f"listed for {attempt.role.user} (port.exports_per_day: {result.quota})",
                )
            )
        elif status not in (202, 429):
            mismatches.append(Mismatch(label, "202, or 429 once the quota is listed", status))
    if mismatches:
        raise Finding(
            "exports were refused below the quota PORT-007 guarantees",
            mismatches=mismatches,
            evidence=[a.response.exchange for a in result.attempts],
        )
    accepted = sum(1 for a in result.attempts if a.response.status == 202)
    harness.verified(
        f"{len(result.attempts)} export request(s) for {CAROL.user} (first- and third-party) "
        f"and {BOB.user}: {accepted} accepted, none refused while fewer than "
        f"{result.quota} were listed, never 402" + (f"; {result.note}" if result.note else ""),
        evidence=[a.response.exchange for a in result.attempts],
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
    harness.verified(
        f"{len(refusals)} 429 answer(s) ending the quota probe after {len(result.attempts)} "
        "export request(s) carry a valid Retry-After",
        evidence=[a.response.exchange for a in refusals],
    )
