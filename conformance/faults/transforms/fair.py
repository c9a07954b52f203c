"""Transforms that break FAIR requirements: each treats some client worse than first_party.

Clients are told apart the way a discriminating platform would: by the
``User-Agent`` (the reference's clients end theirs with ``(first-party)``,
``(third-party)`` or ``(competitor)``), the ``Referer``, the ``Origin``, or a
token seen before.
"""

from __future__ import annotations

import json
import math
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, problem, with_json_body

_ITEMS = "/fair/v1/items"
_QUOTES = "/fair/v1/quotes"
_RULES = "/.well-known/platform-rules"
_CENT = Decimal("0.01")


def _agent(request: ProxyRequest, marker: str) -> bool:
    return marker in (request.header("User-Agent") or "")


def _is_client(exchange: Exchange, request: ProxyRequest, marker: str) -> bool:
    """Whether the request comes from the client whose User-Agent carries ``marker``.

    A discriminating platform knows its clients by their credentials, not by
    what they claim: a token once seen with the marker counts as that client
    whatever User-Agent, Origin or Referer it presents later.
    """
    token = request.header("Authorization")
    with exchange.lock:
        known = exchange.state.setdefault(("clients", marker), set())
        if token and _agent(request, marker):
            known.add(token)
        return bool(token and token in known) or _agent(request, marker)


def _reprice(body: dict[str, Any], unit: Decimal) -> None:
    body["unit_price"] = f"{unit:.2f}"
    body["total"] = f"{unit * int(body['quantity']):.2f}"


class SlowShare(Transform):
    """FAIR-004: every ``every``-th request of one client waits ``delay`` seconds more."""

    def __init__(
        self,
        user_agent_contains: str,
        every: int = 4,
        delay: float = 0.3,
        path_prefix: str = "/fair/",
    ) -> None:
        self.marker, self.every, self.delay, self.prefix = (
            user_agent_contains,
            every,
            delay,
            path_prefix,
        )

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if _agent(request, self.marker) and request.path.startswith(self.prefix):
            with exchange.lock:
                n = exchange.state.get(("slow",), 0) + 1
                exchange.state[("slow",)] = n
            if n % self.every == 0:
                time.sleep(self.delay)
        return None


class DemoteMerchant(Transform):
    """FAIR-001: clients other than first_party see one merchant's items last on every page.

    Without ``merchant_id`` the merchant is the one of each page's first item
    (whatever the platform's id format).
    """

    def __init__(
        self, merchant_id: str | None = None, first_party_marker: str = "(first-party)"
    ) -> None:
        self.merchant, self.marker = merchant_id, first_party_marker

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if (
            request.path != _ITEMS
            or _is_client(exchange, request, self.marker)
            or not isinstance(body, dict)
        ):
            return response
        items = body.get("items")
        if isinstance(items, list) and items:
            first = items[0].get("merchant_id") if isinstance(items[0], dict) else None
            merchant = self.merchant or first
            body["items"] = sorted(
                items, key=lambda i: isinstance(i, dict) and i.get("merchant_id") == merchant
            )
            return with_json_body(response, body)
        return response


class KnownUsersPayMore(Transform):
    """FAIR-002: a token seen before is quoted ``surcharge_percent`` more ("big data killing")."""

    def __init__(self, surcharge_percent: str = "5") -> None:
        self.factor = 1 + Decimal(surcharge_percent) / 100

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        token = request.header("Authorization")
        with exchange.lock:
            seen = exchange.state.setdefault(("seen",), set())
            request.headers["X-Fault-Known"] = "1" if token in seen else "0"
            if token:
                seen.add(token)
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if (
            request.path != _QUOTES
            or request.header("X-Fault-Known") != "1"
            or not isinstance(body, dict)
        ):
            return response
        try:
            unit = (Decimal(body["unit_price"]) * self.factor).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            body["unit_price"], body["total"] = f"{unit}", f"{unit * int(body['quantity'])}"
        except (KeyError, ValueError, ArithmeticError, TypeError):
            return response
        return with_json_body(response, body)


class SmallerQuota(Transform):
    """FAIR-003: one client gets ``quota`` requests per credential and fixed window, not the published one."""

    def __init__(self, user_agent_contains: str, quota: int = 40, window: int = 60) -> None:
        self.marker, self.quota, self.window = user_agent_contains, quota, window

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        token = request.header("Authorization")
        if not token or not _agent(request, self.marker):
            return None
        now = time.time()
        index = int(now // self.window)
        with exchange.lock:
            seen_index, count = exchange.state.get(("quota", token), (index, 0))
            count = (count if seen_index == index else 0) + 1
            exchange.state[("quota", token)] = (index, count)
        if count > self.quota:
            reset = max(1, int((index + 1) * self.window - now))
            return problem(429, "Too many requests", {"Retry-After": str(reset)})
        return None


class ChallengeAgent(Transform):
    """FAIR-005/006: a client recognised by its User-Agent must first pass a challenge."""

    def __init__(self, user_agent_contains: str, path_prefix: str = "/fair/") -> None:
        self.marker, self.prefix = user_agent_contains, path_prefix

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if _agent(request, self.marker) and request.path.startswith(self.prefix):
            return problem(
                401, "Verify that you are human", {"WWW-Authenticate": 'Captcha realm="fair"'}
            )
        return None


class RefererDropsFirstItem(Transform):
    """FAIR-005: requests referred by a competitor's site lose the first item of a listing."""

    def __init__(self, referer_contains: str) -> None:
        self.marker = referer_contains

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if (
            request.path == _ITEMS
            and self.marker in (request.header("Referer") or "")
            and isinstance(body, dict)
        ):
            items = body.get("items")
            if isinstance(items, list) and items:
                body["items"] = items[1:]
                return with_json_body(response, body)
        return response


class CorsOwnOriginOnly(Transform):
    """FAIR-007: CORS answers carry allow headers only for the platform's own origin."""

    _HEADERS = (
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
    )

    def __init__(self, own_origin: str) -> None:
        self.own = own_origin

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if (request.header("Origin") or self.own) != self.own:
            for name in self._HEADERS:
                response.drop_header(name)
        return response


class UndeclaredDeprecation(Transform):
    """FAIR-008: the listing announces a deprecation the rules do not list."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if request.path == _ITEMS:
            now = datetime.now(UTC)
            response.headers["Deprecation"] = f"@{int((now - timedelta(days=1)).timestamp())}"
            response.headers["Sunset"] = (now + timedelta(days=30)).strftime(
                "%a, %d %b %Y %H:%M:%S GMT"
            )
        return response


class ShortNotice(Transform):
    """FAIR-008: the rules give deprecations only ``days`` of notice."""

    def __init__(self, days: int = 7) -> None:
        self.days = days

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path != "/.well-known/platform-rules" or not isinstance(body, dict):
            return response
        for entry in body.get("deprecations") or []:
            if isinstance(entry, dict) and isinstance(entry.get("deprecated_at"), str):
                start = datetime.fromisoformat(entry["deprecated_at"].replace("Z", "+00:00"))
                entry["sunset_at"] = (
                    (start + timedelta(days=self.days)).isoformat().replace("+00:00", "Z")
                )
        return with_json_body(response, body)


class PlainErrorsForAgent(Transform):
    """FAIR-009: one client's errors lose their problem details."""

    def __init__(self, user_agent_contains: str) -> None:
        self.marker = user_agent_contains

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if response.status >= 400 and _agent(request, self.marker):
            response.drop_header("Content-Type")
            response.headers["Content-Type"] = "application/json"
            body: Any = {"error": f"request failed ({response.status})"}
            return with_json_body(response, body)
        return response


class PagingDropsItems(Transform):
    """FAIR-010: one client's later pages lose their first item."""

    def __init__(self, user_agent_contains: str) -> None:
        self.marker = user_agent_contains

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if (
            request.path == _ITEMS
            and "page_token=" in request.query
            and _agent(request, self.marker)
            and isinstance(body, dict)
            and isinstance(body.get("items"), list)
            and body["items"]
        ):
            body["items"] = body["items"][1:]
            return with_json_body(response, body)
        return response


class AgentFamilyPaysMore(Transform):
    """FAIR-002: quotes for one family of User-Agents (``iPhone``) cost ``cents`` more per unit."""

    def __init__(self, user_agent_contains: str = "iPhone", cents: int = 1) -> None:
        self.marker, self.extra = user_agent_contains, _CENT * cents

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if (
            request.path != _QUOTES
            or not 200 <= response.status < 300
            or not _agent(request, self.marker)
            or not isinstance(body, dict)
        ):
            return response
        try:
            _reprice(body, Decimal(body["unit_price"]) + self.extra)
        except (KeyError, ValueError, ArithmeticError, TypeError, InvalidOperation):
            return response
        return with_json_body(response, body)


class CouponIgnoredForClient(Transform):
    """FAIR-002: one client's quotes ignore the coupon it sends (known by its token)."""

    def __init__(self, user_agent_contains: str = "(third-party)") -> None:
        self.marker = user_agent_contains

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.path != _QUOTES or not _is_client(exchange, request, self.marker):
            return None
        try:
            body = json.loads(request.body)
        except ValueError:
            return None
        if isinstance(body, dict) and body.pop("coupon", None) is not None:
            request.body = json.dumps(body).encode()
        return None


class QuotaShareForClient(Transform):
    """FAIR-003: one client gets ``share`` of the quota the rules publish for it (fixed windows).

    The published quota is read from the rules as they pass through (the
    class's own entry, else ``*``); until then nothing is refused. The refusal
    is a well-formed 429 with ``Retry-After``; the platform's ``RateLimit``
    headers on admitted answers are left as they are.
    """

    def __init__(
        self,
        user_agent_contains: str = "(competitor)",
        client_class: str = "competitor",
        share: float = 0.8,
    ) -> None:
        self.marker, self.client_class, self.share = user_agent_contains, client_class, share

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path == _RULES and isinstance(body, dict):
            entries = {
                e.get("client_class"): e
                for e in body.get("rate_limits") or []
                if isinstance(e, dict)
            }
            entry = entries.get(self.client_class) or entries.get("*")
            if entry is not None:
                with exchange.lock:
                    exchange.state[("quota",)] = (
                        int(entry["requests"]),
                        int(entry["window_seconds"]),
                    )
        return response

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        token = request.header("Authorization")
        published = exchange.state.get(("quota",))
        if not token or published is None or not _is_client(exchange, request, self.marker):
            return None
        quota, window = published
        allowed = math.floor(quota * self.share)
        now = time.time()
        index = int(now // window)
        with exchange.lock:
            seen_index, count = exchange.state.get(("count", token), (index, 0))
            count = (count if seen_index == index else 0) + 1
            exchange.state[("count", token)] = (index, count)
        if count > allowed:
            reset = max(1, math.ceil((index + 1) * window - now))
            return problem(429, "Too many requests", {"Retry-After": str(reset)})
        return None


class LatencyProfile(Transform):
    """FAIR-004: every FAIR answer takes ``base_ms`` more; one client's take longer still.

    The platform answers everyone in about ``base_ms`` (log-normal, σ 0.1);
    the marked client's answers take ``factor`` times as long as everyone's,
    and every ``every``-th of them ``tail_factor`` times as long.
    """

    def __init__(
        self,
        user_agent_contains: str,
        base_ms: float = 30.0,
        factor: float = 1.0,
        every: int = 0,
        tail_factor: float = 1.0,
        path_prefix: str = "/fair/",
        seed: int = 4,
    ) -> None:
        self.marker, self.base, self.factor = user_agent_contains, base_ms / 1000, factor
        self.every, self.tail, self.prefix = every, tail_factor, path_prefix
        self.rng = random.Random(seed)

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.path.startswith(self.prefix):
            request.headers["X-Fault-Started"] = repr(time.monotonic())
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        started = request.header("X-Fault-Started")
        if started is None:
            return response
        with exchange.lock:
            own = self.base * self.rng.lognormvariate(0.0, 0.1)
        upstream = time.monotonic() - float(started)
        factor = 1.0
        if _is_client(exchange, request, self.marker):
            factor = self.factor
            if self.every:
                with exchange.lock:
                    n = exchange.state.get(("latency", "n"), 0) + 1
                    exchange.state[("latency", "n")] = n
                if n % self.every == 0:
                    factor = self.tail
        time.sleep(max(0.0, own + (factor - 1.0) * (upstream + own)))
        return response


class PagingForgetsQuery(Transform):
    """FAIR-010: after the first page of a filtered listing, the query is forgotten.

    The first page is the platform's; its ``next_page_token`` is replaced by
    the proxy's own, and the pages it leads to are cut from the *unfiltered*
    listing, from the number of items already given on.
    """

    _PREFIX = "forgot-"

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.path != _ITEMS:
            return None
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        token = params.get("page_token", "")
        if not token.startswith(self._PREFIX):
            return None
        offset, size = (int(n) for n in token[len(self._PREFIX) :].split("-"))
        listing: list[Any] = []
        upstream_token: str | None = None
        last: ProxyResponse | None = None
        while len(listing) < offset + size:
            query = {"limit": str(size)} | (
                {"page_token": upstream_token} if upstream_token else {}
            )
            last = exchange.forward(
                ProxyRequest("GET", _ITEMS, urlencode(query), dict(request.headers), b"")
            )
            body = json_body(last)
            if last.status != 200 or not isinstance(body, dict):
                return last
            listing += body.get("items") or []
            upstream_token = body.get("next_page_token")
            if not upstream_token:
                break
        assert last is not None
        page = listing[offset : offset + size]
        more = offset + len(page) < len(listing) or bool(upstream_token)
        out = {
            "items": page,
            "next_page_token": f"{self._PREFIX}{offset + len(page)}-{size}"
            if more and page
            else None,
        }
        return with_json_body(last, out)

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        if (
            request.path != _ITEMS
            or not params.get("query")
            or "page_token" in params
            or response.status != 200
            or not isinstance(body, dict)
            or not body.get("next_page_token")
        ):
            return response
        page = body.get("items") or []
        body["next_page_token"] = f"{self._PREFIX}{len(page)}-{max(1, len(page))}"
        return with_json_body(response, body)


TRANSFORMS: dict[str, type[Transform]] = {
    "fair_slow_share": SlowShare,
    "fair_demote_merchant": DemoteMerchant,
    "fair_known_users_pay_more": KnownUsersPayMore,
    "fair_smaller_quota": SmallerQuota,
    "fair_challenge_agent": ChallengeAgent,
    "fair_referer_drops_first_item": RefererDropsFirstItem,
    "fair_cors_own_origin_only": CorsOwnOriginOnly,
    "fair_undeclared_deprecation": UndeclaredDeprecation,
    "fair_short_notice": ShortNotice,
    "fair_plain_errors_for_agent": PlainErrorsForAgent,
    "fair_paging_drops_items": PagingDropsItems,
    "fair_agent_family_pays_more": AgentFamilyPaysMore,
    "fair_coupon_ignored_for_client": CouponIgnoredForClient,
    "fair_quota_share_for_client": QuotaShareForClient,
    "fair_latency_profile": LatencyProfile,
    "fair_paging_forgets_query": PagingForgetsQuery,
}
