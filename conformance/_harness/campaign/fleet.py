"""A fleet of reference platforms, each in its own process, described as campaign targets.

Each member is ``conformance serve-reference --data DIR --port 0 --choices C
[--fault F]``: a conformant platform (under a choice set), or one behind a
named fault's proxy. Once it serves, its ``target.yaml`` and ``reference.env``
are copied into one folder as ``<name>.yaml`` (its ``name`` set to the
member's) and ``<name>.env`` (0600): a campaign over that folder runs every
member with its own tokens. What the tests and the parallel benchmark run a
campaign against, and a way to try one::

    with ReferenceFleet([Member("a"), Member("b", fault="per-worker-factor")], folder):
        ...  # conformance campaign folder --out DIR
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml

TARGET_LINE = "target file: "
_STOP_SECONDS = 15.0


@dataclass(frozen=True)
class Member:
    """One platform of the fleet: its target name, choice set and fault (None: conformant)."""

    name: str
    choices: str = "default"
    fault: str | None = None


class ReferenceFleet:
    """Serves every member until the ``with`` block ends; their target files are in ``folder``."""

    def __init__(self, members: Sequence[Member], folder: Path, start_timeout: float = 60) -> None:
        self.members = list(members)
        self.folder = folder
        self.start_timeout = start_timeout
        self._processes: list[subprocess.Popen[str]] = []

    def __enter__(self) -> ReferenceFleet:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            started = [(m, self._start(m)) for m in self.members]  # all start at once
            deadline = time.monotonic() + self.start_timeout
            for member, process in started:
                self._describe(member, _target_file(process, member, deadline))
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def targets(self) -> list[Path]:
        """The members' target files, in member order."""
        return [self.folder / f"{m.name}.yaml" for m in self.members]

    def _start(self, member: Member) -> subprocess.Popen[str]:
        data = self.folder / ".data" / member.name
        argv = [sys.executable, "-m", "conformance._harness.cli", "serve-reference"]
        argv += ["--port", "0", "--data", str(data), "--choices", member.choices]
        argv += ["--fault", member.fault] if member.fault else []
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._processes.append(process)
        return process

    def _describe(self, member: Member, served: Path) -> None:
        document = yaml.safe_load(served.read_text(encoding="utf-8"))
        document["name"] = member.name
        (self.folder / f"{member.name}.yaml").write_text(
            yaml.safe_dump(document, sort_keys=False), encoding="utf-8"
        )
        env = self.folder / f"{member.name}.env"
        fd = os.open(env, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write((served.parent / "reference.env").read_bytes())

    def stop(self) -> None:
        """Stop every member (SIGTERM; killed if it has not ended within 15 s)."""
        for process in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self._processes:
            try:
                process.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self._processes.clear()


def _target_file(process: subprocess.Popen[str], member: Member, deadline: float) -> Path:
    """The target file the member names once it serves; its output if it does not."""
    assert process.stdout is not None  # started with stdout=PIPE
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    said: list[str] = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        said.append(line.rstrip())
        if line.startswith(TARGET_LINE):
            return Path(line[len(TARGET_LINE) :].strip())
    raise RuntimeError(
        f"fleet member {member.name} (choices {member.choices}, fault {member.fault}) did not "
        "start serving; it said:\n" + "\n".join(said[-20:])
    )


def _read_lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    """Pass the stream's lines on until the target file is named or it ends."""
    for line in stream:
        into.put(line)
        if line.startswith(TARGET_LINE):
            return  # the platform says nothing more worth reading
    into.put(None)
