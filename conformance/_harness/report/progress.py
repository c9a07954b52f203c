"""The run as it goes, on the console: standard, requirement, requests sent, elapsed.

A run can take minutes (FAIR-004 measures, PORT waits out a signed URL's
lifetime), and pytest's dots say nothing of what it is doing. ``Progress``
is a pytest plugin object the runner registers with ``conformance run``:

- on a terminal, one live line (``rich``) redrawn four times a second: the
  standard and requirement being judged, the check, requirements done of
  those selected, requests sent, elapsed. It vanishes when the run ends, so
  the table (or the diagnosis) follows it alone;
- in CI (``CI=true``), with ``--quiet``, or when stdout is not a terminal,
  plain lines without escape sequences: one per requirement whose checks
  have all run, and one every ``heartbeat`` seconds while a long check runs.

A run that judges nothing (the target unreachable, no discovery document, a
token refused) shows no progress: its diagnosis is the first thing printed.
What it writes is the suite's own text (ids, counts, check names) and the
target file's name and URL, escaped; nothing a platform sent.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TextIO

import pytest
from rich.console import Console
from rich.live import Live
from rich.text import Text

from conformance._harness.harness import Harness
from conformance._harness.marks import harness_key, requirement_ids
from conformance._harness.pipes import PipeSafe
from conformance._harness.results import Outcome, fold
from conformance._harness.safe_text import console_text

HEARTBEAT = 60.0
"""Seconds without a plain line after which one says what is still running."""


def wants_live(stream: TextIO, environ: Mapping[str, str], *, quiet: bool) -> bool:
    """A live line only on a terminal, outside CI, and unless ``--quiet`` asked for lines."""
    ci = environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream: not a terminal
        tty = False
    return tty and not ci and not quiet


def console_stream(stream: TextIO) -> TextIO:
    """A stream on the same terminal or pipe that pytest's output capture cannot take over.

    pytest points file descriptor 1 at a file while a check runs; the live
    line is redrawn from a thread at any moment, so it writes to a duplicate
    of the descriptor made before the run. A stream with no descriptor (a
    test's capture) is used as it is. Either way a reader that goes away
    silences it (``PipeSafe``), not the run.
    """
    try:
        stream.flush()  # what was printed before the run comes before its progress
        fd = os.dup(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return stream
    return PipeSafe(os.fdopen(fd, "w", encoding="utf-8", errors="replace", buffering=1))  # type: ignore[return-value]


class Progress:
    """Shows a run's progress; registered as a pytest plugin by the runner."""

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        console: Console | None = None,
        heartbeat: float = HEARTBEAT,
        clock: Callable[[], float] = time.monotonic,
        owned: bool = False,
    ) -> None:
        self.stream = stream
        self._owned = owned
        """The stream is a duplicate made for the run (``console_stream``): closed at its end."""
        self.live = live
        self.heartbeat = heartbeat
        self.clock = clock
        self.started = clock()
        self.harness: Harness | None = None
        self.silent = False
        """Set when the run judges nothing: its diagnosis comes first, with no progress."""
        self.order: dict[str, list[str]] = {}  # node id -> requirement ids
        self.left: dict[str, int] = {}  # requirement id -> checks still to run
        self.checks = 0
        self.checks_done = 0
        self.current = ""
        self.current_ids: list[str] = []
        self.status = "collecting the checks, reading the discovery document, trying the tokens"
        self._last_line = clock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._console = console or Console(
            file=stream, force_terminal=live, highlight=False, soft_wrap=False
        )
        self._live: Live | None = None

    @classmethod
    def for_console(
        cls, *, quiet: bool, stream: TextIO | None = None, environ: Mapping[str, str] | None = None
    ) -> Progress:
        """The progress of ``conformance run``: live on a terminal, plain lines otherwise."""
        out = sys.stdout if stream is None else stream
        live = wants_live(out, os.environ if environ is None else environ, quiet=quiet)
        duplicate = console_stream(out)
        return cls(duplicate, live=live, owned=duplicate is not out)

    # -- pytest hooks ---------------------------------------------------------------------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.started = self.clock()
        if self.live:
            self._live = Live(
                get_renderable=self.render,
                console=self._console,
                transient=True,
                refresh_per_second=4,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """After the run read the claims and tried the tokens: show progress, or nothing."""
        harness = session.config.stash.get(harness_key, None)
        self.harness = harness
        if harness is None or session.config.option.collectonly:
            self.close()
            return
        if not session.items:  # a refused token, a bug, nothing selected: the ending says why
            self.silent = True
            self.close()
            return
        claims = harness.claims()  # read already by the credentials' check: no request
        if harness.configuration_error is not None or not claims.usable:
            self.silent = True
            self.close()
            return
        for item in session.items:
            ids = requirement_ids(item)
            self.order[item.nodeid] = ids
            for rid in ids:
                self.left[rid] = self.left.get(rid, 0) + 1
        self.checks = len(session.items)
        self.status = ""
        target = harness.target
        self._line(
            f"running {self.checks} check(s) of {len(self.left)} requirement(s) "
            f"against {target.name} ({target.base_url})"
        )
        if not self.live and self.heartbeat > 0:
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.current = nodeid
        self.current_ids = self.order.get(nodeid, [])

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.checks_done += 1
        for rid in self.order.get(nodeid, []):
            self.left[rid] -= 1
            if self.left[rid] == 0:
                self.finished(rid)
        self.current, self.current_ids = "", []

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.close()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.close()

    # -- what is shown --------------------------------------------------------------------

    def finished(self, rid: str) -> None:
        """All checks of ``rid`` ran: in plain mode, one line with its outcome so far."""
        if self.live or self.harness is None:
            return
        info = self.harness.requirement(rid)
        outcome = fold(info, self.harness.results.get(rid, [])).outcome
        done = sum(1 for n in self.left.values() if n == 0)
        mark = outcome.value.upper() if outcome in (Outcome.FAIL, Outcome.ERROR) else outcome.value
        self._line(
            f"[{done:>{len(str(len(self.left)))}}/{len(self.left)}] {rid:<10} {mark:<14} "
            f"{self._requests()} requests, {elapsed(self.clock() - self.started)}"
        )

    def render(self) -> Text:
        """The live line: standard, requirement, check, counts, requests, elapsed."""
        took = elapsed(self.clock() - self.started)
        if self.status:
            return Text.assemble((self.status, "bold"), f" · {took}")
        done = sum(1 for n in self.left.values() if n == 0)
        line = Text()
        if self.current_ids and self.harness is not None:
            info = self.harness.requirement(self.current_ids[0])
            line.append(f"{info.standard} ", style="bold cyan")
            line.append(" ".join(self.current_ids), style="bold")
            line.append(f" {_check_name(self.current)}", style="dim")
        else:
            line.append("between checks", style="dim")
        line.append(
            f" · requirements {done}/{len(self.left)} · checks {self.checks_done}/{self.checks}"
            f" · {self._requests()} requests · {took}"
        )
        line.truncate(max(self._console.width - 1, 20), overflow="ellipsis")
        return line

    def close(self) -> None:
        """Stop the live line (it leaves nothing behind) and the heartbeat."""
        self._stop.set()
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()
        if self._owned:
            self._owned = False
            if self._ticker is not None:
                self._ticker.join(timeout=10)  # it may be writing a line
            try:
                self.stream.close()
            except OSError:
                pass

    def beat(self) -> None:
        """In plain mode, a line saying what still runs when nothing was said for a while."""
        if self.clock() - self._last_line >= self.heartbeat and self.current_ids:
            self._line(
                f"... {' '.join(self.current_ids)} still running ({_check_name(self.current)}): "
                f"{self._requests()} requests, {elapsed(self.clock() - self.started)}"
            )

    def _tick(self) -> None:
        while not self._stop.wait(min(self.heartbeat, 5.0)):
            self.beat()

    def _requests(self) -> int:
        return self.harness.budget.sent if self.harness is not None else 0

    def _line(self, text: str) -> None:
        self._last_line = self.clock()
        if self.live:
            return  # the live line says it
        try:
            self.stream.write(console_text(text) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass  # progress is a courtesy: a closed stream never stops the run


def elapsed(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``: compact enough for a status line."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def _check_name(nodeid: str) -> str:
    return nodeid.rpartition("::")[2] or nodeid
