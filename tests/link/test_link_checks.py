"""The LINK checks end `error` with a clear message when the target names no domains."""

from __future__ import annotations

import dataclasses

from conformance._harness.harness import Options
from conformance._harness.results import Outcome
from conformance._harness.runner import run
from conformance._harness.target import Target


def test_checks_without_domains_end_error_naming_the_key(reference_target_: Target) -> None:
    bare = dataclasses.replace(reference_target_, domains={})
    result = run(bare, options=Options(requirements=("LINK-001", "LINK-004"), seed=1, examples=2))
    seen = {r.info.id: r for r in result.requirements}
    for rid in ("LINK-001", "LINK-004"):
        assert seen[rid].outcome is Outcome.ERROR
        assert "domains.competitor" in seen[rid].reason


def test_share_check_needs_no_domains(reference_target_: Target) -> None:
    bare = dataclasses.replace(reference_target_, domains={})
    result = run(bare, options=Options(requirements=("LINK-007",), seed=1, examples=2))
    assert [r.outcome for r in result.requirements if r.info.id == "LINK-007"] == [Outcome.PASS]
