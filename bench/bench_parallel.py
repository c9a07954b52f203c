"""A campaign of 8 targets with ``--parallel 1`` and ``--parallel 2``, side by side.

Method. Eight reference platforms are started once, each in its own process
(``campaign.fleet``: default, alt, strict, seed:3, seed:17, a second default,
and two behind named faults), so that serving one does not compete with
serving another for a GIL. The same campaign (``campaign.pool.run_all``,
each target's run in its own ``conformance run`` process) then runs over
them with at most 1 and at most 2 runs at once, one after the other in one
benchmark run, into one folder as a nightly campaign would: the second finds
the first's ``campaign.json`` and starts the targets that took longest first
(``campaign.history``; without it, the strict target's run, the longest,
starts third and ends last). Reported: each wall time, the speedup (target ≥ 1.6 on this
2-core machine), the CPU time the runs' processes used (from
``RUSAGE_CHILDREN``; with the platforms' own CPU outside it, it shows how
much of a run is computing rather than waiting), and each target's exit code
(all 8 must be judged: exit 0, or 1 for the two faulty ones).

Selection: ``--quick`` narrows each run to DISC-001 and DISC-004 (the fixed
cost of a run — interpreter, imports, pytest's collection, reports, signed
manifest — dominates); the full measurement runs the whole of DISC (COMMON
comes along), about 10 s a run.

    python bench/bench_parallel.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance._harness.campaign.fleet import Member, ReferenceFleet
from conformance._harness.campaign.history import last_durations
from conformance._harness.campaign.plan import plan_targets
from conformance._harness.campaign.pool import run_all
from conformance._harness.campaign.summary import SUMMARY_FILE, Campaign, write_summary
from conformance._harness.campaign.unit import Settings, suite_command

MEMBERS = (
    Member("ref-default"),
    Member("ref-alt", "alt"),
    Member("ref-strict", "strict"),
    Member("ref-seed-3", "seed:3"),
    Member("ref-seed-17", "seed:17"),
    Member("ref-default-b"),
    Member("fault-no-ranking", fault="disclosure-without-ranking"),
    Member("fault-commission", fault="commission-above-published"),
)
QUICK = ("--requirement", "DISC-001", "--requirement", "DISC-004")
FULL = ("--standard", "DISC")
TARGET_SPEEDUP = 1.6
TIMEOUT_S = 900.0


def measure(quick: bool) -> dict[str, Any]:
    """Wall time of the same 8-target campaign at --parallel 1 and 2, and the speedup."""
    selection = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as scratch:
        folder = Path(scratch)
        with ReferenceFleet(MEMBERS, folder / "targets"):
            targets = plan_targets([folder / "targets"])
            # One folder, as a nightly campaign: the second finds the first's summary there
            # and starts the targets that took longest first (campaign.history).
            sides = {n: _campaign(targets, folder / "out", selection, n) for n in (1, 2)}
    speedup = sides[1]["wall_s"] / sides[2]["wall_s"]
    return {
        "targets": len(MEMBERS),
        "selection": " ".join(selection),
        "parallel_1": sides[1],
        "parallel_2": sides[2],
        "speedup": round(speedup, 2),
        "target_speedup": TARGET_SPEEDUP,
        "target": f"--parallel 2 at least {TARGET_SPEEDUP}× faster than --parallel 1",
        "met": speedup >= TARGET_SPEEDUP,
    }


def _campaign(targets: Any, out: Path, selection: tuple[str, ...], parallel: int) -> dict[str, Any]:
    settings = Settings(out, suite_command(list(selection)), TIMEOUT_S)
    durations = last_durations(out / SUMMARY_FILE)
    began = datetime.now(UTC)
    cpu_before = _children_cpu()
    started = time.perf_counter()
    outcomes, _ = run_all(targets, settings, parallel, durations=durations)
    wall = time.perf_counter() - started
    write_summary(Campaign(out, outcomes, began, datetime.now(UTC), parallel, TIMEOUT_S, ()))
    return {
        "wall_s": round(wall, 2),
        "runs_cpu_s": round(_children_cpu() - cpu_before, 2),
        "judged": sum(o.judged for o in outcomes),
        "exit_codes": {o.target.name: o.exit_code for o in outcomes},
        "slowest_run_s": round(max(o.duration for o in outcomes), 2),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def headline(result: dict[str, Any]) -> str:
    """One line for bench/run_all's table."""
    return (
        f"8 targets: --parallel 1 {result['parallel_1']['wall_s']} s, "
        f"--parallel 2 {result['parallel_2']['wall_s']} s: {result['speedup']}× "
        f"(target ≥ {TARGET_SPEEDUP}×)"
    )


def main(argv: list[str] | None = None) -> int:
    """The CLI: print the measurement as JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument(
        "--quick", action="store_true", help="each run narrowed to DISC-001 and DISC-004"
    )
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
