"""FAIR 1.0 on the reference platform: one catalogue, one price list, for every client.

Nothing here looks at who is calling beyond authentication: the client,
the user, ``User-Agent``, ``Origin`` and ``Referer`` never change an
answer (the application already counts every credential against the same
quota). CORS allows the origin of every registered client alike. Where the
draft leaves room, the module takes the option its choice set names
(``conformance.reference.choices.fair``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from werkzeug.wrappers import Response

from .choices import DEFAULT, ChoiceSet
from .choices.common import RATE_QUOTA
from .choices.fair import (
    CORS_ORIGIN,
    CORS_PREFLIGHT,
    DISCOUNT_FORM,
    IDS,
    ITEM_ORDER,
    LAST_PAGE_TOKEN,
    MONEY_SCALE,
    PAGE_FILL,
    PAGE_SIZES,
    PAGE_TOKENS,
    QUOTE_STATUS,
    RATE_LIMIT_ENTRIES,
    SEARCH,
    TIE_RULE,
)
from .clock import format_timestamp
from .deprecation import Deprecation
from .fair_catalog import PRICING_RULES, make_items, quote
from .fair_paging import Pager, matches, ordered
from .problems import Problem
from .routing import Claim, Context, Handler, Route, json_response, read_body

if TYPE_CHECKING:
    from .standards import ModuleContext

MAX_QUANTITY: Final = 100_000
CLASSES: Final = ("first_party", "third_party", "competitor")
_PREFLIGHT: Final[Mapping[str, tuple[int, str, str, str | None]]] = {
    # status, allowed methods, allowed headers ("" echoes the request), max-age
    "listed": (204, "GET, POST, OPTIONS", "Authorization, Content-Type", "600"),
    "echo": (200, "", "", None),
    "wide": (
        204,
        "GET, HEAD, POST, OPTIONS",
        "Authorization, Content-Type, Accept, Accept-Language, If-None-Match",
        "86400",
    ),
}


class FairModule:
    """The FAIR routes: rules, items, quotes, two deprecated aliases and CORS."""

    def __init__(
        self,
        started_at: datetime,
        origins: Sequence[str],
        quota: tuple[int, int] | None = None,
        choices: ChoiceSet = DEFAULT,
    ) -> None:
        # The rules publish, for every class alike, the quota the application enforces.
        self._quota, self._window = quota if quota is not None else choices[RATE_QUOTA]
        self._choices = choices
        self._items = make_items(choices[IDS])
        self._by_id = {item.id: item for item in self._items}
        self._pager = Pager(
            sizes=choices[PAGE_SIZES],
            fill=choices[PAGE_FILL],
            tokens=choices[PAGE_TOKENS],
            last_page=choices[LAST_PAGE_TOKEN],
        )
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
        form = self._choices[DISCOUNT_FORM]
        return json_response(
            {
                "version": "2026.1",
                "published_at": format_timestamp(self._published_at),
                "effective_from": format_timestamp(self._published_at + timedelta(days=15)),
                "rate_limits": self._rate_limits(),
                "pricing_rules": [rule.to_json(form) for rule in PRICING_RULES],
                "deprecations": [self._products.to_json(), self._product.to_json()],
            }
        )

    def _rate_limits(self) -> list[dict[str, object]]:
        # Every entry a class can fall back to states the quota the application enforces.
        def entry(client_class: str, requests: int) -> dict[str, object]:
            return {
                "client_class": client_class,
                "requests": requests,
                "window_seconds": self._window,
            }

        kind = self._choices[RATE_LIMIT_ENTRIES]
        if kind == "star":
            return [entry("*", self._quota)]
        classes = [entry(c, self._quota) for c in CLASSES]
        if kind == "over-star":
            return [entry("*", max(1, self._quota // 2)), *classes]
        return classes

    def list_items(self, ctx: Context) -> Response:
        """``GET /fair/v1/items?query=&page_token=&limit=``."""
        args = ctx.request.args
        token = args.get("page_token") or None
        credential = _credential(ctx)
        query = self._pager.effective_query(token, args.get("query", ""), credential)
        search = self._choices[SEARCH]
        listing = ordered(
            [item for item in self._items if matches(item, query, search)],
            self._choices[ITEM_ORDER],
        )
        page, next_token = self._pager.page(listing, query, args.get("limit"), token, credential)
        scale = self._choices[MONEY_SCALE]
        body: dict[str, object] = {"items": [item.to_json(scale) for item in page]}
        if next_token is not None or self._pager.last_page == "null":
            body["next_page_token"] = next_token
        return json_response(body)

    def get_item(self, ctx: Context) -> Response:
        """``GET /fair/v1/items/{id}``."""
        item = self._by_id.get(str(ctx.args["id"]))
        if item is None:
            raise Problem(404, "NOT_FOUND", f"no item {ctx.args['id']!r}")
        return json_response(item.to_json(self._choices[MONEY_SCALE]))

    def create_quote(self, ctx: Context) -> Response:
        """``POST /fair/v1/quotes``: the published rules' price, for anyone."""
        try:
            body = json.loads(read_body(ctx.request, 64 * 1024) or b"null")
        except (UnicodeDecodeError, ValueError, RecursionError):  # nested past Python's stack
            raise Problem(400, "INVALID", "the body is not JSON") from None
        item_id, quantity, coupon = _quote_fields(body)
        item = self._by_id.get(item_id)
        if item is None:
            raise Problem(404, "NOT_FOUND", f"no item {item_id!r}")
        made = quote(item, quantity, coupon, PRICING_RULES, self._choices[TIE_RULE])
        response = json_response(made.to_json(self._choices[MONEY_SCALE]))
        response.status_code = self._choices[QUOTE_STATUS]
        return response

    def preflight(self, ctx: Context) -> Response:
        """A CORS preflight: the same answer for every registered client's origin."""
        status, methods, headers, max_age = _PREFLIGHT[self._choices[CORS_PREFLIGHT]]
        request = ctx.request.headers
        response = Response(status=status)
        allowed = self._allowed_origin(request.get("Origin"))
        if self._choices[CORS_ORIGIN] != "wildcard":
            response.headers["Vary"] = "Origin"
        if allowed is not None:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Allow-Methods"] = methods or request.get(
                "Access-Control-Request-Method", "GET"
            )
            asked = request.get("Access-Control-Request-Headers", "")
            if headers or asked:
                response.headers["Access-Control-Allow-Headers"] = headers or asked
            if max_age is not None:
                response.headers["Access-Control-Max-Age"] = max_age
        return response

    def _allowed_origin(self, origin: str | None) -> str | None:
        if self._choices[CORS_ORIGIN] == "wildcard":
            return "*"
        return origin if origin in self._origins else None

    def _cors(self, handler: Handler) -> Handler:
        """Wrap a handler so its answers, errors included, carry CORS headers."""

        def wrapped(ctx: Context) -> Response:
            allowed = self._allowed_origin(ctx.request.headers.get("Origin"))
            extra = {} if self._choices[CORS_ORIGIN] == "wildcard" else {"Vary": "Origin"}
            if allowed is not None:
                extra["Access-Control-Allow-Origin"] = allowed
            try:
                response = handler(ctx)
            except Problem as problem:
                problem.headers.update(extra)
                raise
            response.headers.update(extra)
            return response

        return wrapped


def _credential(ctx: Context) -> str:
    caller = ctx.caller
    return f"{caller.client}/{caller.user_name}" if caller is not None else ""


def _quote_fields(body: object) -> tuple[str, int, str | None]:
    if not isinstance(body, dict):
        raise Problem(400, "INVALID", "the body must be a JSON object")
    item_id, quantity, coupon = body.get("item_id"), body.get("quantity"), body.get("coupon")
    if not isinstance(item_id, str) or not item_id:
        raise Problem(400, "INVALID", "item_id must be a non-empty string")
    if isinstance(quantity, float) and quantity.is_integer():
        # JSON has one number type: 2.0 is the integer 2 (JSON Schema agrees).
        quantity = int(quantity)
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
    return FairModule(ctx.started_at, origins, ctx.choices[RATE_QUOTA], ctx.choices)
