"""The catalogue-wide sensitivity test.

Every requirement of every spec passes on the reference platform under every
named choice set and seeded mix (the space of conformant platforms, see
docs/CHOICES.md), and every named fault makes each requirement it declares
end ``fail`` (not ``error``) on ``default`` and on ``alt``. Together with the
coverage tests below, a check that cannot fail, and a check that depends on
one conformant platform's choices, are caught. That every requirement has a
check is tests/test_checklist.py's (the source scan, proven equal to collection).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.harness import Options
from conformance._harness.results import Outcome, RunResult, Verdict
from conformance._harness.runner import run
from conformance._harness.target import Target
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.reference.choices import ChoiceSet, choice_set
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

CATALOGUE = Catalogue.load()
FAULTS = load_faults()
SEED = 20261128
PASSING_SETS = ("default", "alt", "strict", "seed:1", "seed:2", "seed:3")
FAULT_SETS = ("default", "alt")


@pytest.fixture
def choices(request: pytest.FixtureRequest) -> ChoiceSet:
    """The choice set of this test (parametrised indirectly by name)."""
    return choice_set(getattr(request, "param", "default"))


@pytest.fixture
def platform(tmp_path: Path, choices: ChoiceSet) -> Iterator[Target]:
    """A fresh reference platform taking ``choices``."""
    with ReferencePlatform(data_dir=tmp_path / "first", part_size=4096, choices=choices) as running:
        yield reference_target(running)


@pytest.fixture
def second(tmp_path: Path, choices: ChoiceSet) -> Iterator[Target]:
    """A second, independent reference platform (for cross-target checks)."""
    with ReferencePlatform(
        data_dir=tmp_path / "second", part_size=4096, choices=choices
    ) as running:
        yield reference_target(running, "reference-b")


def outcomes(result: RunResult) -> dict[str, tuple[Outcome, str]]:
    """Requirement id → (outcome, reason)."""
    return {r.info.id: (r.outcome, r.reason) for r in result.requirements}


@pytest.mark.slow
@pytest.mark.timeout(1800)  # strict waits out its quota, export times and a URL's lifetime
@pytest.mark.parametrize("choices", PASSING_SETS, indirect=True)
def test_every_requirement_passes_on_the_reference(platform: Target, second: Target) -> None:
    result = run(platform, second=second, options=Options(seed=SEED, examples=5))
    seen = outcomes(result)
    assert set(seen) == {r.id for r in CATALOGUE}
    not_passing = {rid: o for rid, o in seen.items() if o[0] is not Outcome.PASS}
    assert not not_passing, f"requirements not passing on the reference: {not_passing}"
    assert result.verdict() is Verdict.CONFORMANT, result.headline()
    # Every pass rests on recorded exchanges and says what was verified.
    for requirement in result.requirements:
        for check in requirement.checks:
            assert check.evidence, f"{check.check} passed citing no exchange"
        assert not re.fullmatch(r"\d+ check\(s\) passed", requirement.reason), requirement.info.id
    reasons = {r.info.id: r.reason for r in result.requirements}
    assert re.search(r"\d+ part\(s\) of the baseline export, \d+ bytes", reasons["PORT-002"])
    assert re.search(r"\d+ records \(", reasons["PORT-003"])
    assert re.match(r"\d+ 429 answer\(s\)", reasons["C-003"])


@pytest.mark.slow
@pytest.mark.timeout(1200)  # a signed URL's lifetime is waited out
@pytest.mark.parametrize("choices", FAULT_SETS, indirect=True)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_makes_each_requirement_it_names_fail(
    fault: Fault, platform: Target, second: Target
) -> None:
    with FaultProxy(upstream(platform, fault.front), fault) as proxy:
        faulty = dataclasses.replace(
            behind(platform, fault.front, proxy.base_url), name=f"fault-{fault.name}"
        )
        options = Options(
            requirements=fault.breaks, seed=SEED, examples=5, shrink=False, as_of=fault.as_of
        )
        result = run(faulty, second=second, options=options)
    seen = outcomes(result)
    wrong = {rid: seen[rid] for rid in fault.breaks if seen[rid][0] is not Outcome.FAIL}
    assert not wrong, f"{fault.name} must make {list(fault.breaks)} fail; got {wrong}"
    for rid in fault.breaks:
        assert_actionable(rid, seen[rid][1])


ROW = re.compile(r"^ *Documented: .*\n *Received:   .*$", re.MULTILINE)


def assert_actionable(rid: str, reason: str) -> None:
    """A failing reason a person acts on: what was documented against what was received, and
    a last line that replays it. No fault needs a single-fact message, so none is allowed."""
    *_, last = reason.splitlines() or [""]
    assert last.startswith("Replay: conformance run ") and f" --requirement {rid}" in last, (
        f"{rid}'s reason does not end with its replay line:\n{reason}"
    )
    assert ROW.search(reason), f"{rid}'s reason has no Documented/Received row:\n{reason}"


def test_a_reason_without_a_row_or_a_replay_line_is_not_actionable() -> None:
    row = "headline\n  $.x\n    Documented: 1\n    Received:   2\n"
    assert_actionable("X-1", row + "Replay: conformance run --seed 1 --requirement X-1")
    for bad in (row, "expected 1, got 2\nReplay: conformance run --seed 1 --requirement X-1"):
        with pytest.raises(AssertionError):
            assert_actionable("X-1", bad)


def test_every_requirement_is_named_by_a_fault() -> None:
    named = {rid for fault in FAULTS for rid in fault.breaks}
    unknown = named - {r.id for r in CATALOGUE}
    assert not unknown, f"faults name requirements no spec defines: {sorted(unknown)}"
    missing = {r.id for r in CATALOGUE} - named
    assert not missing, f"requirements no fault can break: {sorted(missing)}"
