"""Fixtures of the PORT checks: the client, the export budget, a shared baseline export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from conformance.checking import not_applicable, prerequisite_failed
from conformance.errors import Finding
from conformance.examples import draw
from conformance.harness import Harness
from conformance.port.client import SUITE_EXPORT_FLOOR, Export, ExportBudget, PortClient
from conformance.port.strategies import GeneratedArchive, archives
from conformance.probe import Probe
from conformance.roles import ALICE


@dataclass
class Baseline:
    """A generated archive imported into alice's account, then exported once."""

    generated: GeneratedArchive
    import_job: Any
    export: Export


def export_budget(harness: Harness) -> ExportBudget:
    """One budget per run, from the declared ``port.exports_per_day``."""

    def make() -> ExportBudget:
        declared = harness.claims().limits().get("port.exports_per_day")
        per_day = (
            declared
            if isinstance(declared, int) and declared >= SUITE_EXPORT_FLOOR
            else SUITE_EXPORT_FLOOR
        )
        return ExportBudget(per_day)

    return harness.memo("port.export-budget", make)


@pytest.fixture
def port(probe: Probe, harness: Harness) -> PortClient:
    """PORT operations for this check (COMMON checks here need PORT claimed)."""
    if "PORT" not in harness.claims().profiles:
        not_applicable("the platform does not claim PORT, through which this check probes")
    return PortClient(probe, harness.claims(), export_budget(harness))


@pytest.fixture
def second_port(second_probe: Probe, harness: Harness) -> PortClient:
    """PORT operations against the second target."""
    return PortClient(second_probe, harness.claims(), export_budget(harness))


@pytest.fixture
def baseline(port: PortClient, harness: Harness) -> Iterator[Baseline]:
    """The shared baseline; if it cannot be made, checks that need it are skipped."""

    def make() -> Baseline:
        generated = draw(archives(min_records=40, max_records=120), harness.seed)
        port.put_media(ALICE, generated.media)
        job = port.import_archive(ALICE, generated.body())
        return Baseline(generated, job, port.export(ALICE))

    try:
        made = harness.memo("port.baseline", make)
    except Finding as exc:
        prerequisite_failed("PORT-001", f"the baseline export could not be made: {exc.message}")
    yield made
