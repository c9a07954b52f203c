"""A failing generated case is shrunk, and the run's seed replays it exactly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from conformance.faults.catalog import load_faults
from conformance.faults.proxy import FaultProxy
from conformance.harness import Options
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target
from conformance.results import Outcome, RequirementResult
from conformance.runner import run


def _port_013_under_normalisation(data_dir: Path, seed: int) -> RequirementResult:
    fault = next(f for f in load_faults() if f.name == "normalise-unicode")
    with ReferencePlatform(data_dir=data_dir) as platform:
        target = reference_target(platform)
        with FaultProxy(target.base_url, fault) as proxy:
            options = Options(requirements=("PORT-013",), seed=seed, examples=5, property_calls=40)
            result = run(dataclasses.replace(target, base_url=proxy.base_url), options=options)
    (requirement,) = [r for r in result.requirements if r.info.id == "PORT-013"]
    return requirement


def test_failing_case_is_shrunk_and_replayed_by_its_seed(tmp_path: Path) -> None:
    first = _port_013_under_normalisation(tmp_path / "first", seed=7)
    again = _port_013_under_normalisation(tmp_path / "again", seed=7)
    assert first.outcome is Outcome.FAIL
    assert "1 difference(s)" in first.reason, "the case was not shrunk to a single difference"
    assert "Failing test case" in first.reason
    assert first.reason == again.reason
    assert {c.seed for c in first.checks} == {7}
