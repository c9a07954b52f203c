"""``conformance diff BASELINE NEW``: what changed between two runs, for gating CI on it.

Each requirement (and each of its checks) of the two reports is put in one
of these groups:

- regression: it fails or errors now and did not in the baseline (it
  passed, was not applicable, skipped, not claimed, or was not in the
  baseline at all); also an already failing requirement with a check that
  newly fails. Only regressions make the exit code non-zero.
- tolerated: a regression a ``--tolerate`` entry in force accepts.
- fixed: failed or errored in the baseline, passes (or is not applicable) now.
- unchanged failure: failed or errored in both, no check newly failing.
- new / removed: in one report only (a narrower selection, or a suite
  that gained or dropped the requirement).
- other change: neither a failure nor a fix (pass to skip, fail to not-claimed).

Exit codes (also in the README):

==  =====================================================================
0   no new failure: no regression, or every one tolerated
1   at least one regression no tolerate entry in force accepts
2   usage error: a missing or unreadable report, a malformed tolerate file
3   not comparable: the new run decided nothing to compare (a
    configuration error, an internal error of the suite)
==  =====================================================================
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance._harness.report_file import read_report
from conformance._harness.safe_text import console_text
from conformance._harness.tolerate import Toleration, today_utc

EXIT_NO_NEW_FAILURE = 0
EXIT_REGRESSED = 1
EXIT_USAGE = 2
EXIT_NOT_COMPARABLE = 3

FAILING = frozenset({"fail", "error"})
GOOD = frozenset({"pass", "not-applicable"})
_UNJUDGED = frozenset({"configuration-error", "internal-error"})
_REASON_LINES = 12


class Kind(enum.StrEnum):
    """The group a requirement falls in."""

    REGRESSION = "regression"
    TOLERATED = "tolerated"
    FIXED = "fixed"
    UNCHANGED = "unchanged-failure"
    NEW = "new"
    REMOVED = "removed"
    CHANGED = "other-change"
    SAME = "same"


@dataclass(frozen=True)
class CheckChange:
    """One check whose outcome differs between the runs (None: not in that run)."""

    check: str
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        """The check change as ``--json`` writes it."""
        return {"check": self.check, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Change:
    """One requirement in both (or either) runs, and the group it falls in."""

    id: str
    level: str
    before: str | None
    after: str | None
    kind: Kind
    reason: str = ""
    """The new run's reason (the baseline's for a removed requirement)."""
    checks: tuple[CheckChange, ...] = ()
    toleration: Toleration | None = None
    """The tolerate entry naming it, when it fails now."""
    accepted: bool = False
    """True when that entry is in force (False: it expired and accepts nothing)."""

    def to_json(self) -> dict[str, Any]:
        """The change as ``--json`` writes it."""
        entry = self.toleration
        return {
            "id": self.id,
            "level": self.level,
            "before": self.before,
            "after": self.after,
            "kind": self.kind.value,
            "reason": self.reason,
            "checks": [c.to_json() for c in self.checks],
            "toleration": None
            if entry is None
            else {
                "reason": entry.reason,
                "expires": entry.expires.isoformat(),
                "where": entry.where,
                "in_force": self.accepted,
            },
        }


@dataclass(frozen=True)
class Side:
    """One report: where it was read from and what it holds."""

    path: Path
    report: Mapping[str, Any]

    def describe(self) -> str:
        """``path (run ID, target NAME, verdict)``."""
        r = self.report
        return (
            f"{self.path} (run {r['run_id']}, target {r['target'].get('name')}, "
            f"{r['summary']['verdict']})"
        )


@dataclass
class Diff:
    """Everything ``conformance diff`` found, in the groups of the module docstring."""

    baseline: Side
    new: Side
    changes: list[Change] = field(default_factory=list)
    expired: list[Toleration] = field(default_factory=list)
    unused: list[Toleration] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_comparable: str = ""

    def of(self, *kinds: Kind) -> list[Change]:
        """The changes of these kinds, in report order."""
        return [c for c in self.changes if c.kind in kinds]

    def added(self) -> list[Change]:
        """Requirements only the new run holds (a failing one is also a regression)."""
        return [c for c in self.changes if c.before is None]

    def exit_code(self) -> int:
        """The documented exit code (module docstring)."""
        if self.not_comparable:
            return EXIT_NOT_COMPARABLE
        return EXIT_REGRESSED if self.of(Kind.REGRESSION) else EXIT_NO_NEW_FAILURE

    def to_json(self) -> dict[str, Any]:
        """The whole comparison as data (``conformance diff --json FILE``)."""
        return {
            "baseline": {"path": str(self.baseline.path), "run_id": self.baseline.report["run_id"]},
            "new": {"path": str(self.new.path), "run_id": self.new.report["run_id"]},
            "exit_code": self.exit_code(),
            "not_comparable": self.not_comparable or None,
            "changes": [c.to_json() for c in self.changes if c.kind is not Kind.SAME],
            "expired_tolerations": [_entry_json(t) for t in self.expired],
            "unused_tolerations": [_entry_json(t) for t in self.unused],
            "notes": list(self.notes),
        }


def load_report(path: Path, role: str) -> Side:
    """The report of a run's directory or a ``report.json``; a ``UsageError`` if it is neither."""
    return Side(path, read_report(path, role))


def compare(
    baseline: Side,
    new: Side,
    tolerations: Sequence[Toleration] = (),
    today: dt.date | None = None,
) -> Diff:
    """Group every requirement of the two reports, the tolerations applied as of ``today``."""
    today = today or today_utc()
    diff = Diff(baseline, new, notes=_notes(baseline.report, new.report))
    verdict = new.report["summary"]["verdict"]
    if verdict in _UNJUDGED or (not new.report["requirements"] and baseline.report["requirements"]):
        diff.not_comparable = (
            f"the new run decided nothing to compare: {new.report['summary']['headline']}"
        )
    before = {r["id"]: r for r in baseline.report["requirements"]}
    after = {r["id"]: r for r in new.report["requirements"]}
    entries = {t.requirement: t for t in tolerations}
    for rid in [*after, *(r for r in before if r not in after)]:
        change = _change(before.get(rid), after.get(rid))
        entry = entries.get(rid)
        if entry is not None and change.after in FAILING:
            change = _tolerated(change, entry, entry.in_force(today))
        diff.changes.append(change)
    failing_now = {c.id for c in diff.changes if c.after in FAILING}
    diff.expired = [t for t in tolerations if not t.in_force(today)]
    diff.unused = [t for t in tolerations if t.in_force(today) and t.requirement not in failing_now]
    return diff


def _change(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> Change:
    """The group of one requirement, from its two entries (None: absent from that run)."""
    ref: Mapping[str, Any] = new or old or {}
    was = old["outcome"] if old is not None else None
    now = new["outcome"] if new is not None else None
    checks = _checks(old, new)
    newly = any(c.after in FAILING and c.before not in FAILING for c in checks)
    if now is None:
        kind = Kind.REMOVED
    elif now in FAILING and (was not in FAILING or newly):
        kind = Kind.REGRESSION
    elif was is None:
        kind = Kind.NEW
    elif now in FAILING:
        kind = Kind.UNCHANGED
    elif was in FAILING and now in GOOD:
        kind = Kind.FIXED
    else:
        kind = Kind.CHANGED if now != was else Kind.SAME
    return Change(ref["id"], ref["level"], was, now, kind, ref["reason"], checks)


def _checks(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> tuple[CheckChange, ...]:
    """The checks whose outcome differs (a check in one run only included)."""
    if old is None or new is None:
        return ()
    was = {c["check"]: c["outcome"] for c in old["checks"]}
    now = {c["check"]: c["outcome"] for c in new["checks"]}
    names = [*now, *(c for c in was if c not in now)]
    return tuple(
        CheckChange(name, was.get(name), now.get(name))
        for name in names
        if was.get(name) != now.get(name)
    )


def _tolerated(change: Change, entry: Toleration, in_force: bool) -> Change:
    """A failing requirement a tolerate entry names: a regression it accepts is tolerated."""
    kind = Kind.TOLERATED if in_force and change.kind is Kind.REGRESSION else change.kind
    return replace(change, kind=kind, toleration=entry, accepted=in_force)


def _notes(baseline: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What makes the two runs less alike than a reader would assume."""
    notes = []
    for key in ("name", "base_url"):
        if baseline["target"].get(key) != new["target"].get(key):
            notes.append(
                f"the runs probed different targets: {key} {baseline['target'].get(key)!r} "
                f"in the baseline, {new['target'].get(key)!r} now"
            )
    if baseline["suite_version"] != new["suite_version"]:
        notes.append(
            f"suite version {baseline['suite_version']} in the baseline, {new['suite_version']} now"
        )
    specs = {s["standard"]: s for s in baseline["specs"]}
    for spec in new["specs"]:
        old = specs.get(spec["standard"])
        if old is not None and (old["version"], old["sha256"]) != (spec["version"], spec["sha256"]):
            notes.append(
                f"the {spec['standard']} spec changed: {old['version']} "
                f"({old['sha256'][:12]}) in the baseline, {spec['version']} ({spec['sha256'][:12]}) now"
            )
    a, b = baseline["selection"]["description"], new["selection"]["description"]
    if a != b:
        notes.append(f"the runs selected differently: baseline {a!r}, new {b!r}")
    if baseline["summary"]["verdict"] in _UNJUDGED:
        notes.append(f"the baseline decided little or nothing: {baseline['summary']['headline']}")
    return notes


def render(diff: Diff, tolerate_file: str = "") -> str:
    """The comparison as console text: groups that hold something, then the last line."""
    lines = [
        "conformance diff",
        f"  baseline: {diff.baseline.describe()}",
        f"  new:      {diff.new.describe()}",
        *(f"note: {n}" for n in diff.notes),
    ]
    by = tolerate_file or "the tolerate file"
    sections: list[tuple[str, Iterable[Change], bool]] = [
        ("REGRESSIONS ({}): did not fail in the baseline, fail now", diff.of(Kind.REGRESSION), True),
        (f"TOLERATED ({{}}): regressions {by} accepts", diff.of(Kind.TOLERATED), False),
        ("FIXED ({}): failed in the baseline, pass now", diff.of(Kind.FIXED), False),
        ("UNCHANGED FAILURES ({}): failed in both", diff.of(Kind.UNCHANGED), False),
        ("NEW ({}): only in the new run", diff.added(), False),
        ("REMOVED ({}): only in the baseline (not selected now, or not in the suite)",
         diff.of(Kind.REMOVED), False),
        ("OTHER CHANGES ({}): neither a new failure nor a fix", diff.of(Kind.CHANGED), False),
    ]  # fmt: skip
    for title, changes, whole in sections:
        listed = list(changes)
        if listed:
            lines += ["", title.format(len(listed))]
            for change in listed:
                lines += _lines(change, whole)
    if diff.expired:
        lines += ["", f"EXPIRED TOLERATIONS ({len(diff.expired)}): no longer accept a failure"]
        lines += [
            f"  {t.requirement:<10} expired {t.expires.isoformat()} ({t.where}): {t.reason}"
            for t in diff.expired
        ]
    if diff.unused:
        lines += ["", f"UNUSED TOLERATIONS ({len(diff.unused)}): the requirement does not fail now"]
        lines += [f"  {t.requirement:<10} ({t.where}): remove the entry" for t in diff.unused]
    lines += ["", _summary(diff), _last_line(diff)]
    return console_text("\n".join(lines))


def _lines(change: Change, whole: bool) -> list[str]:
    reason = change.reason.splitlines() or [""]
    head = (
        f"  {change.id:<10} {change.level:<9} {change.before or '(absent)'} -> "
        f"{change.after or '(absent)'}"
    )
    entry = change.toleration
    if entry is not None and change.accepted:
        head += f"  accepted until {entry.expires.isoformat()}: {entry.reason}"
    elif entry is not None:
        head += f"  (its toleration expired {entry.expires.isoformat()})"
    lines = [head]
    for check in change.checks:
        lines.append(
            f"      check {check.check}: {check.before or '(absent)'} -> {check.after or '(absent)'}"
        )
    if change.after in FAILING or change.kind is Kind.REMOVED:
        shown = reason if whole else reason[:1]
        if len(shown) > _REASON_LINES:
            cut = len(shown) - _REASON_LINES
            shown = [
                *shown[: _REASON_LINES - 1],
                f"... ({cut} lines more in report.json)",
                shown[-1],
            ]
        lines += [f"      {line}" for line in shown if line.strip()]
    return lines


def _summary(diff: Diff) -> str:
    counts = [
        (len(diff.of(Kind.REGRESSION)), "regression(s)"),
        (len(diff.of(Kind.TOLERATED)), "tolerated"),
        (len(diff.of(Kind.FIXED)), "fixed"),
        (len(diff.of(Kind.UNCHANGED)), "unchanged failure(s)"),
        (len(diff.added()), "new"),
        (len(diff.of(Kind.REMOVED)), "removed"),
        (len(diff.of(Kind.CHANGED)), "other change(s)"),
        (len(diff.expired), "expired toleration(s)"),
    ]
    return ", ".join(f"{n} {what}" for n, what in counts)


def _last_line(diff: Diff) -> str:
    if diff.not_comparable:
        return f"NOT COMPARABLE: {diff.not_comparable}"
    regressions = [c.id for c in diff.of(Kind.REGRESSION)]
    if regressions:
        return f"REGRESSED: {', '.join(regressions)} fail now and did not in the baseline"
    tolerated = len(diff.of(Kind.TOLERATED))
    return "NO NEW FAILURES" + (f" ({tolerated} tolerated)" if tolerated else "")


def _entry_json(entry: Toleration) -> dict[str, str]:
    return {
        "requirement": entry.requirement,
        "reason": entry.reason,
        "expires": entry.expires.isoformat(),
        "where": entry.where,
    }
