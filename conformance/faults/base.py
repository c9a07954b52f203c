"""What a fault works with: requests and responses in flight, and the upstream."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import requests

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
        "host",
    }
)


@dataclass
class ProxyRequest:
    """A request on its way upstream; hooks may change any part of it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def target(self) -> str:
        """Path and query, as sent upstream."""
        return self.path + (f"?{self.query}" if self.query else "")

    def header(self, name: str) -> str | None:
        """A header, case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class ProxyResponse:
    """A response on its way back; hooks may change any part of it."""

    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header, case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def drop_header(self, name: str) -> None:
        """Remove a header, case-insensitively."""
        for key in [k for k in self.headers if k.lower() == name.lower()]:
            del self.headers[key]


@dataclass
class Exchange:
    """What a hook can reach: the proxy's own state and the upstream."""

    upstream: str
    session: requests.Session
    state: dict[Any, Any] = field(default_factory=dict)  # keys are tuples per transform
    lock: threading.RLock = field(default_factory=threading.RLock)

    def forward(self, request: ProxyRequest) -> ProxyResponse:
        """Send a request upstream and return its whole response."""
        upstream = self.session.request(
            request.method,
            self.upstream + request.target,
            headers=request.headers,
            data=request.body,
            allow_redirects=False,
            timeout=60,
        )
        headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
        return ProxyResponse(upstream.status_code, headers, upstream.content)


class Transform:
    """A fault's behaviour: hooks on the way up and on the way back.

    ``on_request`` may change the request, or answer it by returning a
    response (nothing is sent upstream then); ``on_response`` may change the
    upstream's answer.
    """

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        """Change or answer a request; the default passes it on."""
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        """Change a response; the default passes it back."""
        return response
