"""Transforms that break COMMON requirements, or any standard's (headers, errors, clients)."""

from __future__ import annotations

import json
from typing import Any

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform

_CODES = {401: "UNAUTHENTICATED", 403: "DENIED", 404: "NOT_FOUND", 429: "TOO_MANY_REQUESTS"}


def problem(status: int, title: str, headers: dict[str, str] | None = None) -> ProxyResponse:
    """A well-formed RFC 9457 answer made up by the proxy."""
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "code": _CODES.get(status, "INVALID"),
    }
    return ProxyResponse(
        status,
        {"Content-Type": "application/problem+json"} | (headers or {}),
        json.dumps(body).encode(),
    )


def json_body(response: ProxyResponse) -> Any:
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def with_json_body(response: ProxyResponse, body: Any) -> ProxyResponse:
    response.body = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return response


class DiscoveryWithoutStandards(Transform):
    """C-001: the discovery document loses its ``standards`` list."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path == "/.well-known/interop" and isinstance(body, dict):
            body.pop("standards", None)
            return with_json_body(response, body)
        return response


class PlainTextErrors(Transform):
    """C-002: error answers become ``text/plain`` sentences."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if response.status >= 400:
            response.drop_header("Content-Type")
            response.headers["Content-Type"] = "text/plain; charset=utf-8"
            response.body = f"Error {response.status}".encode()
        return response


class ProblemCodeForStatus(Transform):
    """C-002: problem bodies of one status carry a ``code`` outside C-002's list."""

    def __init__(self, status: int, code: str) -> None:
        self.status = status
        self.code = code

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response) if response.status == self.status else None
        if isinstance(body, dict) and "code" in body:
            body["code"] = self.code
            return with_json_body(response, body)
        return response


class StripHeaders(Transform):
    """Removes headers from answers (optionally only from answers with one status)."""

    def __init__(self, headers: list[str], status: int | None = None) -> None:
        self.headers = headers
        self.status = status

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if self.status is None or response.status == self.status:
            for name in self.headers:
                response.drop_header(name)
        return response


class DemandHeaderFromClient(Transform):
    """PORT-008 / FAIR-006: a client recognised by its User-Agent must send an extra header."""

    def __init__(
        self, user_agent_contains: str, header: str = "X-Partner-Consent", path_prefix: str = "/"
    ) -> None:
        self.marker = user_agent_contains
        self.header = header
        self.prefix = path_prefix

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        agent = request.header("User-Agent") or ""
        if (
            self.marker in agent
            and request.header(self.header) is None
            and request.path.startswith(self.prefix)
        ):
            return problem(403, f"{self.header} required for partner applications")
        return None


TRANSFORMS: dict[str, type[Transform]] = {
    "discovery_without_standards": DiscoveryWithoutStandards,
    "plain_text_errors": PlainTextErrors,
    "problem_code_for_status": ProblemCodeForStatus,
    "strip_headers": StripHeaders,
    "demand_header_from_client": DemandHeaderFromClient,
}
