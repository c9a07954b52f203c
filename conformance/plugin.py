"""The pytest plugin (entry point ``pytest11: conformance``): options, marker, fixtures.

pytest imports it in every run of this environment, so it costs little:
it declares the run options and the ``requirement`` marker, and the
fixtures checks ask for. When a run is active — ``--target`` given, or a
target handed over by the runner (``Preset``) — ``pytest_configure`` builds
the run's ``Harness`` and registers a ``ConformanceRun``
(``conformance._harness.session``), which does the rest: selection, claims,
one COMMON C4 outcome per check, the verdict and the reports. Only then do
the harness, its validators and its reporters load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from conformance._harness.checking import not_applicable
from conformance._harness.errors import UsageError
from conformance._harness.marks import MARKER, harness_key, probes_key, requirement_ids
from conformance._harness.options import Options, add_run_options, options_from

if TYPE_CHECKING:
    from conformance._harness.examples import Examples
    from conformance._harness.harness import Harness
    from conformance._harness.probe import Probe
    from conformance._harness.target import Target

preset_key: pytest.StashKey[Preset] = pytest.StashKey()


class Preset:
    """Handed to ``pytest.main(plugins=[...])`` by the runner: targets already loaded."""

    def __init__(self, target: Target, second: Target | None, options: Options) -> None:
        self.target = target
        self.second = second
        self.options = options
        self.harness: Harness | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[preset_key] = self


def pytest_addoption(parser: pytest.Parser) -> None:
    add_run_options(parser.getgroup("conformance", "interoperability conformance").addoption)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    preset = config.stash.get(preset_key, None)
    options = options_from(config.option)
    if preset is None and not config.getoption("--target", None):
        if options.standards or options.profiles or options.requirements:
            _check_selection(options)  # a mistyped selection is an error, not a quiet run
        return
    # A run is active: only now load the harness (validators, HTTP, reports).
    from conformance._harness.session import ConformanceRun

    if preset is not None:
        run = ConformanceRun.start(preset.target, preset.second, preset.options, preset=True)
        preset.harness = run.harness
    else:
        run = ConformanceRun.from_files(
            config.getoption("--target"), config.getoption("--second-target"), options
        )
    config.stash[harness_key] = run.harness
    config.pluginmanager.register(run, "conformance-run")


NEEDS_TARGET = (
    "conformance checks need a target: pass --target FILE (a target file; "
    "`conformance init` writes a starter, `conformance check-target FILE` tries it), "
    "or run `conformance run` to check the built-in reference platform"
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Checks collected with no run active: one usage error, not one traceback per check."""
    if config.stash.get(harness_key, None) is not None or config.option.collectonly:
        return
    if any(
        requirement_ids(item) and "harness" in getattr(item, "fixturenames", ()) for item in items
    ):
        raise pytest.UsageError(NEEDS_TARGET)


def _check_selection(options: Options) -> None:
    from conformance._harness.catalogue import Catalogue

    try:
        Catalogue.load().select(options.standards, options.profiles, options.requirements)
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None


# -- fixtures for checks ------------------------------------------------------------------


@pytest.fixture(scope="session")
def harness(request: pytest.FixtureRequest) -> Harness:
    """The run's harness; checks fail to set up without ``--target``."""
    found = request.config.stash.get(harness_key, None)
    if found is None:
        raise pytest.UsageError(NEEDS_TARGET)
    return found


@pytest.fixture
def probe(request: pytest.FixtureRequest, harness: Harness) -> Iterator[Probe]:
    """A probe for this check, with its requirement in force and its time limit."""
    ids = requirement_ids(request.node)
    made = harness.probe(request.node.nodeid, ids[0] if ids else "")
    request.node.stash.setdefault(probes_key, []).append(made)
    yield made


@pytest.fixture
def second_probe(request: pytest.FixtureRequest, harness: Harness) -> Iterator[Probe]:
    """A probe for the second target; the check is not-applicable without one."""
    if harness.second is None:
        not_applicable("no second target configured (--second-target)")
    ids = requirement_ids(request.node)
    made = harness.probe(request.node.nodeid, ids[0] if ids else "", second=True)
    request.node.stash.setdefault(probes_key, []).append(made)
    yield made


@pytest.fixture
def examples(harness: Harness) -> Examples:
    """Generated inputs, seeded by the run so ``--seed`` replays a failure."""
    from conformance._harness.examples import Examples  # Hypothesis: only when a check asks

    options = harness.options
    return Examples(harness.seed, options.examples, options.shrink, options.property_calls)
