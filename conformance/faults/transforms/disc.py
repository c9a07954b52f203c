"""Transforms that break DISC requirements: quotes, disclosures and explanations rewritten.

Transforms that recompute a quote read the published rules from the
upstream's own disclosure (once per proxy), so each fault departs from the
disclosure in exactly the way its name says and in no other.
"""

from __future__ import annotations

import json
from datetime import timedelta
from fractions import Fraction
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from conformance.disc.client import FEE_QUOTES, PAY_QUOTES, WELL_KNOWN
from conformance.disc.disclosure import Disclosure, timestamp
from conformance.disc.formulas import (
    PayInput,
    Rounding,
    exact,
    expected_fee,
    expected_pay,
    money,
)
from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, problem, with_json_body


def _published(exchange: Exchange) -> Disclosure:
    """The upstream's disclosure in force, fetched once per proxy."""
    with exchange.lock:
        cached: Disclosure | None = exchange.state.get(("disc", "published"))
        if cached is None:
            answer = exchange.forward(
                ProxyRequest("GET", WELL_KNOWN, "", {"Accept": "application/json"}, b"")
            )
            cached = Disclosure.parse(json.loads(answer.body))
            exchange.state[("disc", "published")] = cached
        return cached


def _target(request: ProxyRequest, url: str) -> str:
    """The path and query a published URL names, resolved against the request that carried
    it, as the proxy sees a request for it (path decoded, query as sent)."""
    parts = urlsplit(urljoin(request.path, url))
    return unquote(parts.path) + (f"?{parts.query}" if parts.query else "")


def _requested(request: ProxyRequest) -> str:
    return request.path + (f"?{request.query}" if request.query else "")


def _sent(request: ProxyRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _quote(request: ProxyRequest, response: ProxyResponse, path: str) -> dict[str, Any] | None:
    """The quote body of a successful quote answer on ``path``, else None."""
    body = json_body(response)
    if request.method == "POST" and request.path == path and response.status in (200, 201):
        return body if isinstance(body, dict) else None
    return None


def _set_component(body: dict[str, Any], name: str, change: Fraction) -> None:
    for item in body.get("breakdown", []):
        if isinstance(item, dict) and item.get("component") == name:
            item["amount"] = money(exact(item["amount"]) + change)


class DropDisclosureSection(Transform):
    """DISC-001: the disclosure (every version) no longer states one section."""

    def __init__(self, section: str = "ranking") -> None:
        self.section = section

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path.startswith(WELL_KNOWN) and isinstance(body, dict):
            body.pop(self.section, None)
            return with_json_body(response, body)
        return response


class HiddenZoneSurcharge(Transform):
    """DISC-002/003: in one zone the platform keeps an unpublished amount (the breakdown still adds up).

    ``zone`` names the zone, or is ``highest``: the zone with the highest
    published multiplier (an airport, say), whatever the platform calls it.
    """

    def __init__(self, zone: str = "highest", amount: str = "0.35") -> None:
        self.zone = zone
        self.amount = exact(amount)

    def _zone(self, exchange: Exchange) -> str:
        if self.zone != "highest":
            return self.zone
        zones = _published(exchange).pay_rules().zone_multipliers
        return max(sorted(zones), key=lambda z: zones[z])

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = _quote(request, response, PAY_QUOTES)
        if body is None or _sent(request).get("zone") != self._zone(exchange):
            return response
        body["amount"] = money(exact(body["amount"]) - self.amount)
        _set_component(body, "zone", -self.amount)
        return with_json_body(response, body)


class RoundingFavoursPlatform(Transform):
    """DISC-002/003/004: pay rounds down and fees round up, always in the platform's favour."""

    pay_rounding: Rounding = "floor"
    fee_rounding: Rounding | None = "ceiling"

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        sent = _sent(request)
        pay = _quote(request, response, PAY_QUOTES)
        if pay is not None:
            rules = _published(exchange).pay_rules()
            quote = PayInput(int(sent["distance_m"]), int(sent["duration_s"]), str(sent["zone"]))
            expected = expected_pay(rules, quote, self.pay_rounding)
            pay["amount"] = money(expected.amount)
            pay["breakdown"] = [
                {"component": k, "amount": money(v)} for k, v in expected.components().items()
            ]
            return with_json_body(response, pay)
        fee = _quote(request, response, FEE_QUOTES)
        if fee is not None and self.fee_rounding is not None:
            rule = _published(exchange).fee_rules()[str(sent["category"])]
            charged = expected_fee(rule, str(sent["order_value"]), self.fee_rounding)
            fee |= {k: money(v) for k, v in charged.components().items()}
            return with_json_body(response, fee)
        return response


class NegativeHalvesTowardZero(RoundingFavoursPlatform):
    """DISC-002/003: ``floor(x + 1/2)`` instead of half-up: wrong only for negative halves.

    A half goes up, toward positive infinity, so ``-0.175`` becomes ``-0.17``
    where ``r()`` gives ``-0.18`` (JavaScript's ``Math.round``). Only a zone
    component can be negative (a multiplier below 1), and only its exact
    ties differ: every other input is quoted right.
    """

    pay_rounding: Rounding = "half-toward-positive"
    fee_rounding: Rounding | None = None


class PerWorkerFactor(Transform):
    """DISC-005: every worker but the first one seen is paid ``factor`` times the quote."""

    def __init__(self, factor: str = "0.95") -> None:
        self.factor = exact(factor)

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = _quote(request, response, PAY_QUOTES)
        if body is None:
            return response
        # The worker's id where the platform states it, else the credential.
        who = str(body.get("worker") or request.header("Authorization"))
        with exchange.lock:
            favoured = exchange.state.setdefault(("disc", "favoured"), who)
        if who == favoured:
            return response
        cut = exact(body["amount"]) - exact(body["amount"]) * self.factor
        body["amount"] = money(exact(body["amount"]) - cut)
        _set_component(body, "base", -cut)
        return with_json_body(response, body)


class BreakdownOffByCent(Transform):
    """DISC-003: one breakdown component is off by a cent; the amount stays right."""

    def __init__(self, component: str = "time", amount: str = "0.01") -> None:
        self.component = component
        self.amount = exact(amount)

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = _quote(request, response, PAY_QUOTES)
        if body is None:
            return response
        _set_component(body, self.component, self.amount)
        return with_json_body(response, body)


class CategoryCommissionAbove(Transform):
    """DISC-004: one category is charged a commission above the published percentage.

    ``category`` names it, or is ``lowest``: the category with the lowest
    published commission, whatever the platform calls it.
    """

    def __init__(self, category: str = "lowest", extra_percent: str = "2") -> None:
        self.category = category
        self.extra = exact(extra_percent)

    def _category(self, exchange: Exchange) -> str:
        if self.category != "lowest":
            return self.category
        fees = _published(exchange).fee_rules()
        return min(sorted(fees), key=lambda c: fees[c].commission_percent)

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        sent = _sent(request)
        body = _quote(request, response, FEE_QUOTES)
        category = self._category(exchange) if body is not None else ""
        if body is None or sent.get("category") != category:
            return response
        rule = _published(exchange).fee_rules()[category]
        higher = type(rule)(
            rule.category, rule.commission_percent + self.extra, rule.fixed_fee, rule.currency
        )
        body |= {
            k: money(v)
            for k, v in expected_fee(higher, str(sent["order_value"])).components().items()
        }
        return with_json_body(response, body)


class ShortNotice(Transform):
    """DISC-006: a version is published only ``days`` before it takes effect.

    The upcoming version where the disclosure lists one (its entry and its
    document); else the version in force (the disclosure and the document
    at its own URL, wherever a previous one lists it).
    """

    def __init__(self, days: int = 3) -> None:
        self.notice = timedelta(days=days)

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if not (request.path.startswith(WELL_KNOWN) and isinstance(body, dict)):
            return response
        if "version" not in body or "effective_from" not in body:
            return response
        with exchange.lock:
            if _requested(request) == WELL_KNOWN:
                upcoming = body.get("upcoming")
                if isinstance(upcoming, dict):
                    self._shorten(upcoming)
                    exchange.state[("disc", "short")] = _target(request, str(upcoming["url"]))
                else:
                    exchange.state[("disc", "short-version")] = body.get("version")
                    self._shorten(body)
                return with_json_body(response, body)
            shortened = exchange.state.get(("disc", "short"))
            version = exchange.state.get(("disc", "short-version"))
        if shortened == _requested(request) or (version is not None and body["version"] == version):
            self._shorten(body)
        return with_json_body(response, body)

    def _shorten(self, entry: dict[str, Any]) -> None:
        effective = timestamp(entry["effective_from"], "effective_from")
        entry["published_at"] = (effective - self.notice).isoformat().replace("+00:00", "Z")


class PreviousVersionsGone(Transform):
    """DISC-006: the URLs of previous versions answer 404."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        with exchange.lock:
            previous = exchange.state.get(("disc", "previous"), set())
        if _requested(request) in previous:
            return problem(404, "no such version")
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if _requested(request) == WELL_KNOWN and isinstance(body, dict):
            urls = [str(u) for u in body.get("previous_versions") or []]
            with exchange.lock:
                exchange.state[("disc", "previous")] = {_target(request, u) for u in urls}
        return response


class StaleRulesVersion(Transform):
    """DISC-006: quotes name a previous version while the new one is in force."""

    def __init__(self, name: str = "v0") -> None:
        self.name = name

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = _quote(request, response, PAY_QUOTES) or _quote(request, response, FEE_QUOTES)
        if body is None:
            return response
        body["rules_version"] = self.name
        return with_json_body(response, body)


class UnpublishedFactor(Transform):
    """DISC-007: explanations cite a factor no version publishes."""

    def __init__(self, name: str = "acceptance_rate", weight: str = "0.15") -> None:
        self.factor = {"name": name, "value": "0.40", "weight": weight}

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path.endswith("/explanation") and isinstance(body, dict):
            body.setdefault("factors", []).append(dict(self.factor))
            return with_json_body(response, body)
        return response


TRANSFORMS: dict[str, type[Transform]] = {
    "drop_disclosure_section": DropDisclosureSection,
    "hidden_zone_surcharge": HiddenZoneSurcharge,
    "rounding_favours_platform": RoundingFavoursPlatform,
    "negative_halves_toward_zero": NegativeHalvesTowardZero,
    "per_worker_factor": PerWorkerFactor,
    "breakdown_off_by_cent": BreakdownOffByCent,
    "category_commission_above": CategoryCommissionAbove,
    "short_notice": ShortNotice,
    "previous_versions_gone": PreviousVersionsGone,
    "stale_rules_version": StaleRulesVersion,
    "unpublished_factor": UnpublishedFactor,
}
