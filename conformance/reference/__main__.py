"""``python -m conformance.reference``: serve the reference platform until stopped.

It stops cleanly (storage closed, background work finished) on SIGTERM, and
on SIGINT (Ctrl-C) unless SIGINT was ignored when it started: a shell starts
background jobs (``cmd &``, ``nohup``) that way, and so do some CI agents,
and such a process must go on ignoring it. SIGTERM stops it everywhere.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from .choices import ChoiceSet, choice_set
from .cloud_s3 import advertised_addressing
from .identities_env import identities_from_env
from .server import ReferencePlatform
from .target_files import write_target_files


def _choice_set(name: str) -> ChoiceSet:
    try:
        return choice_set(name)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _StopRequested(Exception):
    """A stop signal arrived; the message names it."""


def _stop_signals() -> list[signal.Signals]:
    """SIGTERM, and SIGINT unless this process started with SIGINT ignored."""
    wanted = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) != signal.SIG_IGN:
        wanted.append(signal.SIGINT)
    return wanted


@contextmanager
def _stopping_on(signals: Sequence[signal.Signals]) -> Iterator[None]:
    """Turn the first of ``signals`` into :class:`_StopRequested` in the main thread.

    Once one has arrived, the previous handlers are back: a second signal
    during the stop acts as it would have without us (SIGTERM kills, Ctrl-C
    interrupts), so a stuck stop can still be forced.
    """
    # None: a handler installed outside Python; the default is the nearest we can restore.
    previous = {sig: signal.getsignal(sig) or signal.SIG_DFL for sig in signals}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        restore()
        raise _StopRequested(signal.Signals(signum).name)

    for sig in signals:
        signal.signal(sig, request_stop)
    try:
        yield
    finally:
        restore()


@contextmanager
def until_stopped() -> Iterator[None]:
    """Stop signals are caught from here on; after the body (what it announces), wait for one.

    Entered before anything is announced, so a caller that sends SIGTERM as
    soon as it reads a line (a test, a CI script) always gets a clean stop.
    """
    signals = _stop_signals()
    how = "press Ctrl-C or " if signal.SIGINT in signals else ""
    try:
        with _stopping_on(signals):
            yield
            print(f"{how}send SIGTERM (kill {os.getpid()}) to stop", flush=True)
            threading.Event().wait()
    except _StopRequested as stop:
        print(f"stopping on {stop}", flush=True)


def describe_files(target: Path, env: Path, *, temporary: bool) -> None:
    """Print where the target file and the env file are, and how to use them."""
    print(f"target file: {target}", flush=True)
    print(
        f"token and secret key env file (0600): {env}  "
        f"(use: . {env} && conformance run --target {target})",
        flush=True,
    )
    if temporary:
        print("both are in a temporary folder, removed at stop (--data DIR keeps one)", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the platform in the foreground; print where things are, never tokens."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.reference",
        description="Serve the reference platform and describe it in target.yaml.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8400, help="port (0 picks a free one)")
    parser.add_argument(
        "--s3-port",
        type=int,
        default=None,
        help="port of CLOUD's S3 surface (default: the next after --port; 0 picks a free one)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data directory, kept (default: a new temporary one, removed when it stops)",
    )
    parser.add_argument("--part-size", type=int, default=65536, help="export part size in bytes")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--choices",
        default="default",
        type=_choice_set,
        help="which conformant platform to be: default, alt, strict or seed:N",
    )
    parser.add_argument(
        "--identities-from-env",
        action="store_true",
        help="take users, tokens and S3 keys from INTEROP_REFERENCE_* variables (the env "
        "file's names, plus INTEROP_REFERENCE_USER_ID_<USER> and INTEROP_REFERENCE_S3_KEY_ID_"
        "<USER>) instead of making new ones: a target file written before it starts then works",
    )
    args = parser.parse_args(argv)
    try:
        given = identities_from_env(os.environ) if args.identities_from_env else None
    except ValueError as exc:
        parser.error(str(exc))

    platform = ReferencePlatform(
        args.data.resolve() if args.data is not None else None,
        args.host,
        args.port,
        args.part_size,
        quiet=not args.verbose,
        choices=args.choices,
        s3_port=args.s3_port if args.s3_port is not None else (args.port + 1 if args.port else 0),
        identities=given,
    )
    with platform, until_stopped():
        target, env = write_target_files(
            platform.data_dir,
            platform.base_url,
            platform.identities,
            s3_endpoint=platform.s3_endpoint,
            s3_addressing=advertised_addressing(platform.choices),
        )
        print(f"reference platform serving at {platform.base_url}", flush=True)
        print(f"S3 surface (CLOUD) at {platform.s3_endpoint}", flush=True)
        describe_files(target, env, temporary=args.data is None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
