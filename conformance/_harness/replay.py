"""``conformance run --replay <run dir>``: run again with a finished run's settings.

The run's ``report.json`` holds what shapes the requests a run sends: the
seed (generated inputs, made-up names and, under ``--shuffle``, the order of
the checks), the selection, the options (``Options.to_json``: examples,
property calls, shrinking, ``--as-of``, ``--shuffle``, ``--read-only``, the
reference's choice set) and the target file. A replay takes all of them from
there, so against a platform in the same state it sends the same requests in
the same order; what the platform assigns (ids, job locations, signed URLs)
and how often a check polls a job still depend on the platform.

A replay is refused, not attempted, when the folder is not a run, when the
run was made by another suite version (its checks and generators may differ,
so the same seed would send other requests: install that version to replay
it), and when an option that shapes the run is given as well (the run
decides it). Spec files changed under the same version are reported but not
refused: they change what is judged, not what is sent.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import UsageError
from conformance._harness.options import Options, instant
from conformance._harness.safe_text import console_text
from conformance._harness.target import Target, load_target
from conformance._version import __version__

_SHAPING: tuple[tuple[str, Any, str], ...] = (
    ("seed", None, "--seed"),
    ("standard", [], "--standard"),
    ("profile", [], "--profile"),
    ("requirement", [], "--requirement"),
    ("examples", Options.examples, "--examples"),
    ("property_calls", Options.property_calls, "--property-calls"),
    ("no_shrink", False, "--no-shrink"),
    ("as_of", None, "--as-of"),
    ("shuffle", False, "--shuffle"),
    ("read_only", False, "--read-only"),
    ("choices", "default", "--choices"),
)
"""Options a replay takes from the run: (argparse dest, default, flag)."""


@dataclass(frozen=True)
class RecordedRun:
    """What a run's report.json says about how it was run."""

    directory: Path
    run_id: str
    suite_version: str
    options: Options
    target: dict[str, Any]
    specs: dict[str, str]
    """``standard version`` -> the SHA-256 of its spec file."""

    @property
    def target_file(self) -> str:
        """The target file the run read ("" for the built-in reference)."""
        return _file_of(self.target)

    @property
    def second_file(self) -> str:
        """The second target file ("" for none, or the built-in reference's second instance)."""
        second = self.target.get("second")
        return _file_of(second) if isinstance(second, dict) else ""


def read_run(directory: Path) -> RecordedRun:
    """The settings of the run in ``directory``; a ``UsageError`` saying why it is not one."""
    report = directory / "report.json"
    if not directory.is_dir():
        raise UsageError(f"--replay: {directory} is not a folder (pass a run's folder)")
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"--replay: {directory} is not a run's folder: it has no report.json "
            "(pass the folder `conformance run` wrote, reports/<run-id>/)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--replay: {report} cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("seed"), int):
        raise UsageError(f"--replay: {report} is not a run's report (it records no seed)")
    version = str(data.get("suite_version", ""))
    if version != __version__:
        raise UsageError(
            f"--replay: {directory} was made by suite version {version or '(unknown)'}, this is "
            f"{__version__}: its checks and generators may differ, so the same seed would send "
            f"other requests; replay it with suite version {version or 'that made it'}"
        )
    recorded = data.get("options")
    if not isinstance(recorded, dict):
        raise UsageError(
            f"--replay: {report} records no options (written before --replay existed): "
            f"rerun with --seed {data['seed']} and the options of that run instead"
        )
    selection = _mapping(data.get("selection"))
    target = _mapping(data.get("target"))
    return RecordedRun(
        directory=directory,
        run_id=str(data.get("run_id", directory.name)),
        suite_version=version,
        options=_options(data["seed"], selection, recorded),
        target=target,
        specs={
            f"{s.get('standard')} {s.get('version')}": str(s.get("sha256"))
            for s in data.get("specs", [])
            if isinstance(s, dict)
        },
    )


def prepare(args: argparse.Namespace, given: Options) -> Options:
    """The options of a replay; sets ``args.target``, ``args.second_target`` and ``args.choices``.

    ``given`` holds what the command line said; only where the reports go,
    the signing key and the target file (a run's file that moved) may be
    given with ``--replay``.
    """
    recorded = read_run(Path(args.replay))
    clashing = [flag for dest, default, flag in _SHAPING if getattr(args, dest, default) != default]
    if clashing:
        raise UsageError(
            f"--replay takes {', '.join(clashing)} from the run it replays; leave "
            f"{'it' if len(clashing) == 1 else 'them'} out"
        )
    _warn_on_changed_specs(recorded)
    options = recorded.options
    if not args.target:
        args.target = recorded.target_file or None
    if not args.second_target:
        args.second_target = recorded.second_file or None
    if not args.target:
        args.choices = options.choices or "default"
    else:
        _warn_on_moved_target(recorded, load_target(args.target))
    return replace(
        options,
        report_dir=given.report_dir,
        signing_key=given.signing_key,
        replay_of=recorded.run_id,
    )


def _warn_on_moved_target(recorded: RecordedRun, target: Target) -> None:
    """A target file that now names another platform than the run probed: said, not refused."""
    was = (recorded.target.get("name"), recorded.target.get("base_url"))
    if was != (target.name, target.base_url):
        print(
            console_text(
                f"conformance: warning: {recorded.run_id} probed {was[0]} at {was[1]}; "
                f"{target.source} now says {target.name} at {target.base_url}, which the "
                "replay probes"
            ),
            file=sys.stderr,
        )


def _options(seed: int, selection: dict[str, Any], recorded: dict[str, Any]) -> Options:
    default = Options()
    as_of = recorded.get("as_of")
    try:
        return Options(
            standards=tuple(str(s) for s in selection.get("standards", [])),
            profiles=tuple(str(p) for p in selection.get("profiles", [])),
            requirements=tuple(str(r) for r in selection.get("requirements", [])),
            seed=seed,
            examples=int(recorded.get("examples", default.examples)),
            shrink=bool(recorded.get("shrink", default.shrink)),
            property_calls=int(recorded.get("property_calls", default.property_calls)),
            as_of=instant(str(as_of)) if as_of else None,
            shuffle=bool(recorded.get("shuffle", False)),
            read_only=bool(recorded.get("read_only", False)),
            choices=str(recorded["choices"]) if recorded.get("choices") else None,
        )
    except (TypeError, ValueError, argparse.ArgumentTypeError) as exc:
        raise UsageError(f"--replay: the run's options cannot be read ({exc})") from None


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _file_of(target: dict[str, Any]) -> str:
    source = str(target.get("source", ""))
    return "" if not source or source.startswith("<") else source


def _warn_on_changed_specs(recorded: RecordedRun) -> None:
    current = {f"{s.standard} {s.version}": s.sha256 for s in Catalogue.load().specs.values()}
    changed = sorted(k for k, v in recorded.specs.items() if current.get(k, v) != v)
    if changed:
        print(
            console_text(
                f"conformance: warning: the spec files of {', '.join(changed)} changed since "
                f"{recorded.run_id} (same suite version): the replay sends the same requests "
                "but may judge them otherwise"
            ),
            file=sys.stderr,
        )
