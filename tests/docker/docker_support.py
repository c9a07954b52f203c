"""What the Docker tests share besides fixtures: the images' names and labels, the tree's
digest, free ports, and outcomes compared requirement by requirement."""

from __future__ import annotations

import random
import runpy
import socket
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGE_PREFIX = "interop-conformance"
BASE_IMAGE = f"{IMAGE_PREFIX}/base:bookworm"
REFERENCE_IMAGE = f"{IMAGE_PREFIX}/reference:latest"
SUITE_IMAGE = f"{IMAGE_PREFIX}/suite:latest"
DIGEST_LABEL = "org.interop-conformance.source-digest"
OWNER_LABEL = "org.interop-conformance.owner"
TEST_LABEL = "org.interop-conformance.test"
# The same limits as the in-process reference's target (reference/target.py), so a file
# target and an in-memory one are judged alike.
REFERENCE_LIMITS = {"requests_per_second": 0, "request_timeout": 30, "check_timeout": 600}


def tree_digest() -> str:
    """The source digest the images of this tree carry (docker/source_digest.py)."""
    digest = runpy.run_path(str(ROOT / "docker" / "source_digest.py"))["source_digest"]
    return str(digest(ROOT))


def _ephemeral_low() -> int:
    """The lowest port the kernel hands out for port 0 and outgoing connections."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_pair(taken: set[int] | None = None) -> int:
    """A port P such that P and P+1 are free on 127.0.0.1 (the reference and its S3 surface).

    Drawn below the ephemeral range: a container takes seconds to bind, and a port the
    kernel may give any ``bind(0)`` meanwhile (another test's server) would be lost.
    ``taken`` holds ports already handed out (P and P+1 are added to it).
    """
    taken = set() if taken is None else taken
    high = max(_ephemeral_low() - 2, 12000)
    for _ in range(200):
        port = random.randrange(10000, high)
        if {port, port + 1} & taken:
            continue
        if all(_free(p) for p in (port, port + 1)):
            taken |= {port, port + 1}
            return port
    raise RuntimeError("no two consecutive free ports on 127.0.0.1 below the ephemeral range")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def differences(expected: Mapping[str, str], got: Mapping[str, str]) -> list[str]:
    """Each requirement whose outcome differs (or that only one side decided), as a line."""
    return [
        f"{rid}: expected {expected.get(rid, '(absent)')}, got {got.get(rid, '(absent)')}"
        for rid in sorted(set(expected) | set(got))
        if expected.get(rid) != got.get(rid)
    ]
