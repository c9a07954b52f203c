"""A run's result with every text a platform could have put in it redacted.

Reasons quote what the platform answered, the claims are its discovery
document, notes and problems name its URLs. Every reporter (console,
report.json, junit.xml) and the manifest read the ``RunResult``, so
scrubbing it once, when the run finishes, keeps every configured secret
out of all of them.
"""

from __future__ import annotations

from dataclasses import replace

from conformance._harness.results import RequirementResult, RunResult
from conformance._harness.secrets import Redactor


def scrubbed(result: RunResult, redactor: Redactor) -> RunResult:
    """A copy of ``result`` with every secret the redactor knows removed from its text."""
    text = redactor.text
    return replace(
        result,
        target=redactor.deep(dict(result.target)),
        claims=None if result.claims is None else redactor.deep(dict(result.claims)),
        requirements=[_requirement(r, redactor) for r in result.requirements],
        notes=[text(n) for n in result.notes],
        unreachable=text(result.unreachable),
        discovery_problem=text(result.discovery_problem),
        configuration_error=text(result.configuration_error),
        internal_error=text(result.internal_error),
    )


def _requirement(result: RequirementResult, redactor: Redactor) -> RequirementResult:
    return replace(
        result,
        reason=redactor.text(result.reason),
        checks=tuple(replace(c, reason=redactor.text(c.reason)) for c in result.checks),
    )
