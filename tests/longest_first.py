"""Longest tests first across xdist workers, so the slowest one does not start last.

The full run is a few long waits (whole-catalogue runs pacing a strict quota,
signed URLs whose lifetime is waited out) among two thousand short tests. In
collection order a ten-minute run may start when the others are nearly done,
and the session lasts as long as it. ``--longest-first`` (tox's full command)
hands out work in order of its recorded duration (``durations.json``), which
is list scheduling by longest processing time: the session ends close to the
total work divided by the workers.

A unit of work is a module's tests together (its module-scoped fixtures are
made once), except a parametrised test recorded at ``SPLIT_AT`` seconds or
more, which is a unit of its own. A worker runs a test only once it holds the
next one, so a worker starting a long unit is also handed the shortest unit
waiting, never a second long one.

Most of the long units mostly wait (a quota paced, a lifetime waited out):
started together, as longest-first alone would, they leave both cores idle
for minutes. So the recorded CPU time counts too (the worker's and that of
the children it waited for, a ``cpu`` property conftest.py adds to each
JUnit case): a unit using under ``WAITS_BELOW`` of one core waits, and with
more workers than cores, only the workers beyond the cores run waiting
units while the others keep the cores busy, until one kind runs out.

Refresh the durations from a JUnit file of a full run::

    python tests/longest_first.py JUNIT_XML
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.etree import ElementTree

DURATIONS = Path(__file__).with_name("durations.json")
SPLIT_AT = 2.0
"""Seconds from which a parametrised test is a unit of its own."""
UNKNOWN = 0.2
"""Seconds assumed for a test not in the durations (most tests take less)."""
BUSY = 10.0
"""Seconds of work a worker holds beyond which it is handed the shortest unit."""
KEPT_FROM = 1.0
"""Tests faster than this are not recorded."""
WAITS_BELOW = 0.35
"""Share of one core under which a unit is one that mostly waits."""


def _load(path: Path) -> dict[str, list[float]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {
        str(k): [float(x) for x in (v if isinstance(v, list) else [v])] for k, v in data.items()
    }


def load_durations(path: Path = DURATIONS) -> dict[str, float]:
    """Node id → seconds, as last recorded (empty when the file is missing)."""
    return {nodeid: record[0] for nodeid, record in _load(path).items()}


def load_cpu(path: Path = DURATIONS) -> dict[str, float]:
    """Node id → CPU seconds, for the tests recorded with them."""
    return {nodeid: record[1] for nodeid, record in _load(path).items() if len(record) > 1}


def scope_of(nodeid: str, durations: Mapping[str, float]) -> str:
    """The unit ``nodeid`` belongs to: its module, or itself (see the module's docstring)."""
    if "[" in nodeid and durations.get(nodeid, 0.0) >= SPLIT_AT:
        return nodeid
    return nodeid.split("::", 1)[0]


def units(nodeids: Iterable[str], durations: Mapping[str, float]) -> OrderedDict[str, list[str]]:
    """The units of ``nodeids`` (each in collection order), longest first."""
    found: dict[str, list[str]] = {}
    for nodeid in nodeids:
        found.setdefault(scope_of(nodeid, durations), []).append(nodeid)
    ordered = sorted(found.items(), key=lambda kv: -estimate(kv[1], durations))
    return OrderedDict(ordered)


def estimate(nodeids: Iterable[str], durations: Mapping[str, float]) -> float:
    """Seconds ``nodeids`` are expected to take."""
    return sum(durations.get(n, UNKNOWN) for n in nodeids)


def waits(nodeids: Iterable[str], durations: Mapping[str, float], cpu: Mapping[str, float]) -> bool:
    """Whether a unit of ``nodeids`` mostly waits (a long one, every long test's CPU known)."""
    timed = [n for n in nodeids if n in durations]
    wall = sum(durations[n] for n in timed)
    if wall < SPLIT_AT or any(n not in cpu for n in timed):
        return False
    return sum(cpu[n] for n in timed) < WAITS_BELOW * wall


def nodeid_of(classname: str, name: str) -> str:
    """A JUnit test case's node id (``tests.docker.test_e2e`` + ``test_x[alt]``)."""
    *package, module = classname.split(".")
    path = "/".join([*package, module]) + ".py"
    if module[:1].isupper() and package:  # a test class: the module is the part before it
        path = "/".join(package) + ".py::" + module
    return f"{path}::{name}"


def from_junit(junit: Path) -> dict[str, list[float]]:
    """Node id → [seconds, CPU seconds] of every test case at ``KEPT_FROM`` seconds or more.

    Only the seconds when the case has no ``cpu`` property.
    """
    out: dict[str, list[float]] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        seconds = float(case.get("time") or 0)
        if seconds < KEPT_FROM:
            continue
        record = [round(seconds, 1)]
        for prop in case.iter("property"):
            if prop.get("name") == "cpu":
                record.append(round(float(prop.get("value") or 0), 1))
        out[nodeid_of(case.get("classname", ""), case.get("name", ""))] = record
    return dict(sorted(out.items()))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    recorded = from_junit(Path(argv[0]))
    lines = (f" {json.dumps(nodeid)}: {json.dumps(record)}" for nodeid, record in recorded.items())
    DURATIONS.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print(f"{len(recorded)} test(s) recorded in {DURATIONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
