"""A standard's checks pass on every option of its choices, those no named set takes included.

The sensitivity test runs the named sets and a few seeded mixes; options that
only a seeded mix may draw (a scheme-relative share URL, a 302, punctuated
ids, padded decimals, semver names, version URLs with a query, money with
four decimals, page tokens that carry the query) are run here: each
standard's choices all at their last declared option, so no option of the
space goes untried.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.harness import Options
from conformance._harness.results import Outcome
from conformance._harness.runner import run
from conformance.reference.choices import (
    ChoiceSet,
    choice_set,
    cloud,
    cloud_s3,
    disc,
    fair,
    link,
)
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

# A standard's choices may be declared in several modules (CLOUD: its S3 surface apart).
STANDARDS: dict[str, tuple[ModuleType, ...]] = {
    "LINK": (link,),
    "DISC": (disc,),
    "FAIR": (fair,),
    "CLOUD": (cloud, cloud_s3),
}


def last_options(modules: tuple[ModuleType, ...]) -> ChoiceSet:
    """``default`` with every choice of the ``modules`` at its last declared option."""
    pairs: list[tuple[Any, Any]] = [(c, c.options[-1]) for m in modules for c in m.CHOICES]
    return choice_set("default").replacing(*pairs)


@pytest.fixture(params=sorted(STANDARDS))
def standard(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def platform(tmp_path: Path, standard: str) -> Iterator[ReferencePlatform]:
    choices = last_options(STANDARDS[standard])
    with ReferencePlatform(data_dir=tmp_path / "p", choices=choices) as running:
        yield running


@pytest.fixture
def second(tmp_path: Path, standard: str) -> Iterator[ReferencePlatform]:
    """A second platform on the same options, for cross-target checks (CLOUD-108)."""
    choices = last_options(STANDARDS[standard])
    with ReferencePlatform(data_dir=tmp_path / "second", choices=choices) as running:
        yield running


@pytest.mark.slow
def test_every_requirement_passes_on_the_last_options(
    platform: ReferencePlatform, second: ReferencePlatform, standard: str
) -> None:
    requirements = tuple(r.id for r in Catalogue.load() if r.id.startswith(standard))
    result = run(
        reference_target(platform),
        options=Options(requirements=requirements, seed=7, examples=3),
        second=reference_target(second, "reference-b"),
    )
    outcomes = {r.info.id: (r.outcome, r.reason) for r in result.requirements}
    failing = {
        rid: o
        for rid, o in outcomes.items()
        if rid.startswith(standard) and o[0] is not Outcome.PASS
    }
    assert not failing, failing
    assert {rid for rid in outcomes if rid.startswith(standard)} == set(requirements)
