"""The shared watchdog fires at deadlines, in order, and never after a cancel."""

from __future__ import annotations

import threading
import time

from conformance.watchdog import Watchdog


def test_callbacks_fire_at_their_deadlines_and_cancelled_ones_never() -> None:
    dog = Watchdog()
    fired: list[str] = []
    done = threading.Event()
    now = time.monotonic()
    dog.arm(now + 0.2, lambda: (fired.append("late"), done.set()))
    dog.arm(now + 0.05, lambda: fired.append("early"))
    dog.cancel(dog.arm(now + 0.1, lambda: fired.append("cancelled")))
    assert done.wait(2)
    assert fired == ["early", "late"]
