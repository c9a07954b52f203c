"""Transforms that break who may export and read what in PORT (PORT-006, PORT-007).

Signed URLs are re-issued by the proxy (``/__fault__/signed/...``) with one
flaw each: a signature not checked, an expiry or a path the signature does
not cover, extra parameters accepted, or a lifetime longer than the one
the proxy declares. The quota faults count exports the wrong way; the
cursor fault serves the feed of whoever was given the cursor.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import parse_qsl, urljoin, urlsplit

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, problem, with_json_body

_JOB = re.compile(r"^/port/v1/exports/([^/]+)$")
_SIGNED = re.compile(r"^/__fault__/signed/([0-9a-f]+)/([0-9]+)$")


def location_path(request: ProxyRequest, response: ProxyResponse) -> str:
    """The path a response's ``Location`` names (absolute or relative to the request)."""
    return urlsplit(urljoin(request.path, response.header("Location") or "")).path


def _declared(exchange: Exchange, key: str, default: int) -> int:
    """A limit of the upstream's discovery document (read once)."""
    cached = exchange.state.get(("limit", key))
    if cached is None:
        answer = exchange.forward(ProxyRequest("GET", "/.well-known/interop", "", {}, b""))
        body = json_body(answer)
        limits = body.get("limits") if isinstance(body, dict) else None
        value = limits.get(key) if isinstance(limits, dict) else None
        cached = value if isinstance(value, int) and not isinstance(value, bool) else default
        exchange.state[("limit", key)] = cached
    return int(cached)


def _refused(reason: str) -> ProxyResponse:
    return problem(429, reason, {"Retry-After": "3600"})


class QuotaSharedByAccounts(Transform):
    """PORT-007: ``port.exports_per_day`` counts the exports of every account together."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.method == "POST" and request.path == "/port/v1/exports":
            quota = _declared(exchange, "port.exports_per_day", 4)
            with exchange.lock:
                live = exchange.state.setdefault(("live",), set())
                if len(live) >= quota:
                    return _refused(f"{len(live)} exports on this platform today")
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        with exchange.lock:
            live = exchange.state.setdefault(("live",), set())
            if request.method == "POST" and request.path == "/port/v1/exports":
                if response.status == 202 and response.header("Location"):
                    live.add(location_path(request, response))
            elif request.method == "DELETE" and response.status == 204:
                live.discard(request.path)
        return response


class QuotaCountsDeletedExports(Transform):
    """PORT-007: a deleted export still counts towards the quota.

    The proxy answers DELETE itself and hides the export from then on, so
    the platform, which still holds it, refuses once the hidden ones fill it.
    """

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        hidden = exchange.state.setdefault(("hidden",), set())
        if request.method == "DELETE" and _JOB.match(request.path):
            with exchange.lock:
                hidden.add(request.path)
            return ProxyResponse(204, {}, b"")
        if request.method == "GET" and request.path in hidden:
            return problem(404, "no such export")
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if (
            request.method == "GET"
            and request.path == "/port/v1/exports"
            and isinstance(body, dict)
        ):
            hidden = exchange.state.get(("hidden",), set())
            body["exports"] = [
                job
                for job in body.get("exports") or []
                if not (isinstance(job, dict) and f"/port/v1/exports/{job.get('id')}" in hidden)
            ]
            return with_json_body(response, body)
        return response


class ThirdPartyQuotaShort(Transform):
    """PORT-007: a third-party client is refused one export before the declared quota."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if (
            request.method == "POST"
            and request.path == "/port/v1/exports"
            and "(third-party)" in (request.header("User-Agent") or "")
        ):
            quota = _declared(exchange, "port.exports_per_day", 4)
            listing = exchange.forward(
                ProxyRequest("GET", "/port/v1/exports", "", dict(request.headers), b"")
            )
            body = json_body(listing)
            jobs = body.get("exports") if isinstance(body, dict) else None
            if isinstance(jobs, list) and len(jobs) >= quota - 1:
                return _refused("third-party clients get one export less")
        return None


class FlawedSignedUrls(Transform):
    """PORT-006: part URLs re-issued by the proxy as signed URLs with one flaw.

    ``flaw`` is ``signature`` (any signature passes), ``expiry`` (the
    signature does not cover the expiry), ``path`` (nor the path),
    ``parameters`` (extra query parameters pass) or ``lifetime`` (URLs never
    expire while ``declare`` seconds are declared). The discovery document
    declares ``port.signed_url_seconds: declare``.
    """

    def __init__(self, flaw: str, declare: int = 300) -> None:
        self.flaw = flaw
        self.declare = declare
        self._key = secrets.token_bytes(32)

    def _signature(self, token: str, n: str, expires: str) -> str:
        covered = {
            "expiry": f"{token}/{n}",
            "path": expires,
        }.get(self.flaw, f"{token}/{n}/{expires}")
        return hmac.new(self._key, covered.encode(), hashlib.sha256).hexdigest()

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        match = _SIGNED.match(request.path)
        if match is None:
            return None
        token, n = match.groups()
        query = parse_qsl(request.query, keep_blank_values=True)
        names = sorted(name for name, _ in query)
        values = dict(query)
        if names != ["expires", "sig"] and not (
            self.flaw == "parameters" and {"expires", "sig"} <= set(names)
        ):
            return problem(403, "the download URL was changed")
        expires = values.get("expires", "")
        if self.flaw != "signature" and not hmac.compare_digest(
            self._signature(token, n, expires).encode(), values.get("sig", "").encode()
        ):
            return problem(403, "the download URL was changed")
        if self.flaw != "lifetime" and (not expires.isdigit() or int(expires) < time.time()):
            return problem(403, "the download URL has expired")
        data = exchange.state.get(("bytes", token, n))
        if data is None:
            return problem(404, "no such part")
        return ProxyResponse(200, {"Content-Type": "application/x-ndjson"}, data)

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path == "/.well-known/interop" and isinstance(body, dict):
            limits = body.setdefault("limits", {})
            if isinstance(limits, dict):
                limits["port.signed_url_seconds"] = self.declare
            return with_json_body(response, body)
        match = _JOB.match(request.path)
        if request.method != "GET" or match is None or not isinstance(body, dict):
            return response
        parts = body.get("parts")
        if not isinstance(parts, list) or not parts:
            return response
        with exchange.lock:
            token = exchange.state.setdefault(("token", match.group(1)), secrets.token_hex(8))
            for n, part in enumerate(parts):
                if not isinstance(part, dict):
                    continue
                key = ("bytes", token, str(n))
                if key not in exchange.state:
                    resolved = urlsplit(urljoin(request.path, str(part.get("url", ""))))
                    fetched = exchange.forward(
                        ProxyRequest(
                            "GET", resolved.path, resolved.query, dict(request.headers), b""
                        )
                    )
                    exchange.state[key] = fetched.body
                expires = str(int(time.time()) + self.declare)
                part["url"] = (
                    f"/__fault__/signed/{token}/{n}?expires={expires}"
                    f"&sig={self._signature(token, str(n), expires)}"
                )
        return with_json_body(response, body)


class CursorCrossesAccounts(Transform):
    """PORT-006: a cursor reads the feed of the account it was given to, whoever presents it."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.path == "/port/v1/changes":
            cursor = dict(parse_qsl(request.query, keep_blank_values=True)).get("cursor")
            owner = exchange.state.get(("cursor", cursor)) if cursor else None
            if owner is not None:
                request.headers = {
                    k: v for k, v in request.headers.items() if k.lower() != "authorization"
                } | {"Authorization": owner}
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path == "/port/v1/changes" and isinstance(body, dict):
            cursor = body.get("next_cursor")
            holder = request.header("Authorization")
            if isinstance(cursor, str) and holder:
                with exchange.lock:
                    exchange.state.setdefault(("cursor", cursor), holder)
        return response


ACCESS_TRANSFORMS: dict[str, type[Transform]] = {
    "quota_shared_by_accounts": QuotaSharedByAccounts,
    "quota_counts_deleted_exports": QuotaCountsDeletedExports,
    "third_party_quota_short": ThirdPartyQuotaShort,
    "flawed_signed_urls": FlawedSignedUrls,
    "cursor_crosses_accounts": CursorCrossesAccounts,
}
