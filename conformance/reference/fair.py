"""FAIR 1.0 on the reference platform: one catalogue, one price list, for every client.

Nothing here looks at who is calling beyond authentication: the client,
the user, ``User-Agent``, ``Origin`` and ``Referer`` never change an
answer (the application already counts every credential against the same
quota). CORS allows the origin of every registered client alike.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from werkzeug.wrappers import Response

from .clock import format_timestamp
from .deprecation import Deprecation
from .fair_catalog import ITEMS, ITEMS_BY_ID, PRICING_RULES, quote
from .problems import Problem
from .routing import Claim, Context, Handler, Route, json_response, read_body

if TYPE_CHECKING:
    from .standards import ModuleContext

# What the application enforces (ReferencePlatform's rate_quota / rate_window
# defaults); the rules publish it for every class alike.
RATE_QUOTA: Final = 5000
RATE_WINDOW: Final = 60
MAX_QUANTITY: Final = 100_000
DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 50
_CORS_METHODS: Final = "GET, POST, OPTIONS"
_CORS_HEADERS: Final = "Authorization, Content-Type"


class FairModule:
    """The FAIR routes: rules, items, quotes, two deprecated aliases and CORS."""

    def __init__(self, started_at: datetime, origins: Sequence[str]) -> None:
        start = started_at.replace(microsecond=0)
        self._published_at = start - timedelta(days=20)
        self._origins = frozenset(origins)
        self._products = Deprecation(
            "GET",
            "/fair/v1/products",
            start - timedelta(days=10),
            start + timedelta(days=30),
            "/fair/v1/items",
        )
        self._product = Deprecation(
            "GET",
            "/fair/v1/products/{id}",
            start - timedelta(days=60),
            start - timedelta(days=1),
            "/fair/v1/items/{id}",
        )

    def routes(self) -> Sequence[Route]:
        """Every FAIR operation, its preflights and the deprecated aliases."""
        paths = (
            "/.well-known/platform-rules",
            "/fair/v1/items",
            "/fair/v1/items/<id>",
            "/fair/v1/quotes",
        )
        return [
            Route("/.well-known/platform-rules", ("GET",), self._cors(self.rules), anonymous=True),
            Route("/fair/v1/items", ("GET",), self._cors(self.list_items)),
            Route("/fair/v1/items/<id>", ("GET",), self._cors(self.get_item)),
            Route("/fair/v1/quotes", ("POST",), self._cors(self.create_quote)),
            Route(
                "/fair/v1/products",
                ("GET",),
                self._cors(self.list_items),
                deprecation=self._products,
            ),
            Route(
                "/fair/v1/products/<id>",
                ("GET",),
                self._cors(self.get_item),
                deprecation=self._product,
            ),
            *(Route(p, ("OPTIONS",), self.preflight, anonymous=True) for p in paths),
        ]

    def claims(self) -> Sequence[Claim]:
        """FAIR 1.0, both profiles."""
        return [Claim("FAIR", "1.0", ("core", "browser"))]

    def limits(self) -> Mapping[str, int]:
        """FAIR declares no discovery limits (its quotas are in the platform rules)."""
        return {}

    def close(self) -> None:
        """Nothing runs in the background."""

    # -- handlers ------------------------------------------------------------
    def rules(self, ctx: Context) -> Response:
        """``GET /.well-known/platform-rules``."""
        return json_response(
            {
                "version": "2026.1",
                "published_at": format_timestamp(self._published_at),
                "effective_from": format_timestamp(self._published_at + timedelta(days=15)),
                "rate_limits": [
                    {"client_class": "*", "requests": RATE_QUOTA, "window_seconds": RATE_WINDOW}
                ],
                "pricing_rules": [rule.to_json() for rule in PRICING_RULES],
                "deprecations": [self._products.to_json(), self._product.to_json()],
            }
        )

    def list_items(self, ctx: Context) -> Response:
        """``GET /fair/v1/items?query=&page_token=&limit=``."""
        args = ctx.request.args
        query = args.get("query", "")
        limit = _limit(args.get("limit"))
        token = args.get("page_token")
        offset = _read_token(token, query) if token else 0
        found = [item for item in ITEMS if query.casefold() in item.title.casefold()]
        page = found[offset : offset + limit]
        after = offset + len(page)
        return json_response(
            {
                "items": [item.to_json() for item in page],
                "next_page_token": _make_token(after, query) if after < len(found) else None,
            }
        )

    def get_item(self, ctx: Context) -> Response:
        """``GET /fair/v1/items/{id}``."""
        item = ITEMS_BY_ID.get(str(ctx.args["id"]))
        if item is None:
            raise Problem(404, "NOT_FOUND", f"no item {ctx.args['id']!r}")
        return json_response(item.to_json())

    def create_quote(self, ctx: Context) -> Response:
        """``POST /fair/v1/quotes``: the published rules' price, for anyone."""
        try:
            body = json.loads(read_body(ctx.request, 64 * 1024) or b"null")
        except (UnicodeDecodeError, ValueError):
            raise Problem(400, "INVALID", "the body is not JSON") from None
        item_id, quantity, coupon = _quote_fields(body)
        item = ITEMS_BY_ID.get(item_id)
        if item is None:
            raise Problem(404, "NOT_FOUND", f"no item {item_id!r}")
        return json_response(quote(item, quantity, coupon).to_json())

    def preflight(self, ctx: Context) -> Response:
        """A CORS preflight: the same answer for every registered client's origin."""
        response = Response(status=204)
        origin = ctx.request.headers.get("Origin")
        response.headers["Vary"] = "Origin"
        if origin in self._origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = _CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = _CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
        return response

    def _cors(self, handler: Handler) -> Handler:
        """Wrap a handler so its answers, errors included, carry CORS headers."""

        def wrapped(ctx: Context) -> Response:
            origin = ctx.request.headers.get("Origin")
            extra = {"Vary": "Origin"}
            if origin in self._origins:
                extra["Access-Control-Allow-Origin"] = str(origin)
            try:
                response = handler(ctx)
            except Problem as problem:
                problem.headers.update(extra)
                raise
            response.headers.update(extra)
            return response

        return wrapped


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise Problem(400, "INVALID", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def _make_token(offset: int, query: str) -> str:
    # A fresh nonce in every token: tokens are opaque and differ between
    # equal requests, as FAIR allows; only the items they yield are compared.
    raw = json.dumps({"o": offset, "q": query, "n": secrets.token_hex(4)})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_token(token: str, query: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state: Any = json.loads(raw)
        offset = state["o"]
        same_query = state["q"] == query
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise Problem(400, "INVALID", "page_token is not one this platform issued") from None
    if not isinstance(offset, int) or offset < 0 or not same_query:
        raise Problem(400, "INVALID", "page_token does not belong to this query")
    return offset


def _quote_fields(body: object) -> tuple[str, int, str | None]:
    if not isinstance(body, dict):
        raise Problem(400, "INVALID", "the body must be a JSON object")
    item_id, quantity, coupon = body.get("item_id"), body.get("quantity"), body.get("coupon")
    if not isinstance(item_id, str) or not item_id:
        raise Problem(400, "INVALID", "item_id must be a non-empty string")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise Problem(400, "INVALID", "quantity must be an integer")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Problem(400, "INVALID", f"quantity must be from 1 to {MAX_QUANTITY}")
    if coupon is not None and not isinstance(coupon, str):
        raise Problem(400, "INVALID", "coupon must be a string")
    return item_id, quantity, coupon


def create(ctx: ModuleContext) -> FairModule:
    """The FAIR module; CORS allows the origin of every registered client."""
    origins = [h["Origin"] for h in ctx.identities.clients.values() if "Origin" in h]
    return FairModule(ctx.started_at, origins)
