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
    raw_path: str = field(default="", repr=False)
    """The path as it arrived, percent-encoding intact (an S3 key's ``%2B`` stays ``%2B``):
    sent upstream while ``path`` is the one it was decoded to, so the bytes the client
    signed (SigV4 signs the encoded path) are the bytes the upstream sees."""
    arrived_path: str = field(default="", repr=False)

    @property
    def target(self) -> str:
        """Path and query, as sent upstream."""
        path = self.raw_path if self.raw_path and self.path == self.arrived_path else self.path
        return path + (f"?{self.query}" if self.query else "")

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
            self.upstream + _keep_dot_segments(request.target),
            headers=request.headers,
            data=request.body,
            allow_redirects=False,
            timeout=60,
        )
        headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
        if request.method == "HEAD" and "Content-Length" in upstream.headers:
            # A HEAD answer's length is the GET's; its (empty) body does not say it.
            headers["Content-Length"] = upstream.headers["Content-Length"]
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


def _keep_dot_segments(target: str) -> str:
    """``.`` and ``..`` path segments written ``%2E``, so that no HTTP library removes them
    (RFC 3986 §5.2.4) on the way upstream: in an S3 key they are names, not navigation."""
    path, mark, query = target.partition("?")
    segments = path.split("/")
    kept = "/".join(s.replace(".", "%2E") if s in (".", "..") else s for s in segments)
    return kept + mark + query
