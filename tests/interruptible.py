"""Children that Ctrl-C can reach, however the tests themselves were started.

A shell without job control starts a background command (``tox &``) with
SIGINT ignored, and a child inherits that: Python then installs no
KeyboardInterrupt handler, and a test that sends SIGINT sees the run finish
instead. A child meant to be interrupted gets SIGINT's default back first.
"""

from __future__ import annotations

import signal


def interruptible() -> None:
    """``preexec_fn`` for a child a test interrupts: SIGINT handled as Python does by default."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
