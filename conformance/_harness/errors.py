"""Errors of the tool and findings about the platform, in one place.

Two families, never mixed::

    ConformanceError                  the suite could not do its job
    ├── UsageError                    bad command line or unknown standard
    ├── ConfigError                   a target file that does not load
    ├── SpecError                     a spec in the catalogue that does not load
    └── ProbeError                    an exchange that could not be completed
        ├── TargetUnreachable         connection refused, DNS, TLS, timeout
        ├── ResponseTooLarge          the response passed the size cap
        ├── DeadlineExceeded          the check ran out of time
        └── RefusedDestination        a URL outside what the target allows

    Finding (AssertionError)          evidence that a platform breaks a requirement
    └── SchemaViolation               a response that does not match the spec

A check that raises a ``ConformanceError`` ends ``error``; one that raises a
``Finding`` (or a plain ``AssertionError``) ends ``fail``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class ConformanceError(Exception):
    """The suite itself could not do what was asked."""


class UsageError(ConformanceError):
    """The command line asks for something that does not exist."""


class ConfigError(ConformanceError):
    """A target file that cannot be used, with the file, the key and the fix."""

    def __init__(self, file: str, key: str, problem: str, fix: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(f"{file}: {key}: {problem}. Fix: {fix}")


class SpecError(ConformanceError):
    """A spec of the catalogue that does not load or contradicts itself."""


class ProbeError(ConformanceError):
    """An exchange with the target that could not be completed."""


class TargetUnreachable(ProbeError):
    """The target did not answer: refused, unresolvable, TLS failure or timeout."""


class ResponseTooLarge(ProbeError):
    """The response body passed the configured size cap; the rest was not read."""


class DeadlineExceeded(ProbeError):
    """The check used up its time limit."""


class RefusedDestination(ProbeError):
    """The suite refused to send a request to a destination the target does not allow."""


@dataclass(frozen=True)
class Mismatch:
    """One place where what arrived differs from what was expected."""

    path: str
    expected: Any
    actual: Any
    reason: str = ""

    def describe(self) -> str:
        """One line: where, what was expected, what arrived."""
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.path}: expected {self.expected!r}, got {self.actual!r}{why}"


def json_path(parts: Sequence[Any]) -> str:
    """A JSON path (``$.parts[0].size``) from a sequence of keys and indices."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class Finding(AssertionError):
    """Evidence that the platform breaks a requirement.

    ``requirement`` may be left empty by the code that finds it: the plugin
    attributes it to the requirement of the check in force.
    """

    def __init__(
        self,
        message: str,
        *,
        requirement: str = "",
        operation: str = "",
        mismatches: Sequence[Mismatch] = (),
        evidence: Sequence[str] = (),
    ) -> None:
        self.message = message
        self.requirement = requirement
        self.operation = operation
        self.mismatches = tuple(mismatches)
        self.evidence = tuple(evidence)
        super().__init__(self.describe())

    def describe(self) -> str:
        """The message followed by each mismatch, one per line (at most 20)."""
        lines = [self.message]
        if self.operation:
            lines[0] = f"{self.operation}: {self.message}"
        lines.extend(f"  {m.describe()}" for m in self.mismatches[:20])
        if len(self.mismatches) > 20:
            lines.append(f"  ... and {len(self.mismatches) - 20} more")
        return "\n".join(lines)


class SchemaViolation(Finding):
    """A response that does not match its operation in the spec."""
