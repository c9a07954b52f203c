"""The one grammar of ``RateLimit-Policy`` and ``RateLimit`` (COMMON C-004).

Both fields are HTTP Structured Fields (RFC 9651) in every revision of the
IETF httpapi rate-limit draft; COMMON C-004 accepts two of them:

- draft-07: ``RateLimit-Policy: 100;w=60`` (a List of Integers, ``w`` the
  window) and ``RateLimit: limit=100, remaining=50, reset=30`` (a Dictionary
  with the three members);
- the later structured syntax: ``RateLimit-Policy: "default";q=100;w=60``
  (a List of named policies, ``q`` the quota) and ``RateLimit:
  "default";r=50;t=30`` (``r`` remaining, ``t`` seconds to the reset).

Members and parameters the suite does not know are ignored (C5); members
may come in any order; a field that is not a valid Structured Field, or
lacks a member its syntax requires, does not parse. C-004 judges by it,
FAIR-003 counts by it, and the probe paces by it (:class:`QuotaPacer`):

Every answer's ``RateLimit`` (and ``RateLimit-Policy``) tells how many
requests the credential has left in each window and when the window resets.
Before a credential's next request the pacer waits until every window it has
used up (``remaining`` at or below the reserve) has reset. Between answers
it counts the suite's own requests down, so answers that carry no header (or
a platform that states only ``RateLimit-Policy``) still pace: then the
suite's own requests in the last ``w`` seconds are held against ``q``. A
wait that would pass the check's deadline is not made: the check ends
``error`` saying how long the quota asked for and how much time was left.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from conformance._harness.errors import DeadlineExceeded
from conformance.common.structured_fields import (
    Date,
    Item,
    SFError,
    parse_dictionary,
    parse_list,
)

__all__ = [
    "Hold",
    "Policy",
    "QuotaPacer",
    "Window",
    "parse_policies",
    "parse_windows",
    "valid_pair",
]


@dataclass(frozen=True)
class Policy:
    """One quota policy a ``RateLimit-Policy`` states."""

    quota: int
    window: int | None
    name: str | None = None


@dataclass(frozen=True)
class Window:
    """What a ``RateLimit`` says of one policy's current window."""

    remaining: int
    reset: int | None
    limit: int | None = None
    name: str | None = None


def _count(value: object) -> int | None:
    """A non-negative sf-integer (not a boolean, not a date), or None."""
    if isinstance(value, bool | Date) or not isinstance(value, int) or value < 0:
        return None
    return value


def _name(value: object) -> str | None:
    return value if isinstance(value, str) else None


_PARSED = 256
"""Field values whose parse is remembered, per field. The probe parses every answer's two
fields; a platform sends the same ``RateLimit-Policy`` on each, so its parse (an
RFC 9651 parser in Python, some 10 µs) is done once. Results are immutable tuples of
frozen dataclasses, copied into a fresh list for each caller."""


def parse_policies(value: str | None) -> list[Policy] | None:
    """The policies of a ``RateLimit-Policy`` in either syntax; None if it is neither."""
    if not value or not value.strip():
        return None
    parsed = _policies(value)
    return None if parsed is None else list(parsed)


@lru_cache(maxsize=_PARSED)
def _policies(value: str) -> tuple[Policy, ...] | None:
    try:
        members = parse_list(value)
    except SFError:
        return None
    out: list[Policy] = []
    for member in members:
        window = member.params.get("w")
        if "w" in member.params and _count(window) is None:
            return None
        if _count(member.value) is not None:  # draft-07: the quota is the item
            out.append(Policy(member.value, _count(window)))  # type: ignore[arg-type]
        elif _name(member.value) is not None and _count(member.params.get("q")) is not None:
            quota = member.params["q"]
            out.append(Policy(quota, _count(window), _name(member.value)))  # type: ignore[arg-type]
        else:
            return None
    return tuple(out) or None


def parse_windows(value: str | None) -> list[Window] | None:
    """The windows of a ``RateLimit`` in either syntax; None if it is neither."""
    if not value or not value.strip():
        return None
    parsed = _windows(value)
    return None if parsed is None else list(parsed)


@lru_cache(maxsize=_PARSED)
def _windows(value: str) -> tuple[Window, ...] | None:
    members = {} if _starts_a_string(value) else _dictionary(value)
    if "remaining" in members:  # draft-07: limit, remaining and reset, all required
        limit, remaining, reset = (
            _count(members[k].value) if k in members else None
            for k in ("limit", "remaining", "reset")
        )
        if limit is None or remaining is None or reset is None:
            return None
        return (Window(remaining, reset, limit),)
    try:
        items = parse_list(value)
    except SFError:
        return None
    out: list[Window] = []
    for item in items:
        left, until = _count(item.params.get("r")), _count(item.params.get("t"))
        if _name(item.value) is None or left is None or ("t" in item.params and until is None):
            return None
        out.append(Window(left, until, name=_name(item.value)))
    return tuple(out) or None


def _starts_a_string(value: str) -> bool:
    """Whether the field opens with an sf-string (the later syntax's policy name), after
    the white space a parser skips: then it is no sf-dictionary, whose members begin with a
    key (lowercase letter or ``*``), and trying one costs a raised error for nothing."""
    return value.lstrip(" \t").startswith('"')


def _dictionary(value: str) -> dict[str, Item]:
    """The field as an sf-dictionary; empty if it is not one."""
    try:
        return parse_dictionary(value)
    except SFError:
        return {}


def valid_pair(policy: str | None, state: str | None) -> bool:
    """Whether both fields are present and each parses in one of the two syntaxes."""
    return parse_policies(policy) is not None and parse_windows(state) is not None


# -- pacing -------------------------------------------------------------------------------

_SLACK = 0.05  # seconds past a stated reset, for clocks that round differently
_HISTORY = 10_000  # own sends remembered per credential (for policy-only pacing)


@dataclass
class _Window:
    remaining: int
    reset_at: float | None
    name: str | None


@dataclass
class _Credential:
    windows: list[_Window] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    sends: deque[float] = field(default_factory=lambda: deque(maxlen=_HISTORY))


@dataclass(frozen=True)
class Hold:
    """Why a credential must wait, and until when (the pacer's clock)."""

    until: float
    why: str


class QuotaPacer:
    """Per-credential pacing from ``RateLimit`` headers; safe to share across threads."""

    def __init__(
        self,
        *,
        reserve: int = 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.reserve = reserve
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._credentials: dict[str, _Credential] = {}
        self.waited = 0.0
        """Seconds spent waiting for quotas, over every credential."""

    def hold(self, key: str) -> Hold | None:
        """Whether ``key`` must wait before its next request, and until when."""
        now = self._clock()
        with self._lock:
            state = self._credentials.get(key)
            if state is None:
                return None
            holds = [
                Hold(w.reset_at, f"RateLimit {_named(w.name)}remaining={w.remaining}")
                for w in state.windows
                if w.remaining <= self.reserve and w.reset_at is not None and w.reset_at > now
            ]
            if not state.windows:
                holds += self._policy_holds(state, now)
        return max(holds, key=lambda h: h.until) if holds else None

    def wait(self, key: str, deadline: float, label: str) -> float:
        """Sleep until ``key`` may send; seconds waited. ``DeadlineExceeded`` if it cannot."""
        hold = self.hold(key)
        if hold is None:
            return 0.0
        delay = hold.until - self._clock() + _SLACK
        left = deadline - self._clock()
        if delay >= left:
            raise DeadlineExceeded(
                f"{label}: the credential {key} has used the quota the platform states "
                f"({hold.why}); the window resets in {_seconds(delay)}, but the check has "
                f"{_seconds(max(left, 0.0))} of its time limit left"
            )
        self._sleep(delay)
        with self._lock:
            self.waited += delay
        return delay

    def sent(self, key: str) -> None:
        """Count one request of ``key`` against what its last answer said was left."""
        with self._lock:
            state = self._credentials.setdefault(key, _Credential())
            state.sends.append(self._clock())
            for window in state.windows:
                window.remaining -= 1

    def observe(self, key: str, headers: Mapping[str, str]) -> None:
        """Take what an answer's rate-limit headers say of ``key``'s windows."""
        windows = parse_windows(headers.get("RateLimit"))
        policies = parse_policies(headers.get("RateLimit-Policy"))
        if windows is None and policies is None:
            return
        now = self._clock()
        with self._lock:
            state = self._credentials.setdefault(key, _Credential())
            if policies is not None:
                state.policies = policies
            if windows is not None:
                state.windows = [
                    _Window(
                        w.remaining,
                        now + w.reset
                        if w.reset is not None
                        else self._policy_reset(state, w.name, now),
                        w.name,
                    )
                    for w in windows
                ]

    def forget(self, key: str) -> None:
        """Drop what is known of ``key`` (a 429 said more than the headers did)."""
        with self._lock:
            self._credentials.pop(key, None)

    def reset_in(self, key: str) -> float | None:
        """Seconds until the first used-up window of ``key`` resets, if the headers said."""
        hold = self.hold(key)
        return None if hold is None else max(0.0, hold.until - self._clock())

    def _policy_holds(self, state: _Credential, now: float) -> list[Hold]:
        holds = []
        for policy in state.policies:
            if policy.window is None:
                continue
            recent = [t for t in state.sends if t > now - policy.window]
            if len(recent) >= policy.quota - self.reserve and recent:
                index = max(0, len(recent) - (policy.quota - self.reserve))
                holds.append(
                    Hold(
                        recent[index] + policy.window,
                        f"RateLimit-Policy {_named(policy.name)}q={policy.quota};"
                        f"w={policy.window}, {len(recent)} sent in the window",
                    )
                )
        return holds

    @staticmethod
    def _policy_reset(state: _Credential, name: str | None, now: float) -> float | None:
        # A window stated without "t" resets, at the latest, one policy window from now:
        # its own policy's if the names match, else the longest stated.
        named = [p.window for p in state.policies if p.name == name and p.window is not None]
        windows = named or [p.window for p in state.policies if p.window is not None]
        return now + max(windows) if windows else None


def _named(name: str | None) -> str:
    return f'"{name}" ' if name else ""


def _seconds(value: float) -> str:
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min" if value < 7200 else f"{value / 3600:.1f} h"
