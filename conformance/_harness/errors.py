"""Errors of the tool and findings about the platform, in one place.

Two families, never mixed::

    ConformanceError                  the suite could not do its job
    ├── UsageError                    bad command line or unknown standard
    ├── ConfigError                   a target file that does not load
    ├── SpecError                     a spec in the catalogue that does not load
    ├── LaunchError                   the target's container did not start or get healthy
    └── ProbeError                    an exchange that could not be completed
        ├── TargetUnreachable         connection refused, DNS, TLS, timeout
        ├── ResponseTooLarge          the response passed the size cap
        ├── DeadlineExceeded          the check ran out of time
        │   └── BudgetSpent           the run spent its time or request budget
        └── RefusedDestination        a URL outside what the target allows

    Finding (AssertionError)          evidence that a platform breaks a requirement
    └── SchemaViolation               a response that does not match the spec

A check that raises a ``ConformanceError`` ends ``error``; one that raises a
``Finding`` (or a plain ``AssertionError``) ends ``fail``.
"""

from __future__ import annotations

import json
import re
import unicodedata
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


class LaunchError(ConformanceError):
    """The target file's ``launch`` container could not be started or never became healthy:
    what happened, what to do, and the container's last log lines (``launch/``)."""


class ProbeError(ConformanceError):
    """An exchange with the target that could not be completed."""


class TargetUnreachable(ProbeError):
    """The target did not answer: refused, unresolvable, TLS failure or timeout."""


class ResponseTooLarge(ProbeError):
    """The response body passed the configured size cap; the rest was not read."""


class DeadlineExceeded(ProbeError):
    """The check used up its time limit."""


class BudgetSpent(DeadlineExceeded):
    """The run spent its time (``limits.run_budget``) or requests (``limits.max_requests``)."""


class RefusedDestination(ProbeError):
    """The suite refused to send a request to a destination the target does not allow."""


@dataclass(frozen=True)
class Mismatch:
    """One finding row: where, what was documented, what was received, why, and for whom.

    ``expected`` is what the spec (or the baseline a comparison holds the
    answer to) says; ``received`` is what the platform sent. ``subject``
    names the identity or input the row holds for (``third_party``, an
    archive id, ``User-Agent: …``): rows equal but for it are rendered once,
    with their subjects listed.
    """

    path: str
    expected: Any
    received: Any
    why: str = ""
    subject: str = ""

    def describe(self) -> str:
        """The row alone, as :func:`render_rows` writes it."""
        return "\n".join(render_rows([self], indent=""))


ROWS_SHOWN = 20
"""Rows a finding shows; the rest are counted."""
SUBJECTS_NAMED = 8
"""Subjects a grouped row names; the rest are counted."""
_VALUE_WIDTH = 200
_JSON_SCALAR = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null")


def show(value: Any) -> str:
    """A value as a row shows it: plain text bare, anything ambiguous or invisible escaped.

    A string is written as is unless that would hide something: empty,
    surrounding whitespace, control or unnormalised characters, or text
    that reads as a JSON number, ``true``, ``false`` or ``null`` are
    written as JSON strings (ASCII escapes). Numbers, booleans, lists and
    objects are written as JSON; ``None`` as ``(none)``.
    """
    if value is None:
        return "(none)"
    if isinstance(value, str):
        text = value if _plain(value) else json.dumps(value, ensure_ascii=True)
    elif isinstance(value, bytes | bytearray):
        text = repr(bytes(value))
    elif isinstance(value, bool | int | float | list | tuple | dict):
        text = json.dumps(value, ensure_ascii=False, default=repr)
        if not (text.isprintable() and unicodedata.is_normalized("NFC", text)):
            text = json.dumps(value, ensure_ascii=True, default=repr)
    else:
        text = str(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 3] + "..."


def _plain(text: str) -> bool:
    return (
        bool(text)
        and text == text.strip()
        and text.isprintable()
        and unicodedata.is_normalized("NFC", text)
        and _JSON_SCALAR.fullmatch(text) is None
    )


def named(subjects: Sequence[str], limit: int = SUBJECTS_NAMED) -> str:
    """Subjects as a list a person reads: at most ``limit`` named, then how many more."""
    shown = ", ".join(subjects[:limit])
    return shown + (f" and {len(subjects) - limit} more" if len(subjects) > limit else "")


def render_rows(
    rows: Sequence[Mismatch], *, limit: int = ROWS_SHOWN, indent: str = "  "
) -> list[str]:
    """Rows in the house style, the same fact once with every subject it holds for::

        <path>  (for <subjects>)
          Documented: <expected>
          Received:   <received>
          Why: <why>

    At most ``limit`` rows are shown, then ``... and N more``.
    """
    groups: dict[tuple[str, str, str, str], tuple[Mismatch, list[str]]] = {}
    for row in rows:
        key = (row.path, repr(row.expected), repr(row.received), row.why)
        subjects = groups.setdefault(key, (row, []))[1]
        if row.subject and row.subject not in subjects:
            subjects.append(row.subject)
    lines: list[str] = []
    for row, subjects in list(groups.values())[:limit]:
        head = row.path or "(the answer)"
        if subjects:
            head += f"  (for {named(subjects)})"
        lines += [
            indent + head,
            f"{indent}  Documented: {show(row.expected)}",
            f"{indent}  Received:   {show(row.received)}",
        ]
        if row.why:
            lines.append(f"{indent}  Why: {row.why}")
    if len(groups) > limit:
        lines.append(f"{indent}... and {len(groups) - limit} more")
    return lines


def json_path(parts: Sequence[Any]) -> str:
    """A JSON path (``$.parts[0].size``) from a sequence of keys and indices."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class Finding(AssertionError):
    """Evidence that the platform breaks a requirement.

    The requirement is the one of the check in force (the plugin reads it
    from the check's marker); ``operation`` names the spec operation when
    there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        mismatches: Sequence[Mismatch] = (),
        evidence: Sequence[str] = (),
    ) -> None:
        self.message = message
        self.operation = operation
        self.mismatches = tuple(mismatches)
        self.evidence = tuple(evidence)
        super().__init__(self.describe())

    def describe(self) -> str:
        """The headline, then the rows (see :func:`render_rows`)."""
        head = f"{self.operation}: {self.message}" if self.operation else self.message
        return "\n".join([head, *render_rows(self.mismatches)])


class SchemaViolation(Finding):
    """A response that does not match its operation in the spec."""
