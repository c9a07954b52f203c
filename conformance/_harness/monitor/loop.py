"""The monitor's loop: run on schedule, record, compare with the previous run, alert.

Each run is a whole ``conformance run`` with the options given, its
reports written to ``HISTORY/runs/<run-id>/`` (sealed, as every run). It is
then compared with the newest earlier run that judged something
(``diff.compare``, the same grouping as ``conformance diff``, tolerations
included). An alert is raised when

- ``regression``: a requirement fails or errors now that did not then
  (one a ``--tolerate`` entry in force accepts is not one);
- ``no-verdict``: the run judged nothing (unreachable, no discovery, a
  configuration or internal error) after one that did, or as the first.

An alert is an entry in ``feed.xml`` and a JSON POST to the webhook; the
monitor carries on, and ends with exit code 1 if it raised any.

Exit codes: 0 every run ended and no alert was raised; 1 at least one
alert; 2 a usage error (before any run); 130 Ctrl-C.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from conformance._harness.diff import EXIT_REGRESSED, Kind, Side, compare
from conformance._harness.monitor.feed import FEED_FILE, title, write_feed
from conformance._harness.monitor.history import RUNS, History
from conformance._harness.monitor.schedule import Schedule
from conformance._harness.monitor.webhook import Webhook, post
from conformance._harness.options import Options
from conformance._harness.report_file import REPORT_FILE, read_report
from conformance._harness.results import RunResult
from conformance._harness.runner import run
from conformance._harness.safe_text import console_text
from conformance._harness.site.status import NO_VERDICT, report_state
from conformance._harness.target import Target
from conformance._harness.tolerate import Toleration
from conformance._harness.units import human_duration

EXIT_QUIET = 0
EXIT_ALERTED = 1
REGRESSION = "regression"
NO_VERDICT_ALERT = "no-verdict"


class Clock(Protocol):
    """Time as the monitor reads and spends it (a test may give its own)."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class _SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Plan:
    """What to monitor, how often, how many times, and whom to tell."""

    target: Target
    options: Options
    every: float
    runs: int | None = None
    """Stop after this many runs (None: until interrupted)."""
    second: Target | None = None
    webhook: Webhook | None = None
    tolerations: Sequence[Toleration] = ()


def monitor(
    plan: Plan,
    history: History,
    say: Callable[[str], None] = print,
    clock: Clock | None = None,
) -> int:
    """Run ``plan`` on its schedule, recording into ``history``; the exit code (module doc)."""
    clock = clock or _SystemClock()
    schedule = Schedule(clock.monotonic(), plan.every)
    options = replace(plan.options, report_dir=history.run_dir)
    slot, skipped, done, alerted = 0, 0, 0, False
    while True:
        began = clock.monotonic()
        result = run(plan.target, options=options, second=plan.second)
        ended = clock.monotonic()
        entry = _record(history, result, ended - began, skipped, plan.tolerations)
        done += 1
        total = f" of {plan.runs}" if plan.runs else ""
        say(console_text(f"monitor: run {done}{total}: {result.run_id}: {result.headline()}"))
        if entry["alert"]:
            alerted = True
            _alert(plan, history, entry, say)
        if plan.runs is not None and done >= plan.runs:
            break
        next_slot, at = schedule.next_slot(slot, clock.monotonic())
        skipped, slot = next_slot - slot - 1, next_slot
        wait = max(at - clock.monotonic(), 0.0)
        when = datetime.now(UTC) + timedelta(seconds=wait)
        say(f"monitor: next run at {when:%Y-%m-%dT%H:%M:%SZ} (in {human_duration(wait)})")
        clock.sleep(wait)
    return EXIT_ALERTED if alerted else EXIT_QUIET


def _record(
    history: History,
    result: RunResult,
    took: float,
    skipped: int,
    tolerations: Sequence[Toleration],
) -> dict[str, Any]:
    """The run's entry, compared with the baseline, appended and saved (with the feed)."""
    run_dir = history.run_dir / result.run_id
    report = read_report(run_dir, "run") if (run_dir / REPORT_FILE).is_file() else result.to_json()
    comparable = report["summary"]["verdict"] not in NO_VERDICT and bool(report["requirements"])
    baseline = history.baseline()
    previous = history.runs[-1] if history.runs else None
    entry: dict[str, Any] = {
        "run_id": result.run_id,
        "dir": f"{RUNS}/{result.run_id}",
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "duration_s": round(took, 3),
        "verdict": report["summary"]["verdict"],
        "state": report_state(report),
        "headline": report["summary"]["headline"],
        "counts": report["summary"]["counts"],
        "requests": _requests(run_dir),
        "comparable": comparable,
        "baseline": baseline["run_id"] if baseline else None,
        "alert": None,
        "regressions": [],
        "fixed": [],
        "tolerated": [],
        "skipped_slots": skipped,
        "webhook": None,
    }
    if baseline is not None and comparable:
        before = history.folder / str(baseline["dir"])
        found = compare(
            Side(before, read_report(before, "baseline")), Side(run_dir, report), tolerations
        )
        entry.update(_changes(found.of(Kind.REGRESSION), found.of(Kind.FIXED)))
        entry["tolerated"] = [c.id for c in found.of(Kind.TOLERATED)]
        if found.exit_code() == EXIT_REGRESSED:
            entry["alert"] = REGRESSION
    elif not comparable and (previous is None or previous.get("comparable")):
        entry["alert"] = NO_VERDICT_ALERT
    history.runs.append(entry)
    history.save()
    write_feed(history)
    return entry


def _changes(regressions: Sequence[Any], fixed: Sequence[Any]) -> dict[str, Any]:
    return {
        "regressions": [
            {
                "id": c.id,
                "level": c.level,
                "before": c.before,
                "after": c.after,
                "reason": (c.reason.splitlines() or [""])[0],
            }
            for c in regressions
        ],
        "fixed": [c.id for c in fixed],
    }


def _requests(run_dir: Path) -> int | None:
    """How many exchanges the run recorded (lines of its evidence), None without evidence."""
    try:
        with (run_dir / "evidence.jsonl").open("rb") as evidence:
            return sum(1 for _ in evidence)
    except OSError:
        return None


def _alert(plan: Plan, history: History, entry: dict[str, Any], say: Callable[[str], None]) -> None:
    """Tell: the console, the feed (already written), the webhook (its delivery recorded)."""
    headline = title(history.platform, entry)
    told = f"feed: {history.folder / FEED_FILE}"
    if plan.webhook is not None:
        delivery = post(plan.webhook, _payload(history, entry, headline))
        entry["webhook"] = delivery.to_json()
        history.save()
        told += (
            f"; webhook: delivered to {delivery.to} ({delivery.status})"
            if delivery.delivered
            else f"; webhook: NOT delivered to {delivery.to}: {delivery.problem}"
        )
    say(console_text(f"monitor: ALERT: {headline} ({told})"))


def _payload(history: History, entry: Mapping[str, Any], headline: str) -> dict[str, Any]:
    """The webhook's JSON: what happened, to which platform, in which run, against which."""
    return {
        "event": "conformance.monitor.alert",
        "alert": entry["alert"],
        "title": headline,
        "platform": history.platform,
        "base_url": history.base_url,
        "run_id": entry["run_id"],
        "started_at": entry["started_at"],
        "verdict": entry["verdict"],
        "headline": entry["headline"],
        "baseline": entry["baseline"],
        "regressions": entry["regressions"],
        "report": f"{entry['dir']}/index.html",
    }
