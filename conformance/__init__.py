"""Interoperability conformance suite: probe platforms against interconnection standards.

The public face is small: load a target and run, or use the pieces a check
needs. Everything else is internal and may change.
"""

from __future__ import annotations

from conformance._version import __version__
from conformance.catalogue import Catalogue
from conformance.checking import not_applicable, not_claimed, prerequisite_failed
from conformance.errors import (
    ConfigError,
    ConformanceError,
    Finding,
    Mismatch,
    ProbeError,
    SchemaViolation,
    SpecError,
    TargetUnreachable,
    UsageError,
)
from conformance.harness import Options
from conformance.probe import Probe, Response
from conformance.results import Outcome, RunResult, Verdict
from conformance.target import Role, Target, load_target

__all__ = [
    "Catalogue",
    "ConfigError",
    "ConformanceError",
    "Finding",
    "Mismatch",
    "Options",
    "Outcome",
    "Probe",
    "ProbeError",
    "Response",
    "Role",
    "RunResult",
    "SchemaViolation",
    "SpecError",
    "Target",
    "TargetUnreachable",
    "UsageError",
    "Verdict",
    "__version__",
    "load_target",
    "not_applicable",
    "not_claimed",
    "prerequisite_failed",
]
