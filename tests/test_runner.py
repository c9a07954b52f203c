"""``runner.run`` works without the plugin's entry point, and says what to do when it cannot run."""

from __future__ import annotations

import pytest

from conformance._harness.errors import ConformanceError
from conformance._harness.options import Options
from conformance._harness.results import Outcome
from conformance._harness.runner import run
from conformance._harness.target import Target


def test_a_run_needs_no_entry_point(
    reference_target_: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What an uninstalled checkout sees: pytest finds no `pytest11` entry point.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = run(reference_target_, options=Options(requirements=("C-001",)))
    assert [(r.info.id, r.outcome) for r in result.requirements] == [("C-001", Outcome.PASS)]


def test_an_installed_plugin_is_loaded_once(reference_target_: Target) -> None:
    result = run(reference_target_, options=Options(requirements=("C-001",)))
    assert [(r.info.id, r.outcome) for r in result.requirements] == [("C-001", Outcome.PASS)]


def test_a_run_that_did_not_happen_says_why_and_what_to_do(reference_target_: Target) -> None:
    with pytest.raises(ConformanceError) as raised:
        run(
            reference_target_,
            options=Options(requirements=("C-001",)),
            extra_args=("--no-such-option",),
        )
    message = str(raised.value)
    assert "the checks did not run: pytest refused its arguments (pytest exit code 4)" in message
    assert "rerun with `conformance run --verbose`" in message
