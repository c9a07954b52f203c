"""What a results site is made of: the runs found under the paths given, read and grouped.

``conformance publish`` takes run directories (``reports/<run-id>``), report
directories that hold runs (``reports/``), folders of report directories (a
campaign's ``--out DIR``), and monitor histories
(``conformance monitor --history DIR``: a ``history.json`` beside
``runs/``). Each run's ``report.json`` is read and checked against its
schema (``report_file``); runs are grouped into platforms by the target's
name, and each platform's runs are put in time order.

Nothing here writes; ``publish`` copies and verifies.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance._harness.errors import UsageError
from conformance._harness.monitor.history import HISTORY_FILE
from conformance._harness.monitor.history import RUNS as HISTORY_RUNS
from conformance._harness.report.outputs import run_dirs
from conformance._harness.report_file import REPORT_FILE, read_report

_RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Seal:
    """Whether a published run verifies (``conformance verify`` on the copy the site serves)."""

    state: str
    """``verified``, ``not-verified`` or ``unsigned`` (no ``manifest.sig``)."""
    signer: str = ""
    pinned: bool = False
    problems: tuple[str, ...] = ()

    def words(self) -> str:
        """The seal in a short sentence for a page."""
        if self.state == "verified":
            whose = "the key given to publish (--key)" if self.pinned else "the key in the run"
            return f"verified: signed by {whose}, {self.signer}; every file as sealed"
        if self.state == "unsigned":
            return "unsigned: nothing shows these files are as the run wrote them"
        return f"NOT VERIFIED: {len(self.problems)} problem(s); see the run's page"

    def to_json(self) -> dict[str, Any]:
        """The seal as the site's JSON holds it."""
        return {
            "state": self.state,
            "signer": self.signer or None,
            "pinned": self.pinned,
            "problems": list(self.problems),
        }


@dataclass
class SiteRun:
    """One run on the site: its report, where it came from, and its name on the site."""

    report: Mapping[str, Any]
    source: Path
    slug: str
    seal: Seal = field(default_factory=lambda: Seal("unsigned"))
    full_report: bool = False
    """True when the run's own ``index.html`` is published beside it."""

    @property
    def run_id(self) -> str:
        """The run's id as its report names it."""
        return str(self.report["run_id"])

    @property
    def platform(self) -> str:
        """The target's name: what groups runs into a platform."""
        return str(self.report["target"].get("name") or "(unnamed target)")

    @property
    def started_at(self) -> str:
        """When the run started (UTC, as written)."""
        return str(self.report["started_at"])

    @property
    def verdict(self) -> str:
        """The run's verdict (``partial``, ``not-conformant``, ...)."""
        return str(self.report["summary"]["verdict"])

    @property
    def requirements(self) -> Sequence[Mapping[str, Any]]:
        """The requirement entries of the report, in its order."""
        return self.report["requirements"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class MonitorHistory:
    """A ``conformance monitor`` history: its ``history.json`` and where it was found."""

    source: Path
    document: Mapping[str, Any]

    @property
    def platform(self) -> str:
        """The monitored platform's name."""
        return str(self.document.get("platform") or "(unnamed target)")

    @property
    def entries(self) -> list[Mapping[str, Any]]:
        """The scheduled runs, oldest first (entries that are not objects left out)."""
        runs = self.document.get("runs")
        return [e for e in runs if isinstance(e, dict)] if isinstance(runs, list) else []


@dataclass
class Platform:
    """Every run of one target (by name), oldest first, and its monitor histories."""

    name: str
    slug: str
    runs: list[SiteRun] = field(default_factory=list)
    monitors: list[MonitorHistory] = field(default_factory=list)

    @property
    def latest(self) -> SiteRun | None:
        """The newest run."""
        return self.runs[-1] if self.runs else None


@dataclass
class Sources:
    """Run directories and monitor histories found under the paths given."""

    runs: list[Path] = field(default_factory=list)
    histories: list[MonitorHistory] = field(default_factory=list)


def find_sources(paths: Iterable[Path]) -> Sources:
    """Every run directory and history under ``paths``; a path holding neither is a usage error."""
    found = Sources()
    for path in paths:
        if (path / REPORT_FILE).is_file():
            found.runs.append(path)
        elif (path / HISTORY_FILE).is_file():
            found.histories.append(read_history(path))
            folder = path / HISTORY_RUNS
            found.runs += _runs_under(folder) if folder.is_dir() else []
        elif path.is_dir():
            runs = _runs_under(path) or _runs_of_report_dirs(path)
            if not runs:
                raise UsageError(
                    f"{path} holds no run (no {REPORT_FILE} in it or in a folder of it). "
                    "Fix: give run directories (reports/<run-id>), a report directory "
                    "(reports/) or a monitor history (the --history DIR of conformance monitor)"
                )
            found.runs += runs
        else:
            what = "does not exist" if not path.exists() else "is not a directory"
            raise UsageError(
                f"{path} {what}. Fix: give run directories, report directories or monitor histories"
            )
    if not found.runs and not found.histories:
        raise UsageError("nothing to publish: no run was found. Fix: give at least one run")
    return found


def _runs_under(folder: Path) -> list[Path]:
    return [p for p in run_dirs(folder) if (p / REPORT_FILE).is_file()]


def _runs_of_report_dirs(folder: Path) -> list[Path]:
    """The runs of each report directory in ``folder``: a ``conformance campaign --out DIR``
    (DIR/<target>/<run-id>); a target that left no run is passed over (campaign.json says why)."""
    return [run for report_dir in run_dirs(folder) for run in _runs_under(report_dir)]


def read_history(folder: Path) -> MonitorHistory:
    """A monitor's ``history.json``; one that is not a history is a usage error."""
    path = folder / HISTORY_FILE
    try:
        document = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a readable monitor history ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        raise UsageError(
            f"{path}: not a monitor history (no list of runs). "
            "Fix: give the --history DIR conformance monitor wrote"
        )
    return MonitorHistory(folder, document)


def read_runs(paths: Sequence[Path]) -> tuple[list[SiteRun], list[str]]:
    """The runs of ``paths`` (each report checked); a run found twice is kept once, said."""
    runs: dict[str, SiteRun] = {}
    notes = []
    for path in paths:
        report = read_report(path, "run")
        run = SiteRun(report, path, run_slug(str(report["run_id"])))
        if run.run_id in runs:
            notes.append(f"{path}: run {run.run_id} also at {runs[run.run_id].source}; kept once")
            continue
        runs[run.run_id] = run
    return list(runs.values()), notes


def group(runs: Iterable[SiteRun], histories: Iterable[MonitorHistory]) -> list[Platform]:
    """Platforms by target name (in name order), each with its runs oldest first."""
    platforms: dict[str, Platform] = {}
    for run in runs:
        name = run.platform
        platforms.setdefault(name, Platform(name, platform_slug(name))).runs.append(run)
    for history in histories:
        name = history.platform
        platforms.setdefault(name, Platform(name, platform_slug(name))).monitors.append(history)
    for platform in platforms.values():
        platform.runs.sort(key=lambda r: (r.started_at, r.run_id))
    return [platforms[name] for name in sorted(platforms)]


def run_slug(run_id: str) -> str:
    """The run's name in the site's paths: its id when that is a plain file name, else a hash."""
    if _RUN_NAME.fullmatch(run_id) and not run_id.endswith(".html"):
        return run_id
    return "run-" + _digest(run_id)[:16]


def platform_slug(name: str) -> str:
    """A file name for a platform: its name in letters and digits, and a hash that keeps
    two names that read alike (``a b``, ``a-b``) apart."""
    base = _SLUG_UNSAFE.sub("-", name.lower()).strip("-")[:40].strip("-") or "platform"
    return f"{base}-{_digest(name)[:6]}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
