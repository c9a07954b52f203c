"""The result model: one stream of check results, folded per requirement, and the verdict.

Every reporter (console, JSON, JUnit) reads a ``RunResult``; none of them
looks at pytest. Its JSON form is described by ``schemas/report.schema.json``
(``REPORT_SCHEMA_VERSION``), so a report can be read without this package.

The verdict never claims more than was decided: a run that left out a
requirement the platform claims is ``partial``, a configuration error is not
the platform's failure, and a ``pass`` that cites no exchange is not a pass.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conformance._harness.options import Options

REPORT_SCHEMA_VERSION = "2.0"

UNCITED_PASS = (
    "the check passed without citing any exchange, so nothing in the evidence supports a "
    "pass (a bug of the check: make its requests through its probe, or cite the exchanges "
    "it reuses with harness.verified(..., evidence=...))"
)


class Outcome(enum.StrEnum):
    """The outcomes of COMMON C4, exactly one per requirement and target."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"
    NOT_CLAIMED = "not-claimed"
    NOT_APPLICABLE = "not-applicable"


class Verdict(enum.StrEnum):
    """What a whole run says about the platform: exactly one, named by the headline."""

    CONFORMANT = "conformant"
    NOT_CONFORMANT = "not-conformant"
    PARTIAL = "partial"
    UNDECIDED = "undecided"
    UNREACHABLE = "unreachable"
    NO_DISCOVERY = "no-discovery"
    CONFIGURATION_ERROR = "configuration-error"
    INTERNAL_ERROR = "internal-error"


# When a requirement has several checks, the worst one decides.
_SEVERITY = {
    Outcome.FAIL: 5,
    Outcome.ERROR: 4,
    Outcome.SKIP: 3,
    Outcome.PASS: 2,
    Outcome.NOT_APPLICABLE: 1,
    Outcome.NOT_CLAIMED: 0,
}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (one pytest test) for one requirement."""

    requirement: str
    check: str
    outcome: Outcome
    reason: str = ""
    duration: float = 0.0
    evidence: tuple[str, ...] = ()
    seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The check as it appears in report.json."""
        return {
            "check": self.check,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "duration_s": round(self.duration, 4),
            "evidence": list(self.evidence),
            "seed": self.seed,
        }


@dataclass(frozen=True)
class RequirementInfo:
    """What the spec says of a requirement (copied from the catalogue)."""

    id: str
    standard: str
    version: str
    level: str
    profile: str
    text: str
    source: str


@dataclass(frozen=True)
class RequirementResult:
    """The single outcome of one requirement, with the checks that decided it."""

    info: RequirementInfo
    outcome: Outcome
    reason: str
    checks: tuple[CheckResult, ...]

    @property
    def is_must(self) -> bool:
        """True for MUST and MUST NOT requirements."""
        return self.info.level.startswith("MUST")

    def to_json(self) -> dict[str, Any]:
        """The requirement as it appears in report.json."""
        return {
            "id": self.info.id,
            "standard": self.info.standard,
            "version": self.info.version,
            "level": self.info.level,
            "profile": self.info.profile,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "duration_s": round(sum(c.duration for c in self.checks), 4),
            "evidence": sorted({e for c in self.checks for e in c.evidence}),
            "checks": [c.to_json() for c in self.checks],
        }


REPLAY_PREFIX = "Replay: "
"""How the last line of a failing reason begins."""


@dataclass(frozen=True)
class Replay:
    """The command that runs one requirement again with the same generated inputs."""

    seed: int
    target: str = ""
    """The target file ("" for the built-in reference)."""
    second: str = ""
    """The second target file, if the run had one."""
    options: tuple[str, ...] = ()
    """Options that change the generated inputs (``--examples 20``, ``--no-shrink``)."""

    def command(self, requirement: str) -> str:
        """``conformance run [--target FILE] --seed N --requirement ID [options]``."""
        words = ["conformance", "run"]
        if self.target:
            words += ["--target", shlex.quote(self.target)]
        if self.second:
            words += ["--second-target", shlex.quote(self.second)]
        words += ["--seed", str(self.seed), "--requirement", requirement, *self.options]
        return " ".join(words)

    def line(self, requirement: str) -> str:
        """The last line of a failing reason."""
        return f"{REPLAY_PREFIX}{self.command(requirement)}"


def replay_of(seed: int, options: Options, target_source: str, second_source: str = "") -> Replay:
    """The replay of a run: its target files, seed, and options that change generated inputs.

    A source in angle brackets (``<reference platform at …>``) is no file:
    the replay then runs the built-in reference.
    """
    default = Options()
    extra: list[str] = []
    if options.examples != default.examples:
        extra += ["--examples", str(options.examples)]
    if options.property_calls != default.property_calls:
        extra += ["--property-calls", str(options.property_calls)]
    if not options.shrink:
        extra.append("--no-shrink")
    if options.as_of is not None:
        extra += ["--as-of", options.as_of.isoformat().replace("+00:00", "Z")]
    if options.shuffle:
        extra.append("--shuffle")
    if options.read_only:
        extra.append("--read-only")
    if options.choices not in (None, "default") and target_source.startswith("<"):
        extra += ["--choices", str(options.choices)]
    return Replay(
        seed,
        "" if target_source.startswith("<") else target_source,
        "" if second_source.startswith("<") else second_source,
        tuple(extra),
    )


def fold(
    info: RequirementInfo, checks: Sequence[CheckResult], replay: Replay | None = None
) -> RequirementResult:
    """Fold the checks of one requirement into its single outcome.

    The worst outcome decides (fail > error > skip > pass > not-applicable >
    not-claimed); a requirement with no check at all is an ``error``,
    because the suite could not decide it. The reason of a ``fail`` or an
    ``error`` ends with the line that replays it, when ``replay`` is given.
    """
    if not checks:
        return RequirementResult(info, Outcome.ERROR, "no check ran for this requirement", ())
    checks = [uncited(c) for c in checks]
    worst = max(checks, key=lambda c: _SEVERITY[c.outcome])
    if worst.outcome is Outcome.PASS:
        passed = [c for c in checks if c.outcome is Outcome.PASS]
        reason = "; ".join(c.reason for c in passed if c.reason) or (
            f"{len(passed)} check(s) passed"
        )
    else:
        reason = worst.reason
    if replay is not None and worst.outcome in (Outcome.FAIL, Outcome.ERROR):
        reason = f"{reason.rstrip()}\n{replay.line(info.id)}"
    return RequirementResult(info, worst.outcome, reason, tuple(checks))


def uncited(check: CheckResult) -> CheckResult:
    """A ``pass`` that cites no exchange becomes an ``error``: nothing supports it."""
    if check.outcome is Outcome.PASS and not check.evidence:
        return replace(check, outcome=Outcome.ERROR, reason=UNCITED_PASS)
    return check


@dataclass(frozen=True)
class Selection:
    """What a run was asked to judge: the options that narrowed it, what pytest deselected."""

    standards: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    deselected: tuple[str, ...] = ()
    """Requirements of the selection with a check that ``-k`` or ``-m`` deselected."""
    read_only: bool = False
    """``--read-only``: only safe methods were sent, so the run judges part at most."""
    writes: tuple[str, ...] = ()
    """Requirements with a check that would have written (``--read-only``): not judged."""

    def describe(self) -> str:
        """The selection as the options that made it (``everything`` when none did)."""
        words = (
            [f"--standard {s}" for s in self.standards]
            + [f"--profile {p}" for p in self.profiles]
            + [f"--requirement {r}" for r in self.requirements]
        )
        if self.deselected:
            words.append(f"-k/-m deselected checks of {len(self.deselected)} requirement(s)")
        if self.read_only:
            words.append(
                f"--read-only (checks of {len(self.writes)} requirement(s) would have written)"
            )
        return " ".join(words) or "everything"

    def to_json(self) -> dict[str, Any]:
        """The selection as it appears in report.json."""
        return {
            "standards": list(self.standards),
            "profiles": list(self.profiles),
            "requirements": list(self.requirements),
            "deselected": list(self.deselected),
            "read_only": self.read_only,
            "writes": list(self.writes),
            "description": self.describe(),
        }


@dataclass
class RunResult:
    """Everything one run decided about one target."""

    run_id: str
    suite_version: str
    started_at: str
    finished_at: str
    target: Mapping[str, Any]
    claims: Mapping[str, Any] | None
    specs: Sequence[Mapping[str, str]]
    seed: int
    requirements: list[RequirementResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    selection: Selection = field(default_factory=Selection)
    claimed: tuple[str, ...] | None = None
    """Every requirement of the catalogue the platform claims (None: claims unknown)."""
    unreachable: str = ""
    """Why nothing answered at the base URL (empty when something did)."""
    discovery_problem: str = ""
    """Why the discovery document could not be used (empty when it could)."""
    configuration_error: str = ""
    """Why no requirement was judged: the target file does not work with this platform."""
    internal_error: str = ""
    """What failed inside the suite (a bug): the reports are as complete as it allowed."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The options that shape what the run sent (``Options.to_json``), for ``--replay``."""

    def counts(self) -> dict[str, int]:
        """How many requirements ended with each outcome."""
        totals = {o.value: 0 for o in Outcome}
        for r in self.requirements:
            totals[r.outcome.value] += 1
        return totals

    def claimed_musts(self) -> Iterable[RequirementResult]:
        """MUST requirements of what the platform claims."""
        return (
            r
            for r in self.requirements
            if r.is_must and r.outcome not in (Outcome.NOT_CLAIMED, Outcome.NOT_APPLICABLE)
        )

    def judged(self) -> set[str]:
        """Requirements whose every check ran in this run (none deselected, none refused a write)."""
        left_out = set(self.selection.deselected) | set(self.selection.writes)
        return {r.info.id for r in self.requirements} - left_out

    def partial(self) -> bool:
        """True when a requirement the full run would judge was left out of this one."""
        if self.selection.read_only:
            return True  # what only a write shows was not tried, whatever the claims
        if self.claimed is None:
            return bool(
                self.selection.deselected
                or self.selection.standards
                or self.selection.profiles
                or self.selection.requirements
            )
        return bool(set(self.claimed) - self.judged())

    def decided(self) -> list[RequirementResult]:
        """Claimed requirements this run decided: pass, fail or not-applicable."""
        judged = self.judged()
        claimed = set(self.claimed or ())
        return [
            r
            for r in self.requirements
            if r.info.id in judged
            and (r.info.id in claimed or self.claimed is None)
            and r.outcome in (Outcome.PASS, Outcome.FAIL, Outcome.NOT_APPLICABLE)
        ]

    def failed_musts(self) -> list[RequirementResult]:
        """Claimed MUST requirements that failed."""
        return [r for r in self.claimed_musts() if r.outcome is Outcome.FAIL]

    def undecided_musts(self) -> list[RequirementResult]:
        """Claimed MUST requirements judged in this run that ended neither pass nor fail."""
        judged = self.judged()
        return [
            r
            for r in self.claimed_musts()
            if r.info.id in judged and r.outcome not in (Outcome.PASS, Outcome.FAIL)
        ]

    def verdict(self) -> Verdict:
        """The one verdict of the run (see ``headline`` for its sentence)."""
        if self.internal_error:
            return Verdict.INTERNAL_ERROR
        if self.configuration_error:
            return Verdict.CONFIGURATION_ERROR
        if self.unreachable:
            return Verdict.UNREACHABLE
        if self.discovery_problem:
            return Verdict.NO_DISCOVERY
        if self.partial():
            return Verdict.PARTIAL
        if self.failed_musts():
            return Verdict.NOT_CONFORMANT
        if self.undecided_musts():
            return Verdict.UNDECIDED
        return Verdict.CONFORMANT

    def conformant(self) -> bool:
        """True only when a whole run found every claimed MUST passing (SHOULDs never decide)."""
        return self.verdict() is Verdict.CONFORMANT

    def failing(self) -> bool:
        """True when the verdict should fail a CI job: anything but a clean (partial) pass."""
        verdict = self.verdict()
        if verdict is Verdict.PARTIAL:
            return bool(self.failed_musts() or self.undecided_musts())
        return verdict is not Verdict.CONFORMANT

    def headline(self) -> str:
        """One line that says exactly what was decided."""
        verdict = self.verdict()
        failed = _ids(self.failed_musts())
        undecided = _ids(self.undecided_musts())
        if verdict is Verdict.INTERNAL_ERROR:
            return (
                f"INTERNAL ERROR: the suite failed (a bug; please report it): {self.internal_error}"
            )
        if verdict is Verdict.CONFIGURATION_ERROR:
            return f"CONFIGURATION ERROR: {self.configuration_error}"
        if verdict is Verdict.UNREACHABLE:
            return f"UNREACHABLE: nothing answered at {self.target.get('base_url')}: {self.unreachable}"
        if verdict is Verdict.NO_DISCOVERY:
            return (
                "NO DISCOVERY: the target answered, but not with a usable discovery document: "
                f"{self.discovery_problem}"
            )
        if verdict is Verdict.PARTIAL:
            of = f" of {len(self.claimed)}" if self.claimed is not None else ""
            head = (
                f"PARTIAL: {len(self.decided())}{of} requirements decided "
                f"(selection: {self.selection.describe()})"
            )
            if failed:
                return f"{head}; claimed MUST failed: {failed}, so the platform is not conformant"
            if undecided:
                return f"{head}; no selected MUST failed, but undecided: {undecided}"
            return f"{head}; no selected MUST failed (a verdict on the platform needs a whole run)"
        if verdict is Verdict.NOT_CONFORMANT:
            return f"NOT CONFORMANT: claimed MUST failed: {failed}"
        if verdict is Verdict.UNDECIDED:
            return f"UNDECIDED: no claimed MUST failed, but undecided (error or skip): {undecided}"
        return f"CONFORMANT: every claimed MUST passes ({len(self.decided())} requirements decided)"

    def to_json(self) -> dict[str, Any]:
        """The whole run in the form of report.schema.json."""
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "run_id": self.run_id,
            "suite_version": self.suite_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seed": self.seed,
            "target": dict(self.target),
            "claims": self.claims,
            "specs": [dict(s) for s in self.specs],
            "selection": self.selection.to_json(),
            "options": dict(self.options),
            "summary": {
                "verdict": self.verdict().value,
                "headline": self.headline(),
                "conformant": self.conformant(),
                "decided": len(self.decided()),
                "claimed": None if self.claimed is None else len(self.claimed),
                "counts": self.counts(),
                "problem": self.internal_error
                or self.configuration_error
                or self.unreachable
                or self.discovery_problem
                or None,
            },
            "requirements": [r.to_json() for r in self.requirements],
            "notes": list(self.notes),
        }


def _ids(results: Sequence[RequirementResult], limit: int = 8) -> str:
    ids = [r.info.id for r in results]
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more
