"""Serve the reference platform over real HTTP on loopback."""

from __future__ import annotations

import shutil
import socket
import socketserver
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import ReferenceApp
from .choices import DEFAULT, ChoiceSet
from .choices.common import RATE_QUOTA
from .clock import utc_now
from .common import DiscoveryModule
from .identities import DEFAULT_USERS, Identities, generate_identities
from .ratelimit import FixedWindowLimiter
from .routing import Module
from .standards import ModuleContext, build_modules
from .store import Store

PLATFORM_NAME = "reference"

# How long the serving loop waits for a connection before it looks for a stop
# request again: a fallback only, since a stop wakes the loop at once.
STOP_POLL_SECONDS = 0.05


class ServingThread(threading.Thread):
    """Serves a ``socketserver`` server in a daemon thread until :meth:`stop`.

    ``serve_forever`` notices a stop only when its poll times out (0.5 s by
    default), and the suite's own tests stop hundreds of servers. Here the
    stop wakes the loop with a connection to the server itself, so it
    returns at once; the poll remains, short, in case that connection fails.
    """

    def __init__(self, server: socketserver.BaseServer, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.server = server
        self._stopping = threading.Event()
        server.timeout = STOP_POLL_SECONDS

    def run(self) -> None:
        while not self._stopping.is_set():
            self.server.handle_request()

    def stop(self) -> None:
        """Stop serving, wait for the loop to end and close the server's socket."""
        self._stopping.set()
        try:
            socket.create_connection(_reachable(self.server.server_address), timeout=1).close()
        except OSError:
            pass  # the loop's poll still sees the stop within STOP_POLL_SECONDS
        self.join()
        self.server.server_close()


def _reachable(address: Any) -> tuple[str, int]:
    """Where to connect to a server bound to ``address`` (a wildcard means this host)."""
    host, port = str(address[0]), int(address[1])
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
    return wildcard.get(host, host), port


class _QuietHandler(WSGIRequestHandler):
    """A request handler that does not log every request to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Say nothing: tests and embedding callers want a quiet server."""


class ReferencePlatform:
    """The reference platform as a context manager.

    >>> with ReferencePlatform() as platform:  # doctest: +SKIP
    ...     requests.get(platform.base_url + "/.well-known/interop")

    ``data_dir`` keeps the database and files; without one a temporary
    directory is used and removed on :meth:`stop`. Accounts (user ids)
    survive restarts on the same ``data_dir``; tokens are new every start.
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        part_size: int = 65536,
        *,
        rate_quota: int | None = None,
        rate_window: int | None = None,
        quiet: bool = True,
        choices: ChoiceSet = DEFAULT,
    ) -> None:
        self._requested_dir = data_dir
        self._host = host
        self._port = port
        self._part_size = part_size
        # An explicit quota (tests of the limiter) wins over the choice set's.
        chosen_quota, chosen_window = choices[RATE_QUOTA]
        self._rate_quota = chosen_quota if rate_quota is None else rate_quota
        self._rate_window = chosen_window if rate_window is None else rate_window
        self._choices = choices.replacing((RATE_QUOTA, (self._rate_quota, self._rate_window)))
        self._quiet = quiet
        self._state: _Running | None = None

    @property
    def choices(self) -> ChoiceSet:
        """The open choices this platform takes."""
        return self._choices

    @property
    def base_url(self) -> str:
        """The URL the platform answers on, e.g. ``http://127.0.0.1:41234``."""
        return self._running().base_url

    @property
    def identities(self) -> Identities:
        """Users, clients and tokens of this run."""
        return self._running().identities

    @property
    def data_dir(self) -> Path:
        """The directory holding the database and files of this run."""
        return self._running().data_dir

    def _running(self) -> _Running:
        if self._state is None:
            raise RuntimeError("the reference platform is not running; call start() first")
        return self._state

    def start(self) -> ReferencePlatform:
        """Open the store, compose the modules and serve in a daemon thread."""
        if self._state is not None:
            raise RuntimeError("the reference platform is already running")
        temporary = self._requested_dir is None
        data_dir = (
            Path(tempfile.mkdtemp(prefix="reference-platform-"))
            if self._requested_dir is None
            else self._requested_dir
        )
        store = Store(data_dir)
        with store.transaction() as tx:
            known = tx.accounts()
        identities = generate_identities(known, DEFAULT_USERS)
        with store.transaction() as tx:
            for name, user_id in identities.users.items():
                tx.add_account(name, user_id)
        started_at = utc_now()
        modules = build_modules(
            ModuleContext(store, identities, started_at, self._part_size, self._choices)
        )
        discovery = DiscoveryModule(PLATFORM_NAME, modules)
        app = ReferenceApp(
            [discovery, *modules],
            identities,
            FixedWindowLimiter(self._rate_quota, self._rate_window),
            choices=self._choices,
        )
        server = make_server(
            self._host,
            self._port,
            app,
            threaded=True,
            request_handler=_QuietHandler if self._quiet else None,
        )
        thread = ServingThread(server, "reference-platform")
        thread.start()
        self._state = _Running(
            thread, server.server_port, store, modules, identities, data_dir, temporary, self._host
        )
        return self

    def stop(self) -> None:
        """Stop serving, stop background work, close the store."""
        state, self._state = self._state, None
        if state is not None:
            state.close()

    def __enter__(self) -> ReferencePlatform:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _Running:
    """What a started platform holds, so that stop() can undo it in order."""

    def __init__(
        self,
        thread: ServingThread,
        port: int,
        store: Store,
        modules: list[Module],
        identities: Identities,
        data_dir: Path,
        temporary: bool,
        host: str,
    ) -> None:
        self.thread = thread
        self.store = store
        self.modules = modules
        self.identities = identities
        self.data_dir = data_dir
        self.temporary = temporary
        shown_host = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown_host}:{port}"

    def close(self) -> None:
        self.thread.stop()
        for module in self.modules:
            module.close()
        self.store.close()
        if self.temporary:
            shutil.rmtree(self.data_dir, ignore_errors=True)
