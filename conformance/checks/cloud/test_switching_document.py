"""CLOUD-001, 002, 005: what the switching document promises, charges and lists."""

from __future__ import annotations

import pytest

from conformance import Finding, Harness, Mismatch, Probe
from conformance.cloud.media_types import rejections
from conformance.cloud.switching import (
    CHARGE_FREE_FROM,
    charge_mismatches,
    charges_must_be_zero,
    duration_mismatches,
    suite_now,
)

from .switching_api import fetch_document, switching_document


@pytest.mark.requirement("CLOUD-001")
def test_switching_document_validates_and_promises_the_drafts_durations(
    probe: Probe, harness: Harness
) -> None:
    """The document exists, validates, and promises ≤ 30 days to switch and ≥ 30 to retrieve."""
    document = fetch_document(probe, harness, validate=True)
    mismatches = duration_mismatches(document.body)
    if mismatches:
        raise Finding(
            "the switching document promises less than the Data Act's durations",
            operation="getSwitchingDocument",
            mismatches=mismatches,
            evidence=[document.exchange],
        )
    body = document.body
    harness.verified(
        f"the switching document validates; switching within {body['max_switch_days']} "
        f"day(s) (at most 30), data retrievable {body['retrieval_days']} day(s) after "
        "(at least 30)",
        evidence=[document.exchange],
    )


@pytest.mark.requirement("CLOUD-002")
def test_switching_charge_is_declared_and_zero_from_the_cut_over(
    probe: Probe, harness: Harness
) -> None:
    """Zero from 2027-01-12 by the suite's clock (``--as-of``); before that, declared."""
    document = switching_document(probe, harness)
    now = suite_now(harness.options.as_of)
    mismatches = charge_mismatches(document.body, now)
    if mismatches:
        raise Finding(
            "the switching charge is not what the Data Act allows",
            operation="getSwitchingDocument",
            mismatches=mismatches,
            evidence=[document.exchange],
        )
    charge = document.body.get("switching_charge_per_gb")
    as_of = "" if harness.options.as_of is None else " (--as-of)"
    if charges_must_be_zero(now):
        summary = f"switching_charge_per_gb is {charge!r}: zero, as from {CHARGE_FREE_FROM}"
    else:
        summary = (
            f"switching_charge_per_gb is declared: {charge!r} {document.body.get('currency', '')}"
            f" per GB, before {CHARGE_FREE_FROM}"
        ).replace("  ", " ")
    harness.verified(
        f"{summary}; judged as of {now.date().isoformat()}{as_of}", evidence=[document.exchange]
    )


@pytest.mark.requirement("CLOUD-005")
def test_every_export_format_is_registered_and_publicly_specified(
    probe: Probe, harness: Harness
) -> None:
    """Each media type of ``export_formats`` is on the suite's allow-list of open formats."""
    document = switching_document(probe, harness)
    formats = document.body.get("export_formats")
    if not isinstance(formats, list):
        raise Finding(
            "the switching document has no list of export formats",
            operation="getSwitchingDocument",
            mismatches=[
                Mismatch(
                    "$.export_formats",
                    "a list of media types",
                    formats if "export_formats" in document.body else "absent",
                    "the formats data leaves in are what CLOUD-005 holds open",
                )
            ],
            evidence=[document.exchange],
        )
    rejected = rejections(formats)
    if rejected:
        raise Finding(
            f"{len(rejected)} of {len(formats)} export format(s) are not open",
            operation="getSwitchingDocument",
            mismatches=[
                Mismatch(
                    f"$.export_formats[{formats.index(r.value) if r.value in formats else '?'}]",
                    "a registered, publicly specified media type",
                    r.value,
                    r.why,
                )
                for r in rejected
            ],
            evidence=[document.exchange],
        )
    harness.verified(
        f"{len(formats)} export format(s), each registered and publicly specified"
        + (": " + ", ".join(str(f) for f in formats) if formats else " (an empty list)"),
        evidence=[document.exchange],
    )
