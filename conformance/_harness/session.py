"""The hooks of one conformance run inside a pytest session.

``conformance.plugin`` registers a ``ConformanceRun`` in ``pytest_configure``
only when a run is active (a ``--target``, or a target the runner hands
over), as pytest registers its junitxml reporter: a pytest session without
a target never loads this module, nor the validators and reporters it
brings. The run keeps the checks of the selected requirements, skips those
the claims exclude, maps each check's outcome to one COMMON C4 outcome,
folds them into the verdict and writes the reports.
"""

from __future__ import annotations

import traceback
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from conformance._harness.checking import in_force, not_claimed, prerequisite_failed
from conformance._harness.classify import (
    classify,
    classify_exception,
    finding_evidence,
    relabel,
    what_was_checked,
)
from conformance._harness.errors import (
    ConfigError,
    ConformanceError,
    TargetUnreachable,
    UsageError,
)
from conformance._harness.harness import Harness
from conformance._harness.manifest import seal
from conformance._harness.marks import probes_key, requirement_ids
from conformance._harness.options import Options
from conformance._harness.ordering import shuffled
from conformance._harness.read_only import WriteRefused
from conformance._harness.report import console, write_reports
from conformance._harness.results import UNCITED_PASS, CheckResult, Outcome, RunResult
from conformance._harness.safe_text import console_text
from conformance._harness.secrets import Redactor
from conformance._harness.target import Target, load_target


class ConformanceRun:
    """The plugin object of one run: it owns the run's harness."""

    def __init__(self, harness: Harness, *, preset: bool) -> None:
        self.harness = harness
        # Under the runner (``conformance run``) the command reports a refused
        # token itself, with its own exit code; under plain pytest it is a usage error.
        self.preset = preset
        self.broken = ""
        """An unexpected exception outside any check (a bug): the run ends in an internal error."""

    @classmethod
    def start(
        cls, target: Target, second: Target | None, options: Options, *, preset: bool
    ) -> ConformanceRun:
        """A run against targets already loaded."""
        return cls(Harness(target, options, second=second), preset=preset)

    @classmethod
    def from_files(cls, target: str, second: str | None, options: Options) -> ConformanceRun:
        """A run against the target files given on pytest's command line."""
        try:
            loaded = load_target(target)
            return cls.start(loaded, load_target(second) if second else None, options, preset=False)
        except (ConfigError, UsageError) as exc:
            raise pytest.UsageError(str(exc)) from None

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        wanted = {r.id for r in self.harness.selection}
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            ids = requirement_ids(item)
            (keep if ids and any(i in wanted for i in ids) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        if self.harness.options.shuffle:
            items[:] = shuffled(items, self.harness.seed)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.harness.deselected.update(requirement_ids(item))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        harness = self.harness
        if not session.config.option.collectonly:
            try:
                self._check_credentials(session)
            except (pytest.UsageError, pytest.exit.Exception):  # a usage error, or the end
                raise
            except Exception as exc:  # a bug: judge nothing, end with the reports written
                self.broken = _bug(exc)
                session.config.hook.pytest_deselected(items=list(session.items))
                session.items.clear()
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

    def _check_credentials(self, session: pytest.Session) -> None:
        """Refused tokens are a configuration error: no check runs, nothing is judged."""
        error = self.harness.check_credentials()
        if error is None:
            self._check_reachable(session)
            return
        if session.items:
            session.config.hook.pytest_deselected(items=list(session.items))
            session.items.clear()
        if not self.preset:
            raise pytest.UsageError(str(error))

    def _check_reachable(self, session: pytest.Session) -> None:
        """Under plain pytest, an unreachable target ends the session at its start, in one line.

        Each check would otherwise error at its setup with the same traceback.
        Every check is recorded as ``conformance run`` records it (an error,
        "target unreachable"), so the reports say what that run's would, and
        pytest exits 1 as for any failing headline; the runner (``preset``)
        lets its checks run, as its quiet output shows one line.
        """
        harness = self.harness
        claims = harness.claims()
        if self.preset or not claims.unreachable or not session.items:
            return
        outcome, reason = classify_exception(TargetUnreachable(claims.problem))
        for item in session.items:
            ids = requirement_ids(item)
            cited = claims.evidence if "C-001" in ids else ()
            for rid in ids:
                harness.record(
                    CheckResult(rid, item.nodeid, outcome, reason, 0.0, cited, harness.seed)
                )
        session.items.clear()
        reports = f"; reports: {harness.report_dir}" if harness.report_dir else ""
        pytest.exit(f"{reason} (no check ran{reports})", returncode=pytest.ExitCode.TESTS_FAILED)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        harness = self.harness
        ids = requirement_ids(item)
        in_force(ids)
        if not ids:
            return
        ledger = harness.begin_check(item.nodeid)
        claims = harness.claims()
        if "C-001" in ids and not claims.stated:
            harness.budget.before_check()
            if harness.discovery_failure is not None:  # the first fetch's end, not a second fetch
                ledger.cite(claims.evidence)
                raise harness.discovery_failure
            return  # C-001 decides the claims it reads; it always runs
        if claims.unreachable:
            raise TargetUnreachable(claims.problem)
        if not claims.usable:
            prerequisite_failed("C-001", claims.problem)
        infos = [harness.requirement(i) for i in ids]
        if not any(claims.claims(info) for info in infos):
            not_claimed(claims.why_not(infos[0]))
        harness.budget.before_check()  # a check starting past the run's budget sends nothing

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        self._judge(item, call, report)
        self._torn_down(item, call, report)
        _redact(report, self.harness.redactor)  # what pytest prints (-v) carries no secret
        return report

    def _torn_down(
        self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
    ) -> None:
        """A check's teardown that raised what no check raises (a bug, not a finding nor
        an error of the suite's own kinds) breaks the run: it ends ``INTERNAL ERROR``."""
        if report.when != "teardown" or not report.failed or call.excinfo is None:
            return
        exc = call.excinfo.value
        if isinstance(exc, ConformanceError | AssertionError) or self.broken:
            return  # the check's outcome stands; pytest shows the teardown's error
        self.broken = f"the teardown of {item.nodeid} failed: {_bug(exc)}"

    def _judge(
        self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
    ) -> None:
        ids = requirement_ids(item)
        if not ids or not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        harness = self.harness
        outcome, reason = classify(call, report)
        if call.excinfo is not None and isinstance(call.excinfo.value, WriteRefused):
            harness.writes.update(ids)  # --read-only: not judged, the verdict is partial
        ledger = harness.ledger(item.nodeid)
        own = [e for p in item.stash.get(probes_key, []) for e in p.exchanges]
        evidence = list(dict.fromkeys([*own, *ledger.evidence, *finding_evidence(call)]))
        if outcome is Outcome.PASS:
            if evidence:
                reason = "; ".join(ledger.verified) or what_was_checked(item, len(evidence))
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
        relabel(report, outcome, reason, [harness.requirement(i).level for i in ids])

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        if isinstance(excinfo.value, KeyboardInterrupt):  # Ctrl-C; the reports are still written
            self.harness.notes.append(
                "interrupted (Ctrl-C) before every check ran: a requirement whose checks were "
                "not reached ends error (no check ran); this report is partial"
            )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        harness = self.harness
        if session.config.option.collectonly:
            harness.close()  # nothing was judged: no verdict, no report
            return
        problem = self.broken
        if session.exitstatus == pytest.ExitCode.INTERNAL_ERROR and not problem:
            problem = "pytest stopped with an internal error (its traceback is above)"
        try:
            result = harness.fail_internally(problem) if problem else harness.finish()
        except Exception as exc:  # a bug: the run still ends with its reports, saying so
            result = harness.fail_internally(_bug(exc))
        if harness.report_dir is not None:
            self._write(result, harness.report_dir)
        harness.close()
        # pytest's exit code agrees with the headline: a verdict that is not a clean
        # (partial) pass fails the session even if no check failed in pytest's eyes
        # (deselected checks, a requirement no check decided).
        if result.internal_error:
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        elif result.failing() and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _write(self, result: RunResult, directory: Path) -> None:
        """The reports, then the manifest that seals them with the evidence (signed)."""
        harness = self.harness
        write_reports(result, directory)
        harness.log.close()
        try:
            seal(
                directory,
                result,
                head=harness.log.head,
                records=harness.log.records,
                key=harness.signing_key,
            )
        except Exception as exc:  # a bug: the reports stand, unsealed, and the run says so
            result.internal_error = result.internal_error or f"sealing the reports: {_bug(exc)}"

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        result = self.harness.result
        if result is None:
            return
        for line in console.render(result, self.harness.report_dir).splitlines():
            terminalreporter.write_line(line)


def _bug(exc: BaseException) -> str:
    """An unexpected exception as a bug report's first line: what, and where."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _redact(report: pytest.TestReport, redactor: Redactor) -> None:
    """Redact and defuse what pytest itself prints of a check: its failure, captured output."""

    def clean(text: str) -> str:
        return console_text(redactor.text(text))

    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        report.longrepr = (longrepr[0], longrepr[1], clean(longrepr[2]))
    elif longrepr is not None:
        report.longrepr = clean(str(longrepr))
    report.sections = [(title, clean(content)) for title, content in report.sections]
    if isinstance(getattr(report, "wasxfail", None), str):
        report.wasxfail = clean(report.wasxfail)
