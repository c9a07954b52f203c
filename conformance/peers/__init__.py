"""Independent implementations of CLOUD's surfaces, run as themselves on loopback.

The suite's own tests measure its checks against these peers as well as
against the reference platform: moto's S3 server (:class:`MotoServer`) and
the CNCF distribution registry as Debian packages it
(:class:`DistributionRegistry`). Each is a context manager that starts the
program in a child process on a free port of 127.0.0.1, waits until it
answers, gives ``.endpoint`` and ``.target()`` (a :class:`~conformance.Target`
with the ``cloud`` section and stated claims), and stops it on exit, keeping
its log. ``conformance serve-peer moto|registry`` runs one from the shell;
``python -m conformance.peers.table`` runs CLOUD against each and rewrites
the README's table of outcomes (:mod:`conformance.peers.table`).
"""

from __future__ import annotations

from .moto import MotoServer, MotoUser
from .process import PeerFailed, PeerUnavailable
from .registry import DistributionRegistry

__all__ = ["DistributionRegistry", "MotoServer", "MotoUser", "PeerFailed", "PeerUnavailable"]
