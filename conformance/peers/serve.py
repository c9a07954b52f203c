"""``conformance serve-peer moto|registry``: run one peer until Ctrl-C or SIGTERM.

It writes ``target.yaml`` and the ``0600`` env file of secrets into its
directory (as ``serve-reference`` does), prints where they are, and stops the
peer cleanly on the first SIGINT or SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

from .moto import MotoServer
from .process import exit_code
from .registry import DistributionRegistry
from .target_files import write_target_files

PEER_NAMES = ("moto", "registry")


class _Stop(Exception):
    """A stop signal arrived."""


def serve_peer(name: str, directory: Path) -> int:
    """Serve the peer ``name`` with its files in ``directory``; return the exit code
    (0 after a clean stop, 2 when its program is not installed, 1 when it failed to start)."""
    return exit_code("conformance", lambda: _serve(name, directory.resolve()))


def _serve(name: str, directory: Path) -> int:
    peer = MotoServer(directory) if name == "moto" else DistributionRegistry(directory)
    with peer:
        target, env = write_target_files(directory, peer.target_document(), peer.environment())
        print(f"{name} serving at {peer.endpoint} (log: {peer.log_path})", flush=True)
        print(f"target file: {target}", flush=True)
        print(f"secrets env file (0600, `. {env}` before running): {env}", flush=True)
        print("press Ctrl-C or send SIGTERM to stop", flush=True)
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def stop(signum: int, _frame: FrameType | None) -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler or signal.SIG_DFL)
            raise _Stop(signal.Signals(signum).name)

        for sig in previous:
            signal.signal(sig, stop)
        try:
            threading.Event().wait()
        except _Stop as why:
            print(f"stopping on {why}", flush=True)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler or signal.SIG_DFL)
    return 0
