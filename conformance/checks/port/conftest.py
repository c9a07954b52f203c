"""Fixtures of the PORT checks: the client, the run's export plan, a shared baseline export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from conformance import (
    ALICE,
    ConformanceError,
    Finding,
    Harness,
    Probe,
    Response,
    Role,
    draw,
    not_applicable,
    prerequisite_failed,
)
from conformance.port.client import Export, PortClient, PortRun, declared_exports_per_day
from conformance.port.strategies import GeneratedArchive, archives


@dataclass
class Baseline:
    """A generated archive imported into alice's account, then exported once."""

    generated: GeneratedArchive
    import_job: Any
    export: Export
    anonymous_part: Response | None = None
    """The first part URL fetched without credentials right after the export was ready."""


def port_run(harness: Harness, *, second: bool = False) -> PortRun:
    """One plan of exports per run and target, from the declared ``port.exports_per_day``."""
    key = "port.run.second" if second else "port.run"
    return harness.memo(key, lambda: PortRun(declared_exports_per_day(harness.claims())))


@pytest.fixture(scope="session", autouse=True)
def _delete_the_suites_exports(harness: Harness) -> Iterator[None]:
    """At the end of the run, delete the exports the suite created and still holds."""
    yield
    for second in (False, True):
        if second and harness.second is None:
            continue
        run = port_run(harness, second=second)
        if not any(run.created.values()):
            continue
        target = harness.second if second and harness.second else harness.target
        roles = {user: Role("first_party", user) for user in target.users}
        try:
            run.cleanup(
                harness.probe("port: deleting the suite's exports", "", second=second), roles
            )
        except ConformanceError:
            pass  # nothing is judged here; the exports expire on their own


@pytest.fixture
def port(probe: Probe, harness: Harness) -> PortClient:
    """PORT operations for this check (COMMON checks here need PORT claimed)."""
    if "PORT" not in harness.claims().profiles:
        not_applicable("the platform does not claim PORT, through which this check probes")
    return PortClient(probe, harness.claims(), port_run(harness))


@pytest.fixture
def second_port(second_probe: Probe, harness: Harness) -> PortClient:
    """PORT operations against the second target."""
    return PortClient(second_probe, harness.claims(), port_run(harness, second=True))


@pytest.fixture
def baseline(port: PortClient, harness: Harness) -> Iterator[Baseline]:
    """The shared baseline; if it cannot be made, checks that need it are skipped.

    Its export stays (later checks read its parts) until the end of the run.
    """

    def make() -> Baseline:
        generated = draw(archives(min_records=40, max_records=120), harness.seed)
        port.put_media(ALICE, generated.media)
        job = port.import_archive(ALICE, generated.body())
        export = port.export(ALICE)
        port.run.keep.add(export.location)
        urls = port.part_urls(export)
        anonymous = (
            port.probe.get(urls[0], validate=False, headers={"Range": "bytes=0-0"})
            if urls
            else None
        )
        return Baseline(generated, job, export, anonymous)

    try:
        made = harness.memo("port.baseline", make)
    except Finding as exc:
        prerequisite_failed("PORT-001", f"the baseline export could not be made: {exc.message}")
    yield made
