"""COMMON C4: exactly one outcome per requirement; the worst check decides; causes are named."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance._harness.harness import Options
from conformance._harness.report import junit
from conformance._harness.results import CheckResult, Outcome, RequirementInfo, fold
from conformance._harness.runner import run
from conformance._harness.target import Target
from conformance.faults.catalog import load_faults
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform

INFO = RequirementInfo("PORT-004", "PORT", "1.0", "MUST", "core", "text", "PORT.md")


def _check(outcome: Outcome, reason: str = "") -> CheckResult:
    return CheckResult(
        "PORT-004", f"check-{outcome.value}", outcome, reason, evidence=("ex-000001",)
    )


def test_the_worst_check_decides() -> None:
    order = [
        Outcome.NOT_CLAIMED,
        Outcome.NOT_APPLICABLE,
        Outcome.PASS,
        Outcome.SKIP,
        Outcome.ERROR,
        Outcome.FAIL,
    ]
    for i, worst in enumerate(order):
        checks = [_check(o, o.value) for o in order[: i + 1]]
        assert fold(INFO, checks).outcome is worst


def test_an_optional_check_that_does_not_apply_does_not_hide_a_pass() -> None:
    folded = fold(INFO, [_check(Outcome.PASS), _check(Outcome.NOT_APPLICABLE, "no second target")])
    assert folded.outcome is Outcome.PASS


def test_a_pass_that_cites_no_exchange_is_an_error() -> None:
    uncited = CheckResult("PORT-004", "check-uncited", Outcome.PASS, "looked fine")
    folded = fold(INFO, [uncited, _check(Outcome.PASS, "2 parts verified")])
    assert folded.outcome is Outcome.ERROR
    assert "without citing any exchange" in folded.reason


def test_a_pass_says_what_its_checks_verified() -> None:
    folded = fold(INFO, [_check(Outcome.PASS, "2 parts, 4096 bytes"), _check(Outcome.PASS, "")])
    assert (folded.outcome, folded.reason) == (Outcome.PASS, "2 parts, 4096 bytes")


def test_a_requirement_with_no_check_is_an_error_not_a_pass() -> None:
    folded = fold(INFO, [])
    assert folded.outcome is Outcome.ERROR and "no check" in folded.reason


@pytest.mark.slow
def test_a_failed_prerequisite_is_a_skip_that_names_it(
    reference: ReferencePlatform, reference_target_: Target, tmp_path: Path
) -> None:
    fault = next(f for f in load_faults() if f.name == "export-never-ready")
    with FaultProxy(reference.base_url, fault) as proxy:
        target = dataclasses.replace(reference_target_, base_url=proxy.base_url)
        result = run(
            target,
            options=Options(requirements=("PORT-001", "PORT-002"), report_dir=tmp_path / "r"),
        )
    by_id = {r.info.id: r for r in result.requirements}
    assert by_id["PORT-001"].outcome is Outcome.FAIL
    assert by_id["PORT-002"].outcome is Outcome.SKIP
    assert "prerequisite PORT-001 failed" in by_id["PORT-002"].reason
    tree = junit.build(result)
    cases = list(tree.iter("testcase"))
    assert [c.get("name") for c in cases] == ["PORT-001 [MUST]", "PORT-002 [MUST]"]
    assert cases[0].find("failure") is not None and cases[1].find("skipped") is not None
    (run_dir,) = (tmp_path / "r").iterdir()
    assert len(list(ET.parse(run_dir / "junit.xml").getroot().iter("testcase"))) == 2
