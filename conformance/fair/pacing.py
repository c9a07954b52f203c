"""Keeping a long sample within the quotas the platform publishes.

FAIR-004 sends hundreds of requests per credential; a platform publishing
60 requests per 10 s would refuse most of them, and a refusal is no latency.
A :class:`QuotaPlan` keeps, per credential, what the last answer's
``RateLimit`` said (requests remaining, seconds to the reset) and the times
of the requests it let through; before a round of requests it says how long
to wait so that every credential of the round has room, so the waits fall
*between* rounds and never inside a measured request. Without a
``RateLimit`` header it holds each credential to ``share`` of the published
quota in any window (a sliding window, so no fixed window can hold more).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from conformance import DeadlineExceeded, human_duration
from conformance.fair.quota import ratelimit_state
from conformance.fair.rules import Quota


@dataclass
class _Credential:
    quota: Quota | None
    sent: deque[float] = field(default_factory=deque)
    remaining: int | None = None
    reset_at: float = 0.0


class QuotaPlan:
    """Per-credential room, from the published quotas and the answers' ``RateLimit``."""

    def __init__(
        self,
        quotas: Callable[[Hashable], Quota | None],
        *,
        share: float = 0.8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._quotas = quotas
        self._share = share
        self._clock = clock
        self._credentials: dict[Hashable, _Credential] = {}
        self.waited = 0.0
        """Seconds spent waiting for room, in all."""

    def _get(self, key: Hashable) -> _Credential:
        if key not in self._credentials:
            self._credentials[key] = _Credential(self._quotas(key))
        return self._credentials[key]

    def wait_needed(self, keys: Iterable[Hashable]) -> float:
        """Seconds to wait before one more request of each credential in ``keys`` fits."""
        now = self._clock()
        longest = 0.0
        for key in keys:
            cred = self._get(key)
            if cred.remaining is not None:
                # The platform says how much is left: trust it until its window resets.
                if cred.remaining < 1 and now < cred.reset_at:
                    longest = max(longest, cred.reset_at - now + 0.05)
                continue
            quota = cred.quota
            if quota is None:
                continue
            allowed = max(1, int(quota.requests * self._share))
            window = float(quota.window_seconds)
            while cred.sent and cred.sent[0] <= now - window:
                cred.sent.popleft()
            if len(cred.sent) >= allowed:
                longest = max(longest, cred.sent[len(cred.sent) - allowed] + window - now + 0.05)
        return longest

    def before(
        self,
        keys: Iterable[Hashable],
        sleep: Callable[[float], None] = time.sleep,
        *,
        left: float | None = None,
    ) -> None:
        """Wait until one more request of each credential in ``keys`` fits.

        ``DeadlineExceeded`` instead when that is ``left`` seconds or more (the
        check's time): a ``RateLimit`` reset is the platform's to state, and one of
        a day is not slept through.
        """
        wanted = list(keys)
        delay = self.wait_needed(wanted)
        if left is not None and delay >= left:
            raise DeadlineExceeded(
                f"the quotas ask for {human_duration(delay)} before the next round "
                f"(RateLimit: no requests remaining until the reset); the check has "
                f"{human_duration(max(left, 0.0))} of its time limit left"
            )
        if delay > 0:
            self.waited += delay
            sleep(delay)

    def after(self, key: Hashable, ratelimit: str | None) -> None:
        """Count a request of ``key`` and read its answer's ``RateLimit``."""
        cred = self._get(key)
        now = self._clock()
        cred.sent.append(now)
        state = ratelimit_state(ratelimit)
        if state is not None:
            remaining, reset = state
            # One request of margin: the window may be shared with requests not seen here.
            cred.remaining = remaining - 1
            cred.reset_at = now + reset
        else:
            cred.remaining = None

    def rate(self, key: Hashable) -> float | None:
        """Requests per second a credential may send in the long run (None: unbounded)."""
        quota = self._get(key).quota
        if quota is None:
            return None
        return quota.requests * self._share / quota.window_seconds
