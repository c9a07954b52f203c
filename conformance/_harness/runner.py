"""Run the checks in-process with pytest and return the folded result."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance._harness.errors import ConformanceError
from conformance._harness.harness import Options
from conformance._harness.results import RunResult
from conformance._harness.target import Target
from conformance.plugin import Preset

_INI = Path(__file__).resolve().parent.parent / "checks" / "run.ini"


def run(
    target: Target,
    *,
    options: Options,
    second: Target | None = None,
    quiet: bool = True,
    extra_args: tuple[str, ...] = (),
) -> RunResult:
    """Run every selected check against ``target`` and return the result."""
    preset = Preset(target, second, options)
    args = [
        "-c",
        str(_INI),
        "--rootdir",
        str(_INI.parent),
        "--pyargs",
        "conformance.checks",
        "-p",
        "no:cacheprovider",
        "--tb=no" if quiet else "--tb=short",
        "-q" if quiet else "-v",
        *extra_args,
    ]
    code = pytest.main(args, plugins=[preset])
    harness = preset.harness
    if harness is None or harness.result is None:
        raise ConformanceError(f"the checks did not run (pytest exit code {int(code)})")
    return harness.result
