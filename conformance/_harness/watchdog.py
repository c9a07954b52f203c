"""One thread that fires callbacks at deadlines, shared by every request of a run.

The probe arms it around each body read so that a body trickling in cannot
outlive the check's time limit; a thread per request would cost more than
the request.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable


class Watchdog:
    """Calls ``callback()`` at ``deadline`` (``time.monotonic``) unless cancelled first."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, callback: Callable[[], None]) -> int:
        """Schedule a callback; returns a handle for ``cancel``."""
        handle = next(self._ids)
        with self._wake:
            heapq.heappush(self._heap, (deadline, handle, callback))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="probe-watchdog", daemon=True
                )
                self._thread.start()
            # Only a new earliest deadline changes the thread's wait: waking it for every
            # request cost a thread switch per request (a third of the probe's own time).
            if self._heap[0][1] == handle:
                self._wake.notify()
        return handle

    def cancel(self, handle: int) -> None:
        """Forget a callback that has not fired yet."""
        with self._wake:
            self._cancelled.add(handle)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0][1] in self._cancelled:
                    self._cancelled.discard(heapq.heappop(self._heap)[1])
                if not self._heap:
                    self._wake.wait()
                    continue
                deadline, _, callback = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._wake.wait(min(delay, 3600.0))
                    continue
                heapq.heappop(self._heap)
            callback()
