"""A per-credential fixed-window rate limiter and its headers (COMMON C-004)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    """The outcome of counting one request against its credential's window."""

    allowed: bool
    quota: int
    window: int
    remaining: int
    reset_seconds: int
    policy_name: str = "default"

    def headers(self, syntax: str = "structured") -> dict[str, str]:
        """Return the ``RateLimit-Policy`` / ``RateLimit`` headers.

        ``structured`` is the IETF httpapi draft's later syntax
        (``"name";q=;w=`` and ``"name";r=;t=``); ``draft-07`` its earlier one
        (``limit=, remaining=, reset=``). COMMON C-004 accepts both.
        """
        if syntax == "draft-07":
            return {
                "RateLimit-Policy": f"{self.quota};w={self.window}",
                "RateLimit": (
                    f"limit={self.quota}, remaining={self.remaining}, reset={self.reset_seconds}"
                ),
            }
        name = f'"{self.policy_name}"'
        return {
            "RateLimit-Policy": f"{name};q={self.quota};w={self.window}",
            "RateLimit": f"{name};r={self.remaining};t={self.reset_seconds}",
        }


class FixedWindowLimiter:
    """Count requests per credential in fixed windows aligned to the clock.

    Windows start at multiples of ``window`` seconds of the Unix clock, so
    every credential's reset time is predictable and the ``t=`` a client
    reads is exactly when its quota returns.
    """

    def __init__(
        self,
        quota: int,
        window: int,
        clock: Callable[[], float] = time.time,
        policy_name: str = "default",
    ) -> None:
        if quota < 1 or window < 1:
            raise ValueError(f"quota and window must be positive, got {quota} and {window}")
        self.quota = quota
        self.window = window
        self.policy_name = policy_name
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[Hashable, tuple[int, int]] = {}

    def hit(self, credential: Hashable) -> RateDecision:
        """Count one request of ``credential`` and decide whether it may pass."""
        now = self._clock()
        window_index = int(now // self.window)
        reset = max(1, math.ceil((window_index + 1) * self.window - now))
        with self._lock:
            index, count = self._counts.get(credential, (window_index, 0))
            if index != window_index:
                count = 0
            count += 1
            self._counts[credential] = (window_index, count)
        return RateDecision(
            allowed=count <= self.quota,
            quota=self.quota,
            window=self.window,
            remaining=max(0, self.quota - count),
            reset_seconds=reset,
            policy_name=self.policy_name,
        )
