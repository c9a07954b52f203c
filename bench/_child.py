"""Running one measurement in a child process, so its memory and interpreter are its own.

A benchmark that reports peak memory must not count what the parent (or an
earlier benchmark) allocated; one that runs pytest in-process must not leave
its state to the next. :func:`in_child` runs ``python -m <module> --child ...``
and reads back the JSON object the child printed last.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
"""The checkout: the child runs from here so ``bench`` and ``conformance`` import."""


def in_child(module: str, args: list[str], timeout: float) -> dict[str, Any]:
    """Run ``python -m module --child *args`` and return the JSON object it printed last."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    done = subprocess.run(
        [sys.executable, "-m", module, "--child", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{module} --child {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}"
        )
    loaded: dict[str, Any] = json.loads(lines[-1])
    return loaded


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(result: dict[str, Any]) -> None:
    """Print a measurement as one JSON line (what :func:`in_child` reads back)."""
    print(json.dumps(result, sort_keys=True), flush=True)
