"""The shared watchdog fires at deadlines, in order, and never after a cancel."""

from __future__ import annotations

import threading
import time

from conformance._harness.watchdog import Watchdog


def test_callbacks_fire_at_their_deadlines_and_cancelled_ones_never() -> None:
    dog = Watchdog()
    fired: list[str] = []
    done = threading.Event()
    # Cancelled first, due between the others: a cancel that did not hold
    # would show, and only a pause of 0.3 s between arm and cancel (a busy
    # machine) could let it fire. Callbacks overdue together fire in order.
    dog.cancel(dog.arm(time.monotonic() + 0.3, lambda: fired.append("cancelled")))
    now = time.monotonic()
    dog.arm(now + 0.6, lambda: (fired.append("late"), done.set()))
    dog.arm(now + 0.05, lambda: fired.append("early"))
    assert done.wait(60)
    assert fired == ["early", "late"]
