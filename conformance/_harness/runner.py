"""Run the checks in-process with pytest and return the folded result."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance._harness.errors import ConformanceError
from conformance._harness.options import Options
from conformance._harness.results import RunResult
from conformance._harness.target import Target
from conformance.plugin import Preset

_INI = Path(__file__).resolve().parent.parent / "checks" / "run.ini"

# The plugin is loaded by name, not found through its ``pytest11`` entry point:
# a checkout that is not installed has no entry point, and neither has a run
# under PYTEST_DISABLE_PLUGIN_AUTOLOAD. Blocking the entry point's name keeps
# an installed copy from registering the same module a second time.
_PLUGIN = ("-p", "no:conformance", "-p", "conformance.plugin")


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
        *_PLUGIN,
        "-p",
        "no:cacheprovider",
        "--tb=no" if quiet else "--tb=short",
        "-q" if quiet else "-v",
        *extra_args,
    ]
    code = pytest.main(args, plugins=[preset])
    harness = preset.harness
    if harness is None or harness.result is None:
        raise ConformanceError(_did_not_run(int(code), quiet=quiet))
    return harness.result


_WHY: dict[int, str] = {
    pytest.ExitCode.USAGE_ERROR: "pytest refused its arguments",
    pytest.ExitCode.INTERRUPTED: "the run was interrupted (a check module failed to import?)",
    pytest.ExitCode.INTERNAL_ERROR: "pytest or the conformance plugin failed internally",
}


def _did_not_run(code: int, *, quiet: bool) -> str:
    """Why no result came back, and what to do about it."""
    why = _WHY.get(code, "the conformance plugin did not judge anything")
    see = (
        "pytest's messages are above"
        if not quiet
        else "rerun with `conformance run --verbose` (runner.run(quiet=False)) for pytest's messages"
    )
    return f"the checks did not run: {why} (pytest exit code {code}); {see}"
