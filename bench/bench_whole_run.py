"""A whole run against the reference: wall time against the HTTP it had to send and wait for.

Method. One child process per choice set (``default``, ``strict``) starts two
reference platforms (the target and PORT-005's second side, as
``conformance run --choices NAME`` does) and runs every check with a fixed
seed. It reports:

- ``wall_s``: the run from ``runner.run`` called to returned (pytest's
  collection, every check, the reports and the signed manifest);
- ``exchanges``: the records of ``evidence.jsonl`` (every request the suite
  sent, both targets);
- ``http_s``: the sum of their recorded ``duration_s`` (request sent to
  answer read: the time those exchanges take over loopback, the server's
  own time included);
- ``waits_s``: the time the suite slept on the main thread, wrapped around
  ``time.sleep`` and grouped by the module that slept: the probe waiting out a
  published quota or a ``Retry-After``, a check waiting for an export to be
  ready within its declared time or for a signed URL to expire. These are the
  waits the platform imposes; the polling granularity (a poll's sleep may
  overshoot the instant the export became ready by its back-off step) is
  counted with them, and shown in ``waits_by_module``.
- ``ratio = wall_s / (http_s + waits_s)``: target ≤ 1.5. What is left,
  ``overhead_s = wall_s - http_s - waits_s``, is the suite's own time
  (collection, data generation, validation, evidence, reports); ``checks_s``
  is the time inside the checks themselves, the rest being the run's fixed
  cost (pytest's start and collection, reports, manifest).

The reference runs in threads of the same process (as the CLI runs it), so
its CPU time competes with the suite's for the GIL and is inside ``http_s``.
``slowest_checks`` lists where the wall time went (per check: exchanges,
their HTTP time, its sleeps) — the profile when the target is missed.

    python bench/bench_whole_run.py [--quick] [--choices default strict]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest

from bench._child import emit, in_child
from conformance._harness.options import Options
from conformance._harness.runner import run
from conformance.reference.choices import choice_set
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

SEED = 20261205
CHOICES = ("default", "strict")
QUICK_STANDARDS = ("DISC",)
"""Quick mode runs one small standard (COMMON comes along), ``default`` only."""
TARGET_RATIO = 1.5
TIMEOUT_S = 1800.0


def measure(quick: bool) -> dict[str, Any]:
    """Each choice set's whole run, measured in a child process."""
    choices = ("default",) if quick else CHOICES
    runs = {}
    for name in choices:
        args = ["--choices", name] + (["--quick"] if quick else [])
        runs[name] = in_child("bench.bench_whole_run", args, TIMEOUT_S)
    return {
        "benchmark": "whole_run",
        "quick": quick,
        "target": f"wall / (HTTP + imposed waits) <= {TARGET_RATIO}",
        "runs": runs,
        "met": all(r["ratio"] <= TARGET_RATIO for r in runs.values()),
    }


def headline(result: dict[str, Any]) -> str:
    """One line per choice set: wall, exchanges, HTTP and waits, the ratio."""
    return "; ".join(
        f"`{name}`: {r['wall_s']:.0f} s wall, {r['exchanges']} exchanges ({r['http_s']:.0f} s "
        f"HTTP + {r['waits_s']:.0f} s waits), ratio {r['ratio']}"
        for name, r in result["runs"].items()
    )


# -- the child: one run ---------------------------------------------------------------------


class Sleeps:
    """``time.sleep`` on the main thread, timed and grouped by the module that called it."""

    def __init__(self) -> None:
        self.by_module: dict[str, float] = defaultdict(float)
        self.by_check: dict[str, float] = defaultdict(float)
        self.check = ""

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Wrap ``time.sleep`` while inside."""
        original = time.sleep
        main = threading.main_thread()

        def sleep(seconds: float) -> None:
            started = time.perf_counter()
            original(seconds)
            if threading.current_thread() is main:
                caller = sys._getframe(1).f_globals.get("__name__", "?")
                spent = time.perf_counter() - started
                self.by_module[str(caller)] += spent
                self.by_check[self.check] += spent

        time.sleep = sleep
        try:
            yield
        finally:
            time.sleep = original


def _check_timer(sleeps: Sleeps) -> tuple[object, dict[str, float]]:
    """A pytest plugin noting each check's wall time and telling ``sleeps`` which check runs."""
    wall: dict[str, float] = {}

    class Timer:
        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Any:
            sleeps.check = item.nodeid
            started = time.perf_counter()
            try:
                return (yield)
            finally:
                wall[item.nodeid] = time.perf_counter() - started
                sleeps.check = ""

    return Timer(), wall


def one_run(choices: str, quick: bool) -> dict[str, Any]:
    """Run the suite once against two reference platforms taking ``choices``."""
    sleeps = Sleeps()
    timer, wall_by_check = _check_timer(sleeps)
    with tempfile.TemporaryDirectory(prefix="bench-whole-run-") as scratch, ExitStack() as stack:
        work = Path(scratch)
        targets = []
        for name in ("reference", "reference-b"):
            platform = stack.enter_context(
                ReferencePlatform(data_dir=work / name, choices=choice_set(choices))
            )
            targets.append(reference_target(platform, name))
        options = Options(
            standards=QUICK_STANDARDS if quick else (),
            seed=SEED,
            report_dir=work / "runs",
            choices=choices,
        )
        with sleeps.watching():
            started = time.perf_counter()
            result = run(targets[0], second=targets[1], options=options, progress=timer)
            wall = time.perf_counter() - started
        evidence = _evidence(work / "runs" / result.run_id / "evidence.jsonl")
    figures = summarise(choices, wall, evidence, sleeps, wall_by_check, str(result.verdict().value))
    figures["not_passing"] = {
        r.info.id: f"{r.outcome.value}: {r.reason.splitlines()[0][:200] if r.reason else ''}"
        for r in result.requirements
        if r.outcome.value not in ("pass", "not-claimed", "not-applicable")
    }
    return figures


def _evidence(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def summarise(
    choices: str,
    wall: float,
    evidence: list[dict[str, Any]],
    sleeps: Sleeps,
    wall_by_check: dict[str, float],
    verdict: str,
) -> dict[str, Any]:
    """The figures of one run (see the module docstring)."""
    http = sum(float(r.get("duration_s") or 0.0) for r in evidence)
    waits = sum(sleeps.by_module.values())
    per_check: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for record in evidence:
        tally = per_check[str(record.get("check"))]
        tally[0] += 1
        tally[1] += float(record.get("duration_s") or 0.0)
    slowest = sorted(wall_by_check.items(), key=lambda kv: -kv[1])[:8]
    return {
        "choices": choices,
        "verdict": verdict,
        "wall_s": round(wall, 2),
        "exchanges": len(evidence),
        "http_s": round(http, 2),
        "waits_s": round(waits, 2),
        "overhead_s": round(wall - http - waits, 2),
        "checks_s": round(sum(wall_by_check.values()), 2),
        "ratio": round(wall / max(http + waits, 1e-9), 2),
        "waits_by_module": {k: round(v, 2) for k, v in sorted(sleeps.by_module.items())},
        "slowest_checks": [
            {
                "check": nodeid.rsplit("::", 1)[-1],
                "wall_s": round(spent, 2),
                "sleeps_s": round(sleeps.by_check.get(nodeid, 0.0), 2),
                **_exchanges_of(nodeid, per_check),
            }
            for nodeid, spent in slowest
        ],
    }


def _exchanges_of(nodeid: str, per_check: dict[str, list[float]]) -> dict[str, Any]:
    hits = [v for k, v in per_check.items() if nodeid.endswith(k) or k.endswith(nodeid)]
    return {
        "exchanges": int(sum(v[0] for v in hits)),
        "http_s": round(sum(v[1] for v in hits), 2),
    }


def main(
    argv: list[str] | None = None, measurer: Callable[[bool], dict[str, Any]] = measure
) -> int:
    """The CLI: print the measurement as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one small standard, default only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--choices", default="default", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        emit(one_run(args.choices, args.quick))
    else:
        print(json.dumps(measurer(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
