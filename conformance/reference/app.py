"""The WSGI application that composes the standards' modules.

Order of decisions for every request, chosen so that each error is the one
a careful client expects:

1. the bearer token, if any, is resolved and counted against its
   credential's rate-limit window;
2. the route is matched (404 NOT_FOUND, 405 UNSUPPORTED);
3. a route past its sunset answers 410 GONE with a successor link;
4. a route that needs a caller refuses anonymous requests (401);
5. a credential over its quota gets 429 with ``Retry-After``;
6. the handler runs; anything it raises becomes a problem body.

Afterwards rate-limit headers go on every answer to an authenticated
request and deprecation headers on every answer of a deprecated route.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .choices import DEFAULT, ChoiceSet
from .choices.common import LATENCY_JITTER_MS, RATELIMIT_SYNTAX, RETRY_AFTER
from .clock import utc_now
from .identities import Identities
from .problems import Problem, problem_from_http_exception
from .ratelimit import FixedWindowLimiter, RateDecision
from .routing import Caller, Context, Module, Route
from .shaping import Shaper

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)


def _token_key(token: str) -> bytes:
    # Callers are looked up by a digest of the token so that the lookup's
    # timing depends on the digest, not on how much of a secret matched.
    return hashlib.sha256(token.encode("utf-8")).digest()


class ReferenceApp:
    """A WSGI application serving the routes of every module it is given."""

    def __init__(
        self,
        modules: Sequence[Module],
        identities: Identities,
        limiter: FixedWindowLimiter,
        clock: Callable[[], datetime] = utc_now,
        choices: ChoiceSet = DEFAULT,
    ) -> None:
        self._limiter = limiter
        self._clock = clock
        self._choices = choices
        self._shaper = Shaper(choices, clock)
        self._jitter = choices.random("latency")
        self._routes: dict[str, Route] = {}
        rules: list[Rule] = []
        for module in modules:
            for route in module.routes():
                endpoint = f"r{len(self._routes)}"
                self._routes[endpoint] = route
                rules.append(Rule(route.path, methods=list(route.methods), endpoint=endpoint))
        # No slash or merge redirects: a near-miss path is a plain 404 problem.
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)
        self._callers = {
            _token_key(token): Caller(client, user, identities.users[user])
            for (client, user), token in identities.tokens.items()
        }

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one WSGI request."""
        response = self.dispatch(Request(environ))
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Answer one request; never raises."""
        self._delay()
        caller, auth_failure = self._authenticate(request)
        decision = self._limiter.hit(caller.credential) if caller is not None else None
        route: Route | None = None
        args: Mapping[str, Any] = {}
        try:
            adapter = self._map.bind_to_environ(request.environ)
            endpoint, args = adapter.match()
            route = self._routes[endpoint]
            response = self._run(route, args, request, caller, auth_failure, decision)
        except Problem as problem:
            response = problem.response()
        except HTTPException as exc:
            response = problem_from_http_exception(exc).response()
        except Exception:
            logger.exception("unhandled error in %s %s", request.method, request.path)
            response = Problem(500, "INTERNAL", "the platform failed to answer").response()
        self._decorate(response, request, route, args, decision)
        self._shaper.shape_response(response, request.method)
        return response

    def _delay(self) -> None:
        # The same log-normal delay for every caller: latency noise a fair
        # platform may have, which FAIR-004 must tell apart from unfairness.
        median_ms = self._choices[LATENCY_JITTER_MS]
        if median_ms > 0:
            delay_ms = min(10 * median_ms, median_ms * self._jitter.lognormvariate(0.0, 0.5))
            time.sleep(delay_ms / 1000)

    def _retry_after(self, seconds: int) -> str:
        if self._choices[RETRY_AFTER] == "http-date":
            # Rounded up to the next whole second, so waiting until it is enough.
            return formatdate(math.ceil(time.time()) + seconds, usegmt=True)
        return str(seconds)

    def _authenticate(self, request: Request) -> tuple[Caller | None, str | None]:
        header = request.headers.get("Authorization")
        if header is None:
            return None, "missing"
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, "invalid"
        caller = self._callers.get(_token_key(token.strip()))
        return (caller, None) if caller is not None else (None, "invalid")

    def _run(
        self,
        route: Route,
        args: Mapping[str, Any],
        request: Request,
        caller: Caller | None,
        auth_failure: str | None,
        decision: RateDecision | None,
    ) -> Response:
        deprecation = route.deprecation
        if (
            deprecation is not None
            and deprecation.applies_to(request.method)
            and deprecation.is_sunset(self._clock())
        ):
            raise Problem(
                410,
                "GONE",
                f"{deprecation.method} {deprecation.path} was retired; "
                f"use {deprecation.successor_url(args)}",
                {"Link": deprecation.successor_link(args)},
            )
        if not route.anonymous and caller is None:
            if auth_failure == "missing":
                raise Problem(
                    401,
                    "UNAUTHENTICATED",
                    "this operation needs an Authorization: Bearer token",
                    {"WWW-Authenticate": "Bearer"},
                )
            raise Problem(
                401,
                "UNAUTHENTICATED",
                "the bearer token is not valid",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if decision is not None and not decision.allowed:
            raise Problem(
                429,
                "TOO_MANY_REQUESTS",
                f"more than {decision.quota} requests in {decision.window} s for this credential",
                {"Retry-After": self._retry_after(decision.reset_seconds)},
            )
        return route.handler(Context(request, caller, args))

    def _decorate(
        self,
        response: Response,
        request: Request,
        route: Route | None,
        args: Mapping[str, Any],
        decision: RateDecision | None,
    ) -> None:
        if decision is not None:
            response.headers.update(decision.headers(self._choices[RATELIMIT_SYNTAX]))
        deprecation = route.deprecation if route is not None else None
        if deprecation is not None and deprecation.applies_to(request.method):
            response.headers.update(deprecation.headers())
            if "Link" not in response.headers:
                response.headers["Link"] = deprecation.successor_link(args)
