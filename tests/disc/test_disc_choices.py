"""DISC's checks pass on every option of DISC's choices, those no named set takes included.

The sensitivity test runs the named sets; options only a seeded mix may draw
(padded decimals, semver names, version URLs with a query) are run here, so no
option of the space goes untried.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.harness import Options
from conformance.reference.choices import ChoiceSet, choice_set, disc
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target
from conformance.results import Outcome
from conformance.runner import run

REQUIREMENTS = tuple(f"DISC-00{n}" for n in range(1, 8))


def last_options(base: str) -> ChoiceSet:
    """``base`` with every DISC choice at its last declared option."""
    pairs: list[tuple[Any, Any]] = [(c, c.options[-1]) for c in disc.CHOICES]
    return choice_set(base).replacing(*pairs)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[ReferencePlatform]:
    with ReferencePlatform(data_dir=tmp_path / "p", choices=last_options("default")) as running:
        yield running


def test_every_disc_requirement_passes_on_the_last_options(platform: ReferencePlatform) -> None:
    result = run(
        reference_target(platform), options=Options(requirements=REQUIREMENTS, seed=7, examples=3)
    )
    outcomes = {r.info.id: (r.outcome, r.reason) for r in result.requirements}
    failing = {
        rid: o for rid, o in outcomes.items() if rid.startswith("DISC") and o[0] is not Outcome.PASS
    }
    assert not failing, failing
