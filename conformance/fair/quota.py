"""FAIR-003: how many requests a credential got in one window before its first 429.

The probe sends requests one by one and reads each answer's ``RateLimit``
header (draft-07 ``remaining=, reset=`` or structured ``r=;t=``, read by
``conformance.common.ratelimits``, the suite's one grammar of it) when there is
one. A window that rolls over during the probe (``reset`` jumps up) restarts
the count; requests the header says were used before the probe began count
as well, so a 429 is held against the platform only when the window really
held fewer requests than the published quota.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.common.ratelimits import parse_policies, parse_windows


def ratelimit_state(value: str | None) -> tuple[int, int] | None:
    """(remaining, reset seconds) of the first window a ``RateLimit`` header states, or None."""
    windows = parse_windows(value)
    if not windows or windows[0].reset is None:
        return None
    return windows[0].remaining, windows[0].reset


def stated_policies(value: str | None) -> list[tuple[int, int | None]]:
    """Every (quota, window) a ``RateLimit-Policy`` header states."""
    return [(p.quota, p.window) for p in parse_policies(value) or []]


@dataclass
class WindowCount:
    """Requests the current window holds: the suite's own and those used before it."""

    quota_stated: int | None = None
    ours: int = 0
    before: int = 0
    last_reset: int | None = None
    rollovers: int = 0
    history: list[int] = field(default_factory=list)

    def admitted(self, ratelimit: str | None) -> None:
        """Count an admitted request and what its ``RateLimit`` header says."""
        state = ratelimit_state(ratelimit)
        if state is not None and self.last_reset is not None and state[1] > self.last_reset + 1:
            self.rollovers += 1
            self.ours, self.before = 0, 0
        self.ours += 1
        if state is not None:
            remaining, reset = state
            if self.quota_stated is not None:
                self.before = max(self.before, self.quota_stated - remaining - self.ours)
            self.last_reset = reset
        self.history.append(self.total)

    @property
    def total(self) -> int:
        """Requests admitted in the current window, as far as the suite can tell."""
        return self.ours + self.before
