"""A failing generated case is shrunk, and the run's seed replays it exactly."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from conformance._harness.harness import Options
from conformance._harness.results import Outcome, RequirementResult
from conformance._harness.runner import run
from conformance.faults.catalog import load_faults
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target


def _port_013_under_normalisation(
    data_dir: Path, seed: int, *, shrink: bool = True
) -> RequirementResult:
    fault = next(f for f in load_faults() if f.name == "normalise-unicode")
    with ReferencePlatform(data_dir=data_dir) as platform:
        target = reference_target(platform)
        with FaultProxy(target.base_url, fault) as proxy:
            options = Options(
                requirements=("PORT-013",),
                seed=seed,
                examples=5,
                property_calls=40,
                shrink=shrink,
            )
            result = run(dataclasses.replace(target, base_url=proxy.base_url), options=options)
    (requirement,) = [r for r in result.requirements if r.info.id == "PORT-013"]
    return requirement


def _differences(result: RequirementResult) -> int:
    found = re.search(r"(\d+) difference\(s\)", result.reason)
    assert found, result.reason
    return int(found.group(1))


@pytest.mark.slow
def test_failing_case_is_shrunk_and_replayed_by_its_seed(tmp_path: Path) -> None:
    # Generated records are checked in batches (one export each, within
    # port.exports_per_day), so shrinking works on a batch: it must leave
    # fewer differences than the unshrunk failure, not necessarily one.
    first = _port_013_under_normalisation(tmp_path / "first", seed=7)
    again = _port_013_under_normalisation(tmp_path / "again", seed=7)
    unshrunk = _port_013_under_normalisation(tmp_path / "unshrunk", seed=7, shrink=False)
    assert first.outcome is Outcome.FAIL and unshrunk.outcome is Outcome.FAIL
    assert _differences(first) < _differences(unshrunk), "the case was not shrunk"
    assert "Failing test case" in first.reason
    assert first.reason == again.reason
    assert {c.seed for c in first.checks} == {7}
