"""Transforms that break FAIR requirements: each treats some client worse than first_party.

Clients are told apart the way a discriminating platform would: by the
``User-Agent`` (the reference's clients end theirs with ``(first-party)``,
``(third-party)`` or ``(competitor)``), the ``Referer``, the ``Origin``, or a
token seen before.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, problem, with_json_body

_ITEMS = "/fair/v1/items"
_QUOTES = "/fair/v1/quotes"


def _agent(request: ProxyRequest, marker: str) -> bool:
    return marker in (request.header("User-Agent") or "")


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
    """FAIR-001: clients other than first_party see one merchant's items last on every page."""

    def __init__(self, merchant_id: str, first_party_marker: str = "(first-party)") -> None:
        self.merchant, self.marker = merchant_id, first_party_marker

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path != _ITEMS or _agent(request, self.marker) or not isinstance(body, dict):
            return response
        items = body.get("items")
        if isinstance(items, list):
            body["items"] = sorted(
                items, key=lambda i: isinstance(i, dict) and i.get("merchant_id") == self.merchant
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
}
