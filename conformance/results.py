"""The result model: one stream of check results, folded per requirement.

Every reporter (console, JSON, JUnit) reads a ``RunResult``; none of them
looks at pytest. Its JSON form is described by ``schemas/report.schema.json``
(``REPORT_SCHEMA_VERSION``), so a report can be read without this package.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

REPORT_SCHEMA_VERSION = "1.0"


class Outcome(enum.StrEnum):
    """The outcomes of COMMON C4, exactly one per requirement and target."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"
    NOT_CLAIMED = "not-claimed"
    NOT_APPLICABLE = "not-applicable"


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


def fold(info: RequirementInfo, checks: Sequence[CheckResult]) -> RequirementResult:
    """Fold the checks of one requirement into its single outcome.

    The worst outcome decides (fail > error > skip > pass > not-applicable >
    not-claimed); a requirement with no check at all is an ``error``,
    because the suite could not decide it.
    """
    if not checks:
        return RequirementResult(info, Outcome.ERROR, "no check ran for this requirement", ())
    worst = max(checks, key=lambda c: _SEVERITY[c.outcome])
    if worst.outcome is Outcome.PASS:
        reason = f"{len(checks)} check(s) passed"
    else:
        reason = worst.reason
    return RequirementResult(info, worst.outcome, reason, tuple(checks))


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

    def conformant(self) -> bool:
        """True when every claimed MUST passes (SHOULDs never decide this)."""
        return all(r.outcome is Outcome.PASS for r in self.claimed_musts())

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
            "summary": {"conformant": self.conformant(), "counts": self.counts()},
            "requirements": [r.to_json() for r in self.requirements],
            "notes": list(self.notes),
        }
