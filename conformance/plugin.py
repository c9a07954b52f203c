"""The pytest plugin: options, the ``requirement`` marker, claims and outcomes.

Cheap to import and inert unless a target is given (``--target``) or the
runner hands one over. Each check's pytest outcome is mapped to exactly one
COMMON C4 outcome per requirement; reporters read the folded ``RunResult``.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.checking import NOT_APPLICABLE, NOT_CLAIMED, PREREQUISITE
from conformance._harness.errors import (
    ConfigError,
    ConformanceError,
    DeadlineExceeded,
    Finding,
    RefusedDestination,
    ResponseTooLarge,
    TargetUnreachable,
    UsageError,
)
from conformance._harness.examples import Examples
from conformance._harness.harness import Harness, Options
from conformance._harness.options import add_run_options, options_from
from conformance._harness.probe import Probe
from conformance._harness.report import console, write_reports
from conformance._harness.results import UNCITED_PASS, CheckResult, Outcome
from conformance._harness.target import Target, load_target

harness_key = pytest.StashKey[Harness]()
preset_key = pytest.StashKey["Preset"]()
_probe_key = pytest.StashKey[list[Probe]]()


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
    config.addinivalue_line(
        "markers", "requirement(id): the requirement a conformance check decides (e.g. PORT-004)"
    )
    preset = config.stash.get(preset_key, None)
    if preset is not None:
        harness = Harness(preset.target, preset.options, second=preset.second)
        preset.harness = harness
    elif config.getoption("--target", None):
        try:
            target = load_target(config.getoption("--target"))
            second_file = config.getoption("--second-target")
            second = load_target(second_file) if second_file else None
            harness = Harness(target, _options(config), second=second)
        except (ConfigError, UsageError) as exc:
            raise pytest.UsageError(str(exc)) from None
    else:
        options = _options(config)
        if options.standards or options.profiles or options.requirements:
            # Even without a target, a mistyped selection is an error, not a quiet run.
            try:
                Catalogue.load().select(options.standards, options.profiles, options.requirements)
            except UsageError as exc:
                raise pytest.UsageError(str(exc)) from None
        return
    config.stash[harness_key] = harness


def _options(config: pytest.Config) -> Options:
    return options_from(config.option)


def _harness(config: pytest.Config) -> Harness | None:
    return config.stash.get(harness_key, None)


def requirement_ids(item: pytest.Item) -> list[str]:
    """The requirements a collected check names with its marker."""
    return [str(arg) for mark in item.iter_markers("requirement") for arg in mark.args]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    harness = _harness(config)
    if harness is None:
        return
    wanted = {r.id for r in harness.selection}
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        ids = requirement_ids(item)
        (keep if ids and any(i in wanted for i in ids) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        harness = _harness(item.config)
        if harness is not None:
            harness.deselected.update(requirement_ids(item))


def pytest_collection_finish(session: pytest.Session) -> None:
    harness = _harness(session.config)
    if harness is None:
        return
    if not session.config.option.collectonly:
        _check_credentials(session, harness)
    # A requirement whose checks -k or -m deselected was not selected: a skip.
    # One with no check at all stays "no check ran", an error.
    collected = {rid for item in session.items for rid in requirement_ids(item)}
    for info in harness.selection:
        if info.id not in collected and info.id in harness.deselected:
            harness.record(
                CheckResult(
                    info.id,
                    "(none selected)",
                    Outcome.SKIP,
                    "not selected in this run: its checks were deselected (-k or -m)",
                )
            )


def _check_credentials(session: pytest.Session, harness: Harness) -> None:
    """Refused tokens are a configuration error: no check runs, nothing is judged."""
    error = harness.check_credentials()
    if error is None:
        return
    if session.items:
        session.config.hook.pytest_deselected(items=list(session.items))
        session.items.clear()
    if session.config.stash.get(preset_key, None) is None:
        raise pytest.UsageError(str(error))
    # Under `conformance run` the command reports it, once, with its own exit code.


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    harness = _harness(item.config)
    ids = requirement_ids(item)
    if harness is None or not ids:
        return
    harness.begin_check(item.nodeid)
    claims = harness.claims()
    if "C-001" in ids:
        return  # C-001 decides the claims; it always runs
    if claims.unreachable:
        raise TargetUnreachable(claims.problem)
    if not claims.usable:
        pytest.skip(f"{PREREQUISITE}C-001 failed: {claims.problem}")
    infos = [harness.requirement(i) for i in ids]
    if not any(claims.claims(info) for info in infos):
        pytest.skip(NOT_CLAIMED + claims.why_not(infos[0]))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    harness = _harness(item.config)
    ids = requirement_ids(item)
    if harness is None or not ids:
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        outcome, reason = _classify(call, report)
        ledger = harness.ledger(item.nodeid)
        own = [e for p in item.stash.get(_probe_key, []) for e in p.exchanges]
        evidence = list(dict.fromkeys([*own, *ledger.evidence, *_finding_evidence(call)]))
        if outcome is Outcome.PASS:
            if evidence:
                reason = "; ".join(ledger.verified) or _what_was_checked(item, len(evidence))
            else:
                outcome, reason = Outcome.ERROR, UNCITED_PASS
        for rid in ids:
            harness.record(
                CheckResult(
                    rid,
                    item.nodeid,
                    outcome,
                    reason,
                    report.duration,
                    tuple(evidence),
                    harness.seed,
                )
            )
        _relabel(report, outcome, reason, [harness.requirement(i).level for i in ids])
    return report


def _what_was_checked(item: pytest.Item, exchanges: int) -> str:
    """A pass reason for a check that said nothing itself: its docstring, and on what."""
    doc = inspect.getdoc(getattr(item, "obj", None)) or item.name.removeprefix("test_")
    first = doc.strip().splitlines()[0].replace("``", "").replace("_", " ").rstrip(".")
    return f"{first} (checked on {exchanges} exchange(s))"


def _classify(call: pytest.CallInfo[None], report: pytest.TestReport) -> tuple[Outcome, str]:
    if report.passed:
        return Outcome.PASS, ""
    excinfo = call.excinfo
    if excinfo is None:
        return Outcome.ERROR, "the check ended without an outcome"
    exc = excinfo.value
    if report.skipped:
        reason = str(getattr(exc, "msg", exc))
        for prefix, outcome in (
            (NOT_CLAIMED, Outcome.NOT_CLAIMED),
            (NOT_APPLICABLE, Outcome.NOT_APPLICABLE),
        ):
            if reason.startswith(prefix):
                return outcome, reason[len(prefix) :]
        return Outcome.SKIP, reason
    return _classify_exception(exc)


_MAX_NOTES = 6000


def _classify_exception(exc: BaseException) -> tuple[Outcome, str]:
    notes = "".join(f"\n{n}" for n in getattr(exc, "__notes__", []) if "Explanation" not in n)
    if len(notes) > _MAX_NOTES:
        notes = notes[:_MAX_NOTES] + "\n... (cut; the seed in the report replays the whole case)"
    if isinstance(exc, BaseExceptionGroup):
        inner = [_classify_exception(e) for e in exc.exceptions]
        worst = next((o for o in inner if o[0] is Outcome.FAIL), inner[0])
        return worst[0], worst[1] + notes
    if isinstance(exc, Finding):
        return Outcome.FAIL, exc.describe() + notes
    if isinstance(exc, AssertionError):
        return Outcome.FAIL, (str(exc).split("\nassert ")[0] or "assertion failed") + notes
    if isinstance(exc, ConformanceError):
        return Outcome.ERROR, f"{_label(exc)}: {exc}" + notes
    name = type(exc).__name__
    if name == "FlakyFailure" or name == "Flaky":
        return Outcome.ERROR, f"the platform answered inconsistently while replaying a case: {exc}"
    return Outcome.ERROR, f"the check could not complete ({name}: {str(exc)[:300]})" + notes


_LABELS: tuple[tuple[type[ConformanceError], str], ...] = (
    (TargetUnreachable, "target unreachable"),
    (DeadlineExceeded, "time limit reached"),
    (ResponseTooLarge, "response too large"),
    (RefusedDestination, "destination refused"),
    (ConfigError, "configuration"),
)


def _label(exc: ConformanceError) -> str:
    return next((label for kind, label in _LABELS if isinstance(exc, kind)), "could not decide")


def _finding_evidence(call: pytest.CallInfo[None]) -> list[str]:
    exc = call.excinfo.value if call.excinfo else None
    return list(getattr(exc, "evidence", ()) or ())


def _relabel(report: pytest.TestReport, outcome: Outcome, reason: str, levels: list[str]) -> None:
    """Make pytest's own outcome agree with ours (SHOULD failures do not fail the run)."""
    if outcome is Outcome.FAIL and all(level == "SHOULD" for level in levels):
        report.outcome = "skipped"
        report.wasxfail = f"SHOULD not met: {reason.splitlines()[0] if reason else ''}"
    elif outcome is Outcome.ERROR and report.when == "call":
        report.outcome = "failed"
        report.longrepr = f"error (could not decide): {reason}"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    harness = _harness(session.config)
    if harness is None:
        return
    if session.config.option.collectonly:
        harness.close()  # nothing was judged: no verdict, no report
        return
    result = harness.finish()
    if harness.report_dir is not None:
        write_reports(result, harness.report_dir)
    harness.close()
    # pytest's exit code agrees with the headline: a verdict that is not a clean
    # (partial) pass fails the session even if no check failed in pytest's eyes
    # (deselected checks, a requirement no check decided).
    if result.failing() and session.exitstatus in (
        pytest.ExitCode.OK,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    harness = _harness(config)
    if harness is None or harness.result is None:
        return
    for line in console.render(harness.result, harness.report_dir).splitlines():
        terminalreporter.write_line(line)


# -- fixtures for checks ------------------------------------------------------------------


@pytest.fixture(scope="session")
def harness(request: pytest.FixtureRequest) -> Harness:
    """The run's harness; checks fail to set up without ``--target``."""
    found = _harness(request.config)
    if found is None:
        raise pytest.UsageError("conformance checks need a target: pass --target FILE")
    return found


@pytest.fixture
def probe(request: pytest.FixtureRequest, harness: Harness) -> Iterator[Probe]:
    """A probe for this check, with its requirement in force and its time limit."""
    ids = requirement_ids(request.node)
    made = harness.probe(request.node.nodeid, ids[0] if ids else "")
    request.node.stash.setdefault(_probe_key, []).append(made)
    yield made


@pytest.fixture
def second_probe(request: pytest.FixtureRequest, harness: Harness) -> Iterator[Probe]:
    """A probe for the second target; the check is not-applicable without one."""
    if harness.second is None:
        pytest.skip(NOT_APPLICABLE + "no second target configured (--second-target)")
    ids = requirement_ids(request.node)
    made = harness.probe(request.node.nodeid, ids[0] if ids else "", second=True)
    request.node.stash.setdefault(_probe_key, []).append(made)
    yield made


@pytest.fixture
def examples(harness: Harness) -> Examples:
    """Generated inputs, seeded by the run so ``--seed`` replays a failure."""
    options = harness.options
    return Examples(harness.seed, options.examples, options.shrink, options.property_calls)
