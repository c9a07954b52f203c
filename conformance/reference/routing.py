"""What a standard's module hands the application: routes, claims, limits.

A module is anything with :meth:`Module.routes`, :meth:`Module.claims`,
:meth:`Module.limits` and :meth:`Module.close`; the application composes
modules and owns everything they share (authentication, problems, rate
limits, deprecation headers), so a module's handlers only do their job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from .deprecation import Deprecation
from .problems import Problem


@dataclass(frozen=True)
class Caller:
    """The authenticated role behind a request."""

    client: str
    user_name: str
    user_id: str

    @property
    def credential(self) -> tuple[str, str]:
        """The key rate limits count by: one client for one user."""
        return (self.client, self.user_name)


@dataclass(frozen=True)
class Context:
    """Everything a handler receives about one request."""

    request: Request
    caller: Caller | None
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def account(self) -> str:
        """The caller's account (user id); 401 if the request is anonymous.

        The application already refuses anonymous requests to routes that
        need a caller; this guards a handler wired to the wrong route.
        """
        if self.caller is None:
            raise Problem(401, "UNAUTHENTICATED", "this operation needs a bearer token")
        return self.caller.user_id


Handler = Callable[[Context], Response]


@dataclass(frozen=True)
class Route:
    """One operation: a Werkzeug rule string, its methods and its handler."""

    path: str
    methods: tuple[str, ...]
    handler: Handler
    anonymous: bool = False
    deprecation: Deprecation | None = None


@dataclass(frozen=True)
class Claim:
    """A standard the platform claims in ``/.well-known/interop``."""

    id: str
    version: str
    profiles: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """Render the discovery-document entry."""
        return {"id": self.id, "version": self.version, "profiles": list(self.profiles)}


class Module(Protocol):
    """A standard's contribution to the platform."""

    def routes(self) -> Sequence[Route]:
        """The operations this module serves."""
        ...

    def claims(self) -> Sequence[Claim]:
        """The standards and profiles this module implements."""
        ...

    def limits(self) -> Mapping[str, int]:
        """The discovery limits this module declares."""
        ...

    def close(self) -> None:
        """Stop background work; called once when the platform stops."""
        ...


def json_response(
    body: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Render a JSON body exactly: no ASCII escaping, so text stays as stored."""
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def read_body(request: Request, limit: int) -> bytes:
    """Read a request body of at most ``limit`` bytes, else 413 TOO_LARGE.

    An oversized body is still read to its end (up to a bound) before the
    413 goes out: the server closes the connection after answering, and a
    client still writing would otherwise see a reset instead of the problem.
    """
    stream = request.environ["wsgi.input"]
    declared = request.content_length
    if declared is None and not request.environ.get("wsgi.input_terminated"):
        # Neither a length nor chunked framing: HTTP/1.1 says the body is
        # empty, and reading the socket would wait for the client forever.
        return b""
    drain_bound = 4 * limit
    if declared is not None and declared > drain_bound:
        raise Problem(413, "TOO_LARGE", f"the body exceeds {limit} bytes")
    chunks: list[bytes] = []
    received = 0
    remaining = declared if declared is not None else None
    while remaining is None or remaining > 0:
        size = 65536 if remaining is None else min(65536, remaining)
        chunk = stream.read(size)
        if not chunk:
            break
        received += len(chunk)
        if remaining is not None:
            remaining -= len(chunk)
        if received <= limit:
            chunks.append(chunk)
        elif received > drain_bound:
            break
    if received > limit:
        raise Problem(413, "TOO_LARGE", f"the body exceeds {limit} bytes")
    return b"".join(chunks)
