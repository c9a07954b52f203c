"""Cutting a request that is still waiting for its answer, from another thread.

A socket's timeout bounds each read, not a request: a platform that drips
its status line and headers a byte every few seconds never trips it and
holds the request, and its check, as long as it likes. The probe arms the
shared watchdog at the request's deadline; when it fires it shuts the
socket the request is waiting on, and the blocked read returns at once.

requests and urllib3 do not hand that socket out while ``Session.request``
is blocked, so the session's adapter (``CuttingAdapter``) uses connection
pools that note, for the thread sending, the connection each request goes
out on (``InFlight``). Nothing else about the connection changes: the same
pools, keys, TLS and keep-alive as a plain ``HTTPAdapter``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager


class Cutter:
    """The connection one request went out on, and whether its deadline cut it."""

    def __init__(self) -> None:
        self.connection: HTTPConnection | None = None
        self.fired = False

    def fire(self) -> None:
        """Shut the request's socket (the watchdog calls this at the deadline)."""
        self.fired = True
        sock = getattr(self.connection, "sock", None)
        if sock is None:
            return  # still connecting: the connect timeout bounds that
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # closed already


class InFlight:
    """Per thread, the cutter of the request that thread is sending."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def sending(self) -> Iterator[Cutter]:
        """A cutter for the request the calling thread sends inside the block."""
        cutter = Cutter()
        self._local.cutter = cutter
        try:
            yield cutter
        finally:
            self._local.cutter = None

    def note(self, connection: HTTPConnection) -> None:
        """The calling thread's request goes out on ``connection``."""
        cutter: Cutter | None = getattr(self._local, "cutter", None)
        if cutter is not None:
            cutter.connection = connection


class _Noting:
    """A connection pool that tells ``in_flight`` which connection each request takes."""

    in_flight: InFlight | None = None

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        if self.in_flight is not None:
            self.in_flight.note(connection)
        return connection


class _HTTPPool(_Noting, HTTPConnectionPool):
    pass


class _HTTPSPool(_Noting, HTTPSConnectionPool):
    pass


class _Pools(PoolManager):
    """urllib3's pool manager, making noting pools."""

    def __init__(self, in_flight: InFlight, **kw: Any) -> None:
        super().__init__(**kw)
        self.in_flight = in_flight
        self.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        if isinstance(pool, _Noting):
            pool.in_flight = self.in_flight
        return pool


class CuttingAdapter(HTTPAdapter):
    """requests' HTTP adapter whose requests ``in_flight`` can cut."""

    def __init__(self, in_flight: InFlight) -> None:
        self.in_flight = in_flight  # before HTTPAdapter.__init__ makes the pool manager
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        """As ``HTTPAdapter.init_poolmanager``, with pools that note their connections."""
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = _Pools(
            self.in_flight, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )
