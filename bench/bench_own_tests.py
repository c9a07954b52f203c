"""The suite's own tests: the fast tier and the README's full test command, timed.

Method. Each tier runs as the README and ``tox`` run it, in a child process
from the project's root, with this interpreter's pytest (the environment tox
builds holds the same packages):

- **fast** (``tox -e fast``): ``pytest tests -m "not slow" -n 2``: pure logic,
  the plugin, one choice set; for the inner loop. Target: under 3 minutes.
- **full** (``tox -e tests``, which ``.ci/run`` runs after building the Docker
  images): ``pytest tests -n 6 --longest-first``, every test, the sensitivity
  runs over the whole choice space, Docker, moto, the registry and Chromium
  included. Target: under 30 minutes. Not run by ``--quick`` (it takes most
  of the budget of a CI run).

Reported per tier: wall seconds, the counts pytest gives (passed, failed,
skipped, errors) and its exit code. A tier that fails a test, or collects
none (exit 5), is reported as not met whatever its time: a fast failure is
no figure.

    python bench/bench_own_tests.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIERS: dict[str, tuple[tuple[str, ...], float]] = {
    "fast": (("-m", "not slow", "-n", "2", "-q"), 180.0),
    "full": (("-n", "6", "--longest-first", "-q"), 1800.0),
}
"""Each tier's pytest arguments (after ``tests -p no:cacheprovider``) and its target in seconds:
tox.ini's (``tests/test_bench.py`` holds them to it)."""
BYTECODE: dict[str, bool] = {"fast": True, "full": False}
"""Whether each tier keeps Python's bytecode (and pytest's rewritten modules), as tox.ini's
``PYTHONDONTWRITEBYTECODE`` for its environment says: the inner loop does, and is timed with
the cache an earlier run left (its first run on a clean clone pays about a fifth more CPU)."""
CAP_S = 3600.0
"""No tier may run longer than this: it is stopped, and reported as not met."""
COUNTS = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")


def measure(quick: bool) -> dict[str, Any]:
    """Wall time of each tier (``fast`` only when ``quick``) against its target."""
    tiers = {
        name: run_tier(*TIERS[name], bytecode=BYTECODE[name])
        for name in TIERS
        if not (quick and name == "full")
    }
    return {
        "benchmark": "own_tests",
        "quick": quick,
        "tiers": tiers,
        "target": "fast tier < 180 s; the full test command < 1800 s; no test failing",
        "met": all(t["met"] for t in tiers.values()) if tiers else False,
    }


def run_tier(
    args: Sequence[str],
    target_s: float,
    paths: Sequence[str] = ("tests",),
    *,
    bytecode: bool = False,
) -> dict[str, Any]:
    """One pytest run of ``paths`` from the project's root: its time, counts and verdict.

    ``bytecode``: Python writes (and reads) its bytecode cache, as tox lets the tier.
    """
    command = [sys.executable, "-m", "pytest", *paths, "-p", "no:cacheprovider", *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CAP_S, check=False
        )
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired:
        code, output = -1, f"stopped after {CAP_S:.0f} s"
    seconds = round(time.perf_counter() - started, 1)
    counts = summary_counts(output)
    return {
        "command": " ".join(["pytest", *command[3:]]),
        "bytecode_cache": bytecode,
        "seconds": seconds,
        "target_s": target_s,
        "exit_code": code,
        "counts": counts,
        "met": code == 0 and counts.get("passed", 0) > 0 and seconds < target_s,
        "tail": output.strip().splitlines()[-3:] if code != 0 else [],
    }


def summary_counts(output: str) -> dict[str, int]:
    """The counts of pytest's last summary line (``12 passed, 1 skipped in 3.0s``)."""
    lines = [line for line in output.splitlines() if COUNTS.search(line) and " in " in line]
    if not lines:
        return {}
    return {
        kind.rstrip("s") if kind.startswith("error") else kind: int(n)
        for n, kind in COUNTS.findall(lines[-1])
    }


def headline(result: dict[str, Any]) -> str:
    parts = []
    for name, tier in result["tiers"].items():
        counts = tier["counts"]
        failing = counts.get("failed", 0) + counts.get("error", 0)
        parts.append(
            f"{name} {tier['seconds']:.0f} s ({counts.get('passed', 0)} passed"
            + (f", {failing} failing" if failing else "")
            + ")"
        )
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the fast tier only")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
