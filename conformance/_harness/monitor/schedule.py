"""When a monitor's runs start: ``--every 6h`` parsed, and the slots placed on a fixed grid.

Runs start on a grid of slots from the first run (``start + k * every``), so
a schedule does not drift by the runs' own durations. A run that overruns
its slot makes the next run wait for the next free slot (the slots passed
are counted as skipped), and never start sooner than a tenth of the
interval after the previous run ended: runs do not go back to back against
a platform that got slow.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass

_PART = re.compile(r"(\d+(?:\.\d+)?)([smh])")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
REST = 0.1
"""The least rest between two runs, as a fraction of the interval."""


def parse_interval(text: str) -> float:
    """Seconds in ``30s``, ``15m``, ``6h``, ``1h30m`` or ``0.5s`` (argparse's ``type``)."""
    value = text.strip().lower()
    parts = _PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an interval: a number and a unit, s, m or h (30s, 15m, 6h, 1h30m)"
        )
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the interval must be more than 0 s")
    return seconds


@dataclass(frozen=True)
class Schedule:
    """A grid of slots ``every`` seconds apart from ``start`` (a monotonic clock's reading)."""

    start: float
    every: float

    def next_slot(self, slot: int, ended: float) -> tuple[int, float]:
        """The slot after ``slot`` for a run that ended at ``ended``, and when it starts.

        The first slot after ``slot`` that starts at least ``REST * every``
        after ``ended``; the slots in between are the skipped ones.
        """
        earliest = ended + REST * self.every
        wanted = math.ceil((earliest - self.start) / self.every - 1e-9)
        n = max(slot + 1, wanted)
        return n, self.start + n * self.every
