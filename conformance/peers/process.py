"""A peer server run as its own program on loopback: started, awaited, stopped, its log kept.

The peers are independent implementations (moto's S3 server, Debian's
distribution registry) that the suite runs as themselves, not imported: each
is a child process with a clean environment (so nothing from the caller's
shell, such as ``MOTO_ACCOUNT_ID`` or ``REGISTRY_HTTP_ADDR``, changes how it
behaves), listening on port 0 of 127.0.0.1 and announcing the port it got in
its log. The log file stays after the stop: it is the peer's side of the
evidence.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import requests

# ANSI colour codes some servers put around their log lines (werkzeug does).
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class PeerUnavailable(RuntimeError):
    """The peer's program is not installed here; the message says how to install it."""


class PeerFailed(RuntimeError):
    """The peer did not come up (or did not answer); the message ends with its log's tail."""


def exit_code(program: str, action: Callable[[], int]) -> int:
    """``action``'s exit code; a peer that is not installed is 2 and one that failed to start
    is 1, each said on stderr after ``program``'s name (the command's convention)."""
    try:
        return action()
    except PeerUnavailable as exc:
        print(f"{program}: error: {exc}", file=sys.stderr)
        return 2
    except PeerFailed as exc:
        print(f"{program}: {exc}", file=sys.stderr)
        return 1


def clean_environment(home: Path, extra: Mapping[str, str] = {}) -> dict[str, str]:
    """A child's whole environment: PATH, a private HOME, a UTF-8 locale, and ``extra``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        **extra,
    }


class LoopbackProcess:
    """One child process whose log announces the loopback port it listens on."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        listening: re.Pattern[str],
        cwd: Path | None = None,
    ) -> None:
        """``listening`` matches the log line naming the port (its group ``port``)."""
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_path
        self.listening = listening
        self.cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (None before the start)."""
        return self._process.pid if self._process is not None else None

    def running(self) -> bool:
        """Whether the child has been started and has not exited."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float) -> int:
        """Start the child and return the port its log announces within ``timeout`` seconds."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        try:
            self._process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                # Its own process group: a Ctrl-C meant for the caller's terminal
                # does not reach it first; the caller stops it in order.
                start_new_session=True,
            )
        except OSError as exc:
            self._close_log()
            raise PeerUnavailable(f"{self.name}: cannot run {self.argv[0]}: {exc}") from exc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = self.listening.search(_ANSI.sub("", self.log_text()))
            if match:
                return int(match.group("port"))
            if not self.running():
                raise self.failure(f"exited with status {self._returncode()} before listening")
            time.sleep(0.05)
        self.stop()
        raise self.failure(f"did not announce a port within {timeout:g} s")

    def wait_until_answers(self, url: str, timeout: float) -> None:
        """Return once an HTTP GET of ``url`` gets any answer; PeerFailed after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        problem = "no attempt"
        while time.monotonic() < deadline:
            if not self.running():
                raise self.failure(f"exited with status {self._returncode()} while starting")
            try:
                requests.get(url, timeout=2, allow_redirects=False).close()
                return
            except requests.RequestException as exc:
                problem = str(exc)
            time.sleep(0.05)
        self.stop()
        raise self.failure(f"did not answer GET {url} within {timeout:g} s ({problem})")

    def stop(self, grace: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; return the exit status (None if never
        started). Only this child's own pid is signalled."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=grace)
        self._close_log()
        return process.returncode

    def log_text(self) -> str:
        """What the child has logged so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def failure(self, problem: str) -> PeerFailed:
        """A PeerFailed naming the program, the problem and the log's last lines."""
        tail = "\n".join(_ANSI.sub("", self.log_text()).splitlines()[-15:])
        return PeerFailed(
            f"{self.name} ({' '.join(self.argv)}) {problem}; log {self.log_path}:\n{tail}"
        )

    def _returncode(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class PeerServer:
    """A peer as a context manager: prepare, start, await, set up; stop on exit or failure.

    A subclass sets ``process`` (its :class:`LoopbackProcess`), ``start_timeout``
    and ``ready_path`` (what answers once it serves) and may override
    :meth:`_prepare` (before the start: is it installed, its configuration) and
    :meth:`_set_up` (after it answers: accounts, settings). ``.endpoint`` is
    set inside the ``with`` block.
    """

    process: LoopbackProcess
    start_timeout: float
    ready_path: str = "/"
    endpoint: str = ""

    @property
    def log_path(self) -> Path:
        """The peer's log: the requests it answered and its errors (kept after the stop)."""
        return self.process.log_path

    def _prepare(self) -> None:
        """Before the start: raise PeerUnavailable when the program is missing; write config."""

    def _set_up(self) -> None:
        """Once it answers: anything the suite needs of it (a failure stops it)."""

    def __enter__(self) -> Self:
        self._prepare()
        port = self.process.start(self.start_timeout)
        self.endpoint = f"http://127.0.0.1:{port}"
        try:
            self.process.wait_until_answers(self.endpoint + self.ready_path, self.start_timeout)
            self._set_up()
        except BaseException:
            self.process.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.process.stop()
