"""A platform's state per standard, in a word a badge can carry.

Read from one run's report, the way the run's verdict is decided, per
standard: a claimed MUST that failed makes the standard ``not conformant``
(even in a narrowed run: that failure stands); one that ended error or skip
makes it ``undecided``; every claimed MUST passing makes it ``conformant``
only when the run judged the standard whole (not narrowed by ``--profile``,
``--requirement``, ``-k``/``-m`` or ``--read-only``), and ``partial``
otherwise. A run whose signature does not verify says ``not verified``
whatever it holds: the site never repeats a claim it cannot check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance._harness.site.collect import Platform, SiteRun

COMMON = "COMMON"
GOOD = frozenset({"pass", "not-applicable"})
UNDECIDED = frozenset({"error", "skip"})
OUTCOMES = ("pass", "fail", "error", "skip", "not-claimed", "not-applicable")
"""Every outcome a report may hold, in the order the site lists them."""


@dataclass(frozen=True)
class Status:
    """One standard's state in one run."""

    standard: str
    version: str
    state: str
    """``conformant``, ``not-conformant``, ``undecided``, ``partial``, ``not-claimed``,
    ``not-verified``: also the CSS class suffix and the badge's colour."""
    run_id: str
    run_slug: str

    @property
    def label(self) -> str:
        """The badge's left half: ``PORT 1.0``."""
        return f"{self.standard} {self.version}".strip()

    @property
    def word(self) -> str:
        """The badge's right half: ``conformant``, ``not conformant``, ..."""
        return self.state.replace("-", " ")

    def to_json(self) -> dict[str, Any]:
        """The status as the site's JSON holds it."""
        return {
            "standard": self.standard,
            "version": self.version,
            "state": self.state,
            "run_id": self.run_id,
        }


def is_must(level: str) -> bool:
    """MUST and MUST NOT decide a verdict; SHOULD never does."""
    return level.startswith("MUST")


def run_statuses(run: SiteRun) -> list[Status]:
    """The state of each standard the run holds requirements of, in the report's order."""
    by_standard: dict[str, list[Mapping[str, Any]]] = {}
    for entry in run.requirements:
        by_standard.setdefault(str(entry["standard"]), []).append(entry)
    selection = run.report.get("selection") or {}
    out = []
    for standard, entries in by_standard.items():
        state = _state(entries, whole=_whole(selection, standard))
        if run.seal.state == "not-verified":
            state = "not-verified"
        out.append(Status(standard, str(entries[0]["version"]), state, run.run_id, run.slug))
    return out


def _state(entries: Sequence[Mapping[str, Any]], *, whole: bool) -> str:
    claimed = [e for e in entries if e["outcome"] != "not-claimed"]
    if not claimed:
        return "not-claimed"
    musts = [e["outcome"] for e in claimed if is_must(str(e["level"]))]
    if "fail" in musts:
        return "not-conformant"
    if any(o in UNDECIDED for o in musts):
        return "undecided"
    return "conformant" if whole else "partial"


def _whole(selection: Mapping[str, Any], standard: str) -> bool:
    """Whether the run's selection left none of ``standard``'s requirements out."""
    if selection.get("profiles") or selection.get("requirements") or selection.get("read_only"):
        return False
    if selection.get("deselected") or selection.get("writes"):
        return False
    standards = selection.get("standards") or []
    return not standards or standard in standards or standard == COMMON


NO_VERDICT = frozenset({"unreachable", "no-discovery", "configuration-error", "internal-error"})


def report_state(report: Mapping[str, Any]) -> str:
    """A whole run's state in one word, as the timelines colour it.

    ``no-verdict`` (nothing judged: unreachable, no discovery, a configuration
    or internal error), ``not-conformant`` (a claimed MUST failed),
    ``undecided``, ``conformant`` (a whole run), or ``partial``.
    """
    verdict = str(report["summary"]["verdict"])
    if verdict in NO_VERDICT:
        return "no-verdict"
    claimed = [
        str(e["outcome"])
        for e in report["requirements"]
        if is_must(str(e["level"])) and e["outcome"] not in ("not-claimed", "not-applicable")
    ]
    if "fail" in claimed:
        return "not-conformant"
    if any(o in UNDECIDED for o in claimed):
        return "undecided"
    return "conformant" if verdict == "conformant" else "partial"


def run_state(run: SiteRun) -> str:
    """``report_state``, or ``not-verified`` when the run's signature does not verify."""
    return "not-verified" if run.seal.state == "not-verified" else report_state(run.report)


def latest_statuses(platform: Platform) -> list[Status]:
    """Per standard, the state in the newest run that held any of its requirements."""
    found: dict[str, Status] = {}
    for run in platform.runs:  # oldest first, so a newer run replaces an older one
        for status in run_statuses(run):
            found[status.standard] = status
    return [found[s] for s in sorted(found)]


def latest_outcomes(platform: Platform) -> dict[str, tuple[str, SiteRun]]:
    """Per requirement id, its outcome in the newest run that judged it, and that run."""
    found: dict[str, tuple[str, SiteRun]] = {}
    for run in platform.runs:
        for entry in run.requirements:
            outcome = str(entry["outcome"])
            found[str(entry["id"])] = (outcome if outcome in OUTCOMES else "other", run)
    return found
