"""CLOUD-006: a switch-export completes within its promise and stays retrievable long enough."""

from __future__ import annotations

import pytest

from conformance import ALICE, Finding, Harness, Mismatch, Probe, human_duration
from conformance.cloud.exports import (
    Polled,
    eta_mismatches,
    eta_stated,
    observe,
    outcome_mismatches,
    poll,
    retention_mismatches,
)
from conformance.cloud.switching import MAX_SWITCH_DAYS, MIN_RETRIEVAL_DAYS, days

from .switching_api import cloud_spec, switching_document


@pytest.mark.requirement("CLOUD-006")
def test_switch_export_completes_within_its_promise_and_stays_retrievable(
    probe: Probe, harness: Harness
) -> None:
    """POST → 202 + Location; read to ``completed``; every ``eta_days`` ≤ ``max_switch_days``;
    ``retrievable_until`` ≥ first sight of the end + ``retrieval_days``."""
    document = switching_document(probe, harness).body
    declared_max = days(document.get("max_switch_days"))
    max_days, max_from = (
        (declared_max, "max_switch_days")
        if declared_max is not None
        else (float(MAX_SWITCH_DAYS), "the draft's 30 days: max_switch_days is unusable")
    )
    declared_retrieval = days(document.get("retrieval_days"))
    retrieval, retrieval_from = (
        (declared_retrieval, "retrieval_days")
        if declared_retrieval is not None
        else (float(MIN_RETRIEVAL_DAYS), "the draft's 30 days: retrieval_days is unusable")
    )
    created = probe.post(cloud_spec(harness).path_of("createSwitchExport"), role=ALICE)
    location = created.headers.get("Location")
    if created.status != 202 or not location:
        raise Finding(
            "a switch-export was not accepted",
            operation="createSwitchExport",
            mismatches=[
                Mismatch(
                    "status, header Location",
                    "202 with a Location",
                    f"{created.status} with Location {location!r}",
                )
            ],
            evidence=[created.exchange],
        )
    url = probe.url(location, base=created.url)

    def judge_eta(polled: Polled) -> None:
        # An eta past the promise fails at once: no need to wait for the end.
        found = eta_mismatches(polled, max_days, max_from)
        if found:
            raise Finding(
                "a switch-export expects to take longer than the switching document promises",
                operation="getSwitchExport",
                mismatches=found,
                evidence=[created.exchange, *polled.exchanges],
            )

    polled = poll(lambda: observe(probe.get(url, role=ALICE)), probe.remaining, on_each=judge_eta)
    terminal = polled.terminal
    assert terminal is not None  # poll returns at the first terminal read
    mismatches = outcome_mismatches(terminal)
    if not eta_stated(polled):
        mismatches.append(
            Mismatch(
                "$.eta_days",
                f"a number of days, at most {max_days:g} ({max_from})",
                "absent from every read",
                "the export's expected duration is what CLOUD-006 holds to the promise",
            )
        )
    if not mismatches:
        mismatches += retention_mismatches(terminal, retrieval, retrieval_from)
    evidence = [created.exchange, *polled.exchanges]
    if mismatches:
        raise Finding(
            "the switch-export does not keep the switching document's promises",
            operation="getSwitchExport",
            mismatches=mismatches,
            evidence=evidence,
        )
    elapsed = (terminal.seen_at - polled.observations[0].seen_at).total_seconds()
    harness.verified(
        f"a switch-export of alice: 202 with Location, {terminal.status!r} after "
        f"{len(polled.observations)} read(s) ({human_duration(elapsed)} after the first); "
        f"eta_days within {max_days:g} days at every read; retrievable until "
        f"{terminal.body.get('retrievable_until')}, at least {retrieval:g} days after the "
        "suite first saw it end",
        evidence=evidence,
    )
