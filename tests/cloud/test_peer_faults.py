"""The s3 and oci faults break their requirements in front of the peers too, not only the reference.

tests/test_sensitivity.py holds every named fault to making its requirements
fail in front of the reference platform. A transform that only works on the
reference's own way of writing S3 XML or registry answers would pass there
and miss on another implementation, so each fault with ``front: s3`` runs
here in front of moto's S3 server, and each with ``front: oci`` in front of
the distribution registry: every requirement it names must end ``fail``
(neither ``error`` nor ``pass``), with an actionable reason.

Where moto already fails a requirement without any fault (it is a platform
under test; docs/CLOUD.md gives the evidence), ``fail`` alone would show
nothing about the fault: there the faulted run must also report a difference
(a Documented/Received row) the unfaulted run did not, unless the fault only
does what moto already does (:data:`INVISIBLE_ON_MOTO`, each with why); then
it must still end ``fail``. :data:`MOTO_FAILS_UNFAULTED` names those
requirements, and :func:`test_moto_fails_these_requirements_unfaulted` keeps
the list true, so a moto release that fixes one turns that test red.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from test_sensitivity import SEED, assert_actionable

from conformance._harness.harness import Options
from conformance._harness.results import Outcome, RunResult
from conformance._harness.runner import run
from conformance._harness.target import Target
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.peers import DistributionRegistry, MotoServer
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

FAULTS = load_faults()
S3_FAULTS = [f for f in FAULTS if f.front == "s3"]
OCI_FAULTS = [f for f in FAULTS if f.front == "oci"]

MOTO_FAILS_UNFAULTED: dict[str, str] = {
    "CLOUD-103": "moto 5 never echoes ContinuationToken on a continued ListObjectsV2 page",
    "CLOUD-107": (
        "moto 5 lets bob (another account) read, list and write alice's private bucket, "
        "and answers some anonymous requests 500"
    ),
}
"""Requirements moto fails with no fault in front of it: a fault there must keep them ``fail``."""

INVISIBLE_ON_MOTO: dict[str, str] = {
    "s3-continuation-token-not-echoed": "moto already leaves ContinuationToken out",
    "s3-another-account-reads": (
        "the fault turns a 403 into 200, and moto answers none of these requests 403 "
        "(bob gets 200, anonymous requests 500)"
    ),
}
"""Faults whose change moto already makes unfaulted: they can only keep the requirement ``fail``."""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The reference platform: CLOUD-108's second target when moto is the first."""
    directory = tmp_path_factory.mktemp("reference")
    with ReferencePlatform(data_dir=directory, part_size=4096) as running:
        yield reference_target(running, "reference-b")


@pytest.fixture(scope="module")
def moto_unfaulted(moto: MotoServer, reference: Target) -> RunResult:
    """moto's own answers to the requirements it fails unfaulted (once per module)."""
    options = Options(requirements=tuple(MOTO_FAILS_UNFAULTED), seed=SEED, examples=5, shrink=False)
    return run(moto.target(), second=reference, options=options)


def outcomes(result: RunResult) -> dict[str, tuple[Outcome, str]]:
    """Requirement id → (outcome, reason)."""
    return {r.info.id: (r.outcome, r.reason) for r in result.requirements}


def rows(result: RunResult, rid: str) -> set[tuple[str, str, str]]:
    """The (subject, Documented, Received) rows in the reasons of every check of ``rid``."""
    reasons = [c.reason for r in result.requirements if r.info.id == rid for c in r.checks]
    return {row for reason in reasons for row in rows_of(reason)}


def rows_of(reason: str) -> set[tuple[str, str, str]]:
    """The (subject, Documented, Received) rows of one reason, each line stripped."""
    lines = [line.strip() for line in reason.splitlines()]
    return {
        (lines[i - 1], lines[i], lines[i + 1])
        for i in range(1, len(lines) - 1)
        if lines[i].startswith("Documented:") and lines[i + 1].startswith("Received:")
    }


def run_behind(fault: Fault, target: Target, second: Target | None) -> RunResult:
    """Run the fault's requirements against ``target`` with the fault's proxy in front."""
    with FaultProxy(upstream(target, fault.front), fault) as proxy:
        faulty = dataclasses.replace(
            behind(target, fault.front, proxy.base_url), name=f"{target.name}-{fault.name}"
        )
        options = Options(
            requirements=fault.breaks, seed=SEED, examples=5, shrink=False, as_of=fault.as_of
        )
        return run(faulty, second=second, options=options)


def assert_fails(fault: Fault, seen: dict[str, tuple[Outcome, str]], peer: str) -> None:
    """Every requirement the fault names ends ``fail`` with an actionable reason."""
    wrong = {rid: seen[rid] for rid in fault.breaks if seen[rid][0] is not Outcome.FAIL}
    assert not wrong, (
        f"{fault.name} in front of {peer} must make {list(fault.breaks)} fail; {wrong}"
    )
    for rid in fault.breaks:
        assert_actionable(rid, seen[rid][1])


def test_every_s3_and_oci_fault_is_run_in_front_of_a_peer() -> None:
    assert {f.front for f in FAULTS} >= {"s3", "oci"}
    assert S3_FAULTS and OCI_FAULTS
    cloud = {f.name for f in FAULTS if any(r.startswith("CLOUD-1") for r in f.breaks)}
    assert cloud <= {f.name for f in S3_FAULTS}, "an s3 fault that does not stand in front of s3"
    oci = {f.name for f in FAULTS if any(r.startswith("CLOUD-2") for r in f.breaks)}
    assert oci <= {f.name for f in OCI_FAULTS}, "an oci fault that does not stand in front of oci"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_moto_fails_these_requirements_unfaulted(moto_unfaulted: RunResult) -> None:
    seen = outcomes(moto_unfaulted)
    not_failing = {
        rid: seen[rid] for rid in MOTO_FAILS_UNFAULTED if seen[rid][0] is not Outcome.FAIL
    }
    assert not not_failing, (
        "moto no longer fails these unfaulted: drop them from MOTO_FAILS_UNFAULTED (and from "
        f"docs/CLOUD.md's deviations): {not_failing}"
    )


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("fault", S3_FAULTS, ids=[f.name for f in S3_FAULTS])
def test_s3_fault_fails_its_requirements_in_front_of_moto(
    fault: Fault, moto: MotoServer, reference: Target, moto_unfaulted: RunResult
) -> None:
    result = run_behind(fault, moto.target(), reference)
    assert_fails(fault, outcomes(result), "moto")
    if fault.name in INVISIBLE_ON_MOTO:
        return  # it stays `fail`; what it changes, moto already does (see INVISIBLE_ON_MOTO)
    for rid in set(fault.breaks) & set(MOTO_FAILS_UNFAULTED):
        new = rows(result, rid) - rows(moto_unfaulted, rid)
        assert new, (
            f"{fault.name} in front of moto reports nothing for {rid} beyond what moto fails "
            "unfaulted: the transform did not bite on moto's answers"
        )


def test_the_row_reader_finds_documented_received_rows() -> None:
    reason = (
        "ListObjectsV2: 2 difference(s)\n  Key 'a'  (for max-keys 1)\n"
        "    Documented: listed once\n    Received:   missing\n    Why: ...\n"
        "  page 2: ContinuationToken\n    Documented: c4ca\n    Received:   (none)\n"
        "Replay: conformance run --seed 1 --requirement CLOUD-103"
    )
    assert rows_of(reason) == {
        ("Key 'a'  (for max-keys 1)", "Documented: listed once", "Received:   missing"),
        ("page 2: ContinuationToken", "Documented: c4ca", "Received:   (none)"),
    }
    assert rows_of("expected 1, got 2") == set()


def test_every_fault_exempted_on_moto_is_an_s3_fault_of_a_requirement_moto_fails() -> None:
    by_name = {f.name: f for f in S3_FAULTS}
    for name in INVISIBLE_ON_MOTO:
        assert name in by_name, f"{name} is not an s3 fault"
        assert set(by_name[name].breaks) <= set(MOTO_FAILS_UNFAULTED), name


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fault", OCI_FAULTS, ids=[f.name for f in OCI_FAULTS])
def test_oci_fault_fails_its_requirements_in_front_of_the_registry(
    fault: Fault, registry: DistributionRegistry
) -> None:
    result = run_behind(fault, registry.target(), None)
    assert_fails(fault, outcomes(result), "the distribution registry")
