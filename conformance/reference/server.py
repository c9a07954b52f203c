"""Serve the reference platform over real HTTP on loopback."""

from __future__ import annotations

import shutil
import socket
import socketserver
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import ReferenceApp
from .choices import DEFAULT, ChoiceSet
from .choices.common import RATE_QUOTA
from .clock import utc_now
from .cloud_s3 import S3Surface
from .cloud_s3_auth import access_keys
from .cloud_store import ObjectStore
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
        self.port = _reachable(server.server_address)[1]
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


class _S3Handler(WSGIRequestHandler):
    """Keeps the request target exactly as sent, for the S3 surface.

    ``http.server`` folds a target starting with ``//`` into one ``/``; in a
    virtual-hosted S3 request that first ``/`` after the root belongs to the
    key (``/leading-slash`` is a key), and the signature covers it.
    """

    def make_environ(self) -> Any:
        environ = super().make_environ()
        words = self.requestline.split()
        if len(words) == 3 and words[1].startswith("//"):
            environ["RAW_URI"] = environ["REQUEST_URI"] = words[1]
        return environ


class _QuietS3Handler(_S3Handler, _QuietHandler):
    """The S3 surface's handler, without a log line per request."""


class ReferencePlatform:
    """The reference platform as a context manager.

    >>> with ReferencePlatform() as platform:  # doctest: +SKIP
    ...     requests.get(platform.base_url + "/.well-known/interop")

    ``data_dir`` keeps the database and files; without one a temporary
    directory is used and removed on :meth:`stop`. Accounts (user ids)
    survive restarts on the same ``data_dir``; tokens are new every start,
    unless ``identities`` are given (known ahead: ``identities_env``).
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
        s3_port: int = 0,
        identities: Identities | None = None,
    ) -> None:
        self._requested_dir = data_dir
        self._given_identities = identities
        self._host = host
        self._port = port
        self._s3_port = s3_port
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
    def s3_endpoint(self) -> str:
        """Where CLOUD's S3 surface answers (a listener of its own), e.g. ``http://127.0.0.1:41235``."""
        return self._running().s3_endpoint

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
        identities = self._given_identities or generate_identities(known, DEFAULT_USERS)
        try:
            _check_accounts(identities, known)
        except ValueError:
            store.close()
            raise
        with store.transaction() as tx:
            for name, user_id in identities.users.items():
                tx.add_account(name, user_id)
        started_at = utc_now()
        objects = ObjectStore(data_dir / "cloud")
        modules = build_modules(
            ModuleContext(store, identities, started_at, self._part_size, self._choices, objects)
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
        s3_thread = self._serve_s3(objects, identities)
        self._state = _Running(
            [s3_thread, thread],
            server.server_port,
            s3_thread.port,
            _Stores(store, objects),
            modules,
            identities,
            data_dir,
            temporary,
            self._host,
        )
        return self

    def _serve_s3(self, objects: ObjectStore, identities: Identities) -> ServingThread:
        """Start CLOUD's S3 surface on a listener of its own, beside the platform's."""
        accounts = identities.users
        surface = S3Surface(
            objects,
            access_keys(identities.s3_keys, accounts),
            {user_id: name for name, user_id in accounts.items()},
            self._choices,
            hosts=(self._host, "localhost"),
        )
        server = make_server(
            self._host,
            self._s3_port,
            surface,
            threaded=True,
            request_handler=_QuietS3Handler if self._quiet else _S3Handler,
        )
        thread = ServingThread(server, "reference-s3")
        thread.start()
        return thread

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


def _check_accounts(identities: Identities, known: dict[str, str]) -> None:
    """Refuse given identities whose user ids differ from the accounts the data already holds."""
    clash = sorted(u for u, i in identities.users.items() if known.get(u, i) != i)
    if clash:
        raise ValueError(
            f"the data directory holds other ids for {', '.join(clash)} than the identities "
            "given; use a new data directory or the ids it holds"
        )


class _Stores(NamedTuple):
    """The platform's database and CLOUD's object store."""

    store: Store
    objects: ObjectStore


class _Running:
    """What a started platform holds, so that stop() can undo it in order."""

    def __init__(
        self,
        threads: list[ServingThread],
        port: int,
        s3_port: int,
        stores: _Stores,
        modules: list[Module],
        identities: Identities,
        data_dir: Path,
        temporary: bool,
        host: str,
    ) -> None:
        self.threads = threads
        self.stores = stores
        self.modules = modules
        self.identities = identities
        self.data_dir = data_dir
        self.temporary = temporary
        shown_host = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown_host}:{port}"
        self.s3_endpoint = f"http://{shown_host}:{s3_port}"

    def close(self) -> None:
        for thread in self.threads:
            thread.stop()
        for module in self.modules:
            module.close()
        self.stores.objects.close()
        self.stores.store.close()
        if self.temporary:
            shutil.rmtree(self.data_dir, ignore_errors=True)
