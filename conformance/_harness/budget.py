"""The run's budget: one time limit and one request count for a whole run.

A check has its own time limit (``limits.check_timeout``) and a request its
own (``limits.request_timeout``), but a platform that answers every check
slowly, or a suite with many checks, could still hold a run for hours. The
budget bounds the run itself: every check's time limit is cut to what is
left of ``limits.run_budget``, a check that would start after it ends
``error`` without sending anything, and no request is sent past
``limits.max_requests``. The reports are written all the same.

One budget is shared by every probe of a run (both targets of a comparison
included), across threads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from conformance._harness.errors import BudgetSpent
from conformance._harness.target import Limits
from conformance._harness.units import human_duration


@dataclass
class RunBudget:
    """Seconds and requests a run may spend, counted from its start."""

    seconds: float
    requests: int
    started: float = field(default_factory=time.monotonic)
    sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def of(cls, limits: Limits) -> RunBudget:
        """The budget a target file sets (``limits.run_budget``, ``limits.max_requests``)."""
        return cls(limits.run_budget, limits.max_requests)

    @property
    def deadline(self) -> float:
        """When the run's time is spent (``time.monotonic``)."""
        return self.started + self.seconds

    def describe(self) -> str:
        """The time budget as a reason names it."""
        return f"the run budget ({human_duration(self.seconds)}, limits.run_budget)"

    def time_spent(self) -> str:
        """Why no more time is left, as a reason reads it."""
        return f"{self.describe()} was spent"

    def requests_spent(self) -> str:
        """Why no more requests may be sent, as a reason reads it."""
        return f"the request budget ({self.requests} requests, limits.max_requests) was spent"

    def before_check(self) -> None:
        """``BudgetSpent`` if a check starting now could not send anything."""
        if time.monotonic() >= self.deadline:
            raise BudgetSpent(f"{self.time_spent()} before this check ran")
        with self._lock:
            if self.sent >= self.requests:
                raise BudgetSpent(f"{self.requests_spent()} before this check ran")

    def take(self, label: str) -> None:
        """Count one request about to be sent; ``BudgetSpent`` (nothing sent) past the budget."""
        with self._lock:
            if self.sent >= self.requests:
                raise BudgetSpent(f"{label}: not sent: {self.requests_spent()}")
            self.sent += 1
