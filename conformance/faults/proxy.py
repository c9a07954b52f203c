"""A reverse proxy that puts a named fault in front of any target.

Requests reach the proxy on loopback, pass the fault's request hook, go to
the upstream target, and come back through the fault's response hook. The
fault may also answer by itself, or call upstream again (to rewrite an
export, for example) through ``Exchange.forward``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import requests
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request as WsgiRequest
from werkzeug.wrappers import Response as WsgiResponse

from conformance.faults.base import HOP_BY_HOP, Exchange, ProxyRequest
from conformance.faults.catalog import Fault
from conformance.reference.server import ServingThread


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Say nothing: the evidence log is the record of what happened."""


class FaultProxy:
    """Serves ``fault`` in front of ``upstream`` on a free loopback port."""

    def __init__(self, upstream: str, fault: Fault, host: str = "127.0.0.1", port: int = 0) -> None:
        self.fault = fault
        self.exchange = Exchange(upstream.rstrip("/"), requests.Session())
        self.exchange.session.trust_env = False
        self.transform = fault.build()
        self._server: BaseWSGIServer = make_server(
            host, port, self._app, threaded=True, request_handler=_QuietHandler
        )
        self._thread = ServingThread(self._server, f"fault-{fault.name}")
        self.base_url = f"http://{host}:{self._server.server_port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.stop()
        self.exchange.session.close()

    def _app(self, environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        incoming = WsgiRequest(dict(environ))
        request = ProxyRequest(
            method=incoming.method,
            path=incoming.path,
            query=incoming.query_string.decode("latin-1"),
            headers={k: v for k, v in incoming.headers.items() if k.lower() not in HOP_BY_HOP},
            body=incoming.get_data(),
            raw_path=_raw_path(environ),
            arrived_path=incoming.path,
        )
        # Passed on as a transparent reverse proxy does, so that a platform that
        # builds absolute URLs from its Host (share pages, Location, part and
        # media URLs) names the proxy, not itself.
        request.headers["Host"] = incoming.host
        response = self.transform.on_request(self.exchange, request)
        if response is None:
            response = self.exchange.forward(request)
            response = self.transform.on_response(self.exchange, request, response)
        out = WsgiResponse(response.body, status=response.status)
        out.headers.clear()
        for key, value in response.headers.items():
            out.headers.add(key, value)
        if not (incoming.method == "HEAD" and response.header("Content-Length")):
            out.headers["Content-Length"] = str(len(response.body))
        return out(dict(environ), start_response)


def _raw_path(environ: Mapping[str, Any]) -> str:
    """The request's path as the client encoded it (werkzeug's server keeps it in REQUEST_URI)."""
    uri = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "")
    if "://" in uri:  # an absolute-form request target
        uri = "/" + uri.split("://", 1)[1].partition("/")[2]
    return uri.partition("?")[0]
