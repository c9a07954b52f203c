"""Run the checks in-process with pytest and return the folded result."""

from __future__ import annotations

from collections.abc import Sequence
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
    progress: object | None = None,
    plugins: Sequence[object] = (),
) -> RunResult:
    """Run every selected check against ``target`` and return the result.

    ``quiet``: pytest prints nothing (no dots, no summary; the caller shows the
    result, ``report.console``); otherwise it prints each check (``-v``).
    ``progress`` is a plugin object that shows the run as it goes
    (``report.progress.Progress``); ``plugins`` are more (``launch.ContainerLogs``).
    """
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
        *(("-p", "no:terminal") if quiet else ("--tb=short", "-v")),
        *extra_args,
    ]
    interruption = _Interruption()
    extra = [*([progress] if progress is not None else []), *plugins]
    code = pytest.main(args, plugins=[preset, interruption, *extra])
    harness = preset.harness
    if interruption.happened:
        if harness is None or harness.result is None:
            raise KeyboardInterrupt
        raise RunInterrupted(harness.result)
    if harness is None or harness.result is None:
        raise ConformanceError(_did_not_run(int(code), quiet=quiet))
    return harness.result


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the run; ``result`` holds what it decided, its reports written as far."""

    def __init__(self, result: RunResult) -> None:
        super().__init__("the run was interrupted")
        self.result = result


class _Interruption:
    """Notes a Ctrl-C that pytest caught (it ends the session with its own exit code)."""

    def __init__(self) -> None:
        self.happened = False

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.happened = self.happened or isinstance(excinfo.value, KeyboardInterrupt)


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
