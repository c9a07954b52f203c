"""``python -m conformance.reference``: serve the reference platform until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence
from pathlib import Path

from .server import ReferencePlatform
from .target_files import write_target_files


def main(argv: Sequence[str] | None = None) -> int:
    """Run the platform in the foreground; print where things are, never tokens."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.reference",
        description="Serve the reference platform and describe it in target.yaml.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8400, help="port (0 picks a free one)")
    parser.add_argument("--data", type=Path, default=Path("reference-data"), help="data directory")
    parser.add_argument("--part-size", type=int, default=65536, help="export part size in bytes")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    platform = ReferencePlatform(
        args.data.resolve(), args.host, args.port, args.part_size, quiet=not args.verbose
    )
    with platform:
        target, env = write_target_files(platform.data_dir, platform.base_url, platform.identities)
        print(f"reference platform serving at {platform.base_url}", flush=True)
        print(f"target file: {target}", flush=True)
        print(f"token env file (0600): {env}", flush=True)
        print("press Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
