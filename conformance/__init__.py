"""Interoperability conformance suite: probe platforms against interconnection standards.

This module is the public API, and the only one a check imports besides its
own standard's package (``conformance.port`` for PORT's checks, and so on; a
test holds ``conformance/checks/**`` to that). Everything under
``conformance._harness`` is internal and may change.

Names load on first use (PEP 562), so ``import conformance`` — and the
pytest plugin that pytest imports in every run of this environment — costs
little; the validators and spec machinery load when a run needs them.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from conformance._version import __version__

if _TYPE_CHECKING:
    from conformance._harness.catalogue import Catalogue, Spec
    from conformance._harness.checking import not_applicable, not_claimed, prerequisite_failed
    from conformance._harness.cloud_target import OciSettings, S3Key, S3Settings
    from conformance._harness.compare import LogicalRequest, Variant, diff, differential, ignoring
    from conformance._harness.errors import (
        ConfigError,
        ConformanceError,
        DeadlineExceeded,
        Finding,
        Mismatch,
        ProbeError,
        SchemaViolation,
        SpecError,
        TargetUnreachable,
        UsageError,
    )
    from conformance._harness.examples import Examples, draw
    from conformance._harness.harness import Harness
    from conformance._harness.options import Options
    from conformance._harness.ordinary import Ordinary, ordinary
    from conformance._harness.probe import Probe, Response
    from conformance._harness.results import Outcome, RunResult, Verdict
    from conformance._harness.schemas import ComponentSchemas
    from conformance._harness.target import Role, Target, load_target, origin_of
    from conformance._harness.units import human_duration, human_size
    from conformance.common.deprecations import call_and_judge, parse_deprecation
    from conformance.common.httpdates import retry_after
    from conformance.common.problems import (
        problem_body,
        problem_codes,
        problem_mismatches,
        unreadable,
    )
    from conformance.common.ratelimits import valid_pair
    from conformance.common.roles import ALICE, ALICE_COMPETITOR, ALICE_THIRD_PARTY, BOB, CAROL

# name -> module it lives in, for the lazy loader
_HOMES: dict[str, str] = {
    "Catalogue": "conformance._harness.catalogue",
    "Spec": "conformance._harness.catalogue",
    "Options": "conformance._harness.options",
    "Outcome": "conformance._harness.results",
    "RunResult": "conformance._harness.results",
    "Verdict": "conformance._harness.results",
    "Role": "conformance._harness.target",
    "Target": "conformance._harness.target",
    "load_target": "conformance._harness.target",
    "origin_of": "conformance._harness.target",
    "OciSettings": "conformance._harness.cloud_target",
    "S3Key": "conformance._harness.cloud_target",
    "S3Settings": "conformance._harness.cloud_target",
    "Harness": "conformance._harness.harness",
    "Probe": "conformance._harness.probe",
    "Response": "conformance._harness.probe",
    "Examples": "conformance._harness.examples",
    "draw": "conformance._harness.examples",
    "Ordinary": "conformance._harness.ordinary",
    "ordinary": "conformance._harness.ordinary",
    "ComponentSchemas": "conformance._harness.schemas",
    "not_applicable": "conformance._harness.checking",
    "not_claimed": "conformance._harness.checking",
    "prerequisite_failed": "conformance._harness.checking",
    "Finding": "conformance._harness.errors",
    "Mismatch": "conformance._harness.errors",
    "SchemaViolation": "conformance._harness.errors",
    "human_duration": "conformance._harness.units",
    "human_size": "conformance._harness.units",
    "ConfigError": "conformance._harness.errors",
    "ConformanceError": "conformance._harness.errors",
    "DeadlineExceeded": "conformance._harness.errors",
    "ProbeError": "conformance._harness.errors",
    "SpecError": "conformance._harness.errors",
    "TargetUnreachable": "conformance._harness.errors",
    "UsageError": "conformance._harness.errors",
    "LogicalRequest": "conformance._harness.compare",
    "Variant": "conformance._harness.compare",
    "diff": "conformance._harness.compare",
    "differential": "conformance._harness.compare",
    "ignoring": "conformance._harness.compare",
    "ALICE": "conformance.common.roles",
    "ALICE_COMPETITOR": "conformance.common.roles",
    "ALICE_THIRD_PARTY": "conformance.common.roles",
    "BOB": "conformance.common.roles",
    "CAROL": "conformance.common.roles",
    "problem_body": "conformance.common.problems",
    "problem_codes": "conformance.common.problems",
    "problem_mismatches": "conformance.common.problems",
    "unreadable": "conformance.common.problems",
    "call_and_judge": "conformance.common.deprecations",
    "parse_deprecation": "conformance.common.deprecations",
    "retry_after": "conformance.common.httpdates",
    "valid_pair": "conformance.common.ratelimits",
}

__all__ = [  # noqa: RUF022 - grouped by purpose, as schemathesis groups "Checks: …"
    "__version__",
    # Running a campaign
    "Catalogue",
    "Spec",
    "Options",
    "Outcome",
    "RunResult",
    "Verdict",
    "Role",
    "Target",
    "load_target",
    "origin_of",
    # A target's other surfaces (CLOUD): S3 and a container registry
    "S3Settings",
    "S3Key",
    "OciSettings",
    # Writing a check: what the fixtures hand you
    "Harness",
    "Probe",
    "Response",
    "Examples",
    "draw",
    "ordinary",
    "Ordinary",
    "ComponentSchemas",
    # Checks: ending otherwise than pass or fail
    "not_applicable",
    "not_claimed",
    "prerequisite_failed",
    # Findings: what a failing check raises
    "Finding",
    "Mismatch",
    "SchemaViolation",
    "human_duration",
    "human_size",
    # Errors: the suite could not decide
    "ConfigError",
    "ConformanceError",
    "DeadlineExceeded",
    "ProbeError",
    "SpecError",
    "TargetUnreachable",
    "UsageError",
    # Comparing identities: one request, several senders
    "LogicalRequest",
    "Variant",
    "diff",
    "differential",
    "ignoring",
    # COMMON: what every standard shares
    "ALICE",
    "ALICE_COMPETITOR",
    "ALICE_THIRD_PARTY",
    "BOB",
    "CAROL",
    "problem_body",
    "problem_codes",
    "problem_mismatches",
    "unreadable",
    "call_and_judge",
    "parse_deprecation",
    "retry_after",
    "valid_pair",
]


def __getattr__(name: str) -> _Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'conformance' has no attribute {name!r}")
    value = getattr(_importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
