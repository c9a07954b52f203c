"""FAIR-003: how many requests a credential got in one window before its first 429.

The probe sends requests one by one and reads each answer's ``RateLimit``
header (draft-07 ``remaining=, reset=`` or structured ``r=;t=``) when there is
one. A window that rolls over during the probe (``reset`` jumps up) restarts
the count; requests the header says were used before the probe began count
as well, so a 429 is held against the platform only when the window really
held fewer requests than the published quota.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DRAFT7 = re.compile(r"remaining\s*=\s*(\d+)\s*,\s*reset\s*=\s*(\d+)")
_ITEM_R = re.compile(r";\s*r\s*=\s*(\d+)")
_ITEM_T = re.compile(r";\s*t\s*=\s*(\d+)")
_POLICY_Q = re.compile(r"(?:^|;)\s*q\s*=\s*(\d+)")
_POLICY_W = re.compile(r";\s*w\s*=\s*(\d+)")
_DRAFT7_POLICY = re.compile(r"^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?")


def ratelimit_state(value: str | None) -> tuple[int, int] | None:
    """(remaining, reset seconds) from a ``RateLimit`` header, or None."""
    if not value:
        return None
    draft7 = _DRAFT7.search(value)
    if draft7:
        return int(draft7.group(1)), int(draft7.group(2))
    first = value.split(",")[0]
    r, t = _ITEM_R.search(first), _ITEM_T.search(first)
    return (int(r.group(1)), int(t.group(1))) if r and t else None


def stated_policies(value: str | None) -> list[tuple[int, int | None]]:
    """Every (quota, window) a ``RateLimit-Policy`` header states."""
    out: list[tuple[int, int | None]] = []
    for part in (value or "").split(","):
        q, w = _POLICY_Q.search(part), _POLICY_W.search(part)
        if q:
            out.append((int(q.group(1)), int(w.group(1)) if w else None))
            continue
        draft7 = _DRAFT7_POLICY.match(part)
        if draft7 and part.strip():
            out.append((int(draft7.group(1)), int(draft7.group(2)) if draft7.group(2) else None))
    return out


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
