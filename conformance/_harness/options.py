"""The options of a run, declared once for both the command line and the pytest plugin.

argparse's ``add_argument`` and pytest's ``addoption`` take the same
arguments, so one table feeds both, and one function reads either's
namespace into ``Options``. Cheap to import: the plugin reads the options
in every pytest run of this environment.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Options:
    """What the user asked of this run."""

    standards: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    report_dir: Path | None = None
    seed: int | None = None
    examples: int = 5
    shrink: bool = True
    property_calls: int = 60
    as_of: datetime | None = None
    """The instant date-bound rules are judged at (CLOUD-002's charge), instead of now."""
    signing_key: Path | None = None
    """The Ed25519 private key (PEM) that signs the run's manifest; None: one made per run."""
    shuffle: bool = False
    """Run the checks in an order drawn from the seed (``conformance._harness.ordering``)."""
    read_only: bool = False
    """Send only GET, HEAD and OPTIONS: a check that would write ends not-applicable."""
    choices: str | None = None
    """The built-in reference's choice set when it is the target (None: a target file)."""
    replay_of: str | None = None
    """The id of the run this one replays (``--replay``), kept in its report."""

    def to_json(self) -> dict[str, Any]:
        """The options that shape what a run sends, as report.json keeps them (for --replay)."""
        return {
            "examples": self.examples,
            "property_calls": self.property_calls,
            "shrink": self.shrink,
            "as_of": self.as_of.isoformat().replace("+00:00", "Z") if self.as_of else None,
            "shuffle": self.shuffle,
            "read_only": self.read_only,
            "choices": self.choices,
            "replay_of": self.replay_of,
        }


def instant(value: str) -> datetime:
    """An ISO 8601 date or date-time (``--as-of``); a date is its midnight, UTC when unzoned."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 date or date-time (2027-01-12, 2027-01-12T00:00:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


RUN_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("--target",), {"metavar": "FILE", "help": "target file (YAML) of the platform to probe"}),
    (
        ("--second-target",),
        {"metavar": "FILE", "help": "a second platform, for cross-target checks (PORT-005)"},
    ),
    (
        ("--standard",),
        {
            "action": "append",
            "default": [],
            "metavar": "ID",
            "help": "only this standard (repeatable); COMMON always comes along",
        },
    ),
    (
        ("--profile",),
        {
            "action": "append",
            "default": [],
            "metavar": "NAME",
            "help": "only requirements of this profile (repeatable)",
        },
    ),
    (
        ("--requirement",),
        {
            "action": "append",
            "default": [],
            "metavar": "ID",
            "help": "only this requirement (repeatable)",
        },
    ),
    (
        ("--report-dir",),
        {"metavar": "DIR", "help": "write reports to DIR/<run-id>/ (conformance run: reports/)"},
    ),
    (
        ("--seed",),
        {"type": int, "metavar": "N", "help": "seed for generated inputs (replays a run)"},
    ),
    (
        ("--examples",),
        {
            "type": int,
            "default": 5,
            "metavar": "N",
            "help": "generated examples per property check (default 5)",
        },
    ),
    (
        ("--property-calls",),
        {
            "type": int,
            "default": 60,
            "metavar": "N",
            "help": "calls one property check may make, shrinking included (default 60)",
        },
    ),
    (
        ("--as-of",),
        {
            "type": instant,
            "metavar": "DATE",
            "help": "judge date-bound rules (CLOUD-002's switching charge) as of DATE, "
            "not today (ISO 8601)",
        },
    ),
    (
        ("--signing-key",),
        {
            "metavar": "FILE",
            "help": "sign the run's manifest with this Ed25519 private key (PEM, from "
            "`conformance keygen`); default: a key made for the run, its public half "
            "written beside the report",
        },
    ),
    (
        ("--no-shrink",),
        {"action": "store_true", "help": "report the first failing example without shrinking it"},
    ),
    (
        ("--shuffle",),
        {
            "action": "store_true",
            "help": "run the checks in an order drawn from the seed (the same seed, the same "
            "order), so a platform cannot learn the suite's sequence",
        },
    ),
    (
        ("--read-only",),
        {
            "action": "store_true",
            "help": "send only GET, HEAD and OPTIONS (spot checks on live systems with real "
            "accounts): a check that would write ends not-applicable; the verdict is PARTIAL",
        },
    ),
)


def add_run_options(add: Callable[..., Any]) -> None:
    """Declare every run option with ``add`` (argparse's or pytest's)."""
    for flags, settings in RUN_OPTIONS:
        add(*flags, **settings)


def options_from(namespace: Any) -> Options:
    """``Options`` from a parsed namespace (argparse's, or pytest's ``config.option``)."""
    return Options(
        standards=tuple(namespace.standard),
        profiles=tuple(namespace.profile),
        requirements=tuple(namespace.requirement),
        report_dir=Path(namespace.report_dir) if namespace.report_dir else None,
        seed=namespace.seed,
        examples=namespace.examples,
        shrink=not namespace.no_shrink,
        property_calls=namespace.property_calls,
        as_of=getattr(namespace, "as_of", None),
        signing_key=Path(key) if (key := getattr(namespace, "signing_key", None)) else None,
        shuffle=bool(getattr(namespace, "shuffle", False)),
        read_only=bool(getattr(namespace, "read_only", False)),
    )
