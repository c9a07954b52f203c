"""A launched container's log as evidence: scrubbed, capped, and written before the seal.

``ContainerLogs`` is a pytest plugin handed to ``runner.run``: when the
session finishes, before the run's reports are sealed (``session``'s
hook is ``trylast``), it writes each container's log into the run's
directory as ``container.log`` (the target) or ``container-<name>.log``
(the second target), so the manifest hashes them with the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from conformance._harness.marks import harness_key
from conformance._harness.safe_text import console_text
from conformance._harness.secrets import Redactor

MAX_LOG_BYTES = 16 * 1024 * 1024
"""A chattier log keeps its last 16 MiB, after a line that says so."""
TAIL_LINES = 20


def log_name(position: int, target_name: str) -> str:
    """``container.log`` for the target, ``container-<name>.log`` for the second one (names
    ``manifest.CONTAINER_LOG`` admits)."""
    if position == 0:
        return "container.log"
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", target_name).strip("-")[:40] or "second"
    return f"container-{slug}.log" if slug != "second" else "container-second.log"


def scrubbed(data: bytes, redactor: Redactor) -> bytes:
    """The log with every secret removed, cut to its last ``MAX_LOG_BYTES``."""
    clean = redactor.bytes(data)
    if len(clean) <= MAX_LOG_BYTES:
        return clean
    cut = len(clean) - MAX_LOG_BYTES
    return f"[the first {cut} bytes of this log are left out]\n".encode() + clean[cut:]


def tail(data: bytes, redactor: Redactor, lines: int = TAIL_LINES) -> str:
    """The last lines of a log, scrubbed and safe for a terminal, indented under a header."""
    text = redactor.bytes(data).decode("utf-8", "replace")
    last = text.rstrip("\n").splitlines()[-lines:]
    if not last:
        return "\n  (the container wrote nothing)"
    body = "\n".join(f"  | {console_text(line)}" for line in last)
    return f"\n  the container's last {len(last)} log line(s):\n{body}"


class ContainerLogs:
    """Writes each launched container's log into the run's directory before the seal."""

    def __init__(self, sources: Callable[[], Iterable[tuple[str, bytes]]]) -> None:
        self._sources = sources
        self.written: list[Path] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        harness = session.config.stash.get(harness_key, None)
        directory = None if harness is None else harness.report_dir
        if directory is None or not directory.is_dir():
            return
        for name, data in self._sources():
            path = directory / name
            path.write_bytes(data)
            self.written.append(path)
