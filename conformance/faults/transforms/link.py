"""Transforms that break LINK requirements.

Each one does one thing a platform does to links of products it does not
like: warns about or blocks them (with or without publishing why), wraps
them in a redirector, re-encodes them, turns them into copy-paste tokens,
strips them from messages, decides by who is asking, or withholds a shared
page from a competitor's in-app browser.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import idna

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, with_json_body

_RESOLVE = "/link/v1/resolve"
_POLICY = "/.well-known/link-policy"
_MESSAGE = re.compile(r"^/link/v1/messages/[^/]+$")
_URL = re.compile(r"https?://\S+")


def _ascii(host: str) -> str:
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host.lower()


def _on(url: str, domains: list[str]) -> bool:
    try:
        host = _ascii(urlsplit(url).hostname or "")
    except ValueError:
        return False
    return any(host == _ascii(d) or host.endswith("." + _ascii(d)) for d in domains)


def _asked_url(request: ProxyRequest) -> str:
    try:
        body = json.loads(request.body)
    except ValueError:
        return ""
    url = body.get("url") if isinstance(body, dict) else None
    return url if isinstance(url, str) else ""


class _ResolveRewrite(Transform):
    """Rewrites 200 answers of POST /link/v1/resolve; subclasses say how."""

    def rewrite(self, request: ProxyRequest, url: str, answer: dict[str, Any]) -> None:
        """Change the decision in place."""
        raise NotImplementedError

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path == _RESOLVE and response.status == 200 and isinstance(body, dict):
            self.rewrite(request, _asked_url(request), body)
            return with_json_body(response, body)
        return response


class DecideDomains(_ResolveRewrite):
    """LINK-001 (and more): links to the named domains are warned about or blocked.

    With ``publish`` the policy lists the domains with the reason, so the
    decision looks like policy; without it, the reason is nowhere published.
    """

    def __init__(
        self,
        domains: list[str],
        action: str = "warn",
        reason: str = "UNVERIFIED_MERCHANT",
        publish: bool = True,
        description: str = "Shopping links from unverified merchants.",
    ) -> None:
        self.domains = domains
        self.action = action
        self.reason = reason
        self.publish = publish
        self.description = description

    def rewrite(self, request: ProxyRequest, url: str, answer: dict[str, Any]) -> None:
        if _on(url, self.domains):
            answer["action"] = self.action
            answer["reason"] = {"code": self.reason}
            answer["open_url"] = None if self.action == "block" else url

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if self.publish and request.path == _POLICY and isinstance(body, dict):
            body.setdefault("reasons", []).append(
                {"code": self.reason, "description": self.description}
            )
            body.setdefault("listed", []).extend(
                {"domain": d, "action": self.action, "reason": self.reason} for d in self.domains
            )
            return with_json_body(response, body)
        return super().on_response(exchange, request, response)


class UnpublishedReason(_ResolveRewrite):
    """LINK-003: blocks of the named domains give a reason code the policy does not publish."""

    def __init__(self, domains: list[str], reason: str = "INTERNAL_RISK") -> None:
        self.domains = domains
        self.reason = reason

    def rewrite(self, request: ProxyRequest, url: str, answer: dict[str, Any]) -> None:
        if _on(url, self.domains) and answer.get("action") in ("warn", "block"):
            answer["reason"] = {"code": self.reason}


class WrapOpenUrl(_ResolveRewrite):
    """LINK-002, LINK-006: every open_url goes through the platform's redirector."""

    def __init__(self, prefix: str = "https://reference.test/redirect?u=") -> None:
        self.prefix = prefix

    def rewrite(self, request: ProxyRequest, url: str, answer: dict[str, Any]) -> None:
        if isinstance(answer.get("open_url"), str):
            answer["open_url"] = self.prefix + quote(answer["open_url"], safe="")


class ReencodeOpenUrl(_ResolveRewrite):
    """LINK-002: open_url is re-encoded (A-label host, upper-case percent-encodings, no IRI)."""

    def rewrite(self, request: ProxyRequest, url: str, answer: dict[str, Any]) -> None:
        given = answer.get("open_url")
        if not isinstance(given, str):
            return
        parts = urlsplit(given)
        host = _ascii(parts.hostname or "")
        netloc = host + (f":{parts.port}" if parts.port else "")

        def encode(text: str) -> str:
            raw = quote(text, safe="".join(chr(c) for c in range(0x21, 0x7F)))
            return re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), raw)

        answer["open_url"] = urlunsplit(
            (parts.scheme, netloc, encode(parts.path), encode(parts.query), encode(parts.fragment))
        )


class DecideByHeader(_ResolveRewrite):
    """LINK-005: a request whose header contains a marker (a competitor's app) gets a warning."""

    def __init__(
        self, header: str = "User-Agent", contains: str = "RivalApp", reason: str = "FRAUD_REPORTS"
    ) -> None:
        self.header = header
        self.contains = contains
        self.reason = reason

    def rewrite(self, request: ProxyRequest, url: str, answer: dict[str, Any]) -> None:
        if self.contains in (request.header(self.header) or "") and answer.get("action") == "open":
            answer["action"] = "warn"
            answer["reason"] = {"code": self.reason}


class _MessageRewrite(Transform):
    """Rewrites the text of messages as they are read."""

    def rewrite(self, text: str) -> str:
        """The text the reader gets."""
        raise NotImplementedError

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if (
            request.method == "GET"
            and _MESSAGE.match(request.path)
            and isinstance(body, dict)
            and isinstance(body.get("text"), str)
        ):
            body["text"] = self.rewrite(body["text"])
            return with_json_body(response, body)
        return response


class TokenLinksInMessages(_MessageRewrite):
    """LINK-004, LINK-006: each link in a message becomes a copy-paste token and an instruction."""

    def __init__(self, token: str = "TK-4821 copy and open in browser") -> None:
        self.token = token

    def rewrite(self, text: str) -> str:
        return _URL.sub(self.token, text)


class StripLinksFromMessages(_MessageRewrite):
    """LINK-004: links to the named domains silently disappear from delivered messages."""

    def __init__(self, domains: list[str]) -> None:
        self.domains = domains

    def rewrite(self, text: str) -> str:
        return _URL.sub(lambda m: "" if _on(m.group(0), self.domains) else m.group(0), text)


class _SharePageForAgents(Transform):
    """Answers share pages itself for visitors whose User-Agent contains a marker."""

    def __init__(
        self, user_agent_contains: str = "RivalApp", path_prefix: str = "/link/v1/share/"
    ) -> None:
        self.marker = user_agent_contains
        self.prefix = path_prefix

    def answer(self) -> ProxyResponse:
        """What such a visitor gets."""
        raise NotImplementedError

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        agent = request.header("User-Agent") or ""
        if (
            request.method == "GET"
            and request.path.startswith(self.prefix)
            and self.marker in agent
        ):
            return self.answer()
        return None


class OpenTheApp(_SharePageForAgents):
    """LINK-007: a competitor's in-app browser gets "open the app to read more", not the post."""

    def answer(self) -> ProxyResponse:
        page = (
            '<!doctype html><html><head><meta charset="utf-8"><title>Shared post</title></head>'
            '<body><p>Open the app to read more.</p><a href="/get-the-app">Open the app</a>'
            "</body></html>"
        )
        return ProxyResponse(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())


class RedirectInAppBrowsers(_SharePageForAgents):
    """LINK-007: a competitor's in-app browser is redirected to an app download page."""

    def answer(self) -> ProxyResponse:
        return ProxyResponse(302, {"Location": "/get-the-app", "Content-Type": "text/plain"}, b"")


TRANSFORMS: dict[str, type[Transform]] = {
    "link_decide_domains": DecideDomains,
    "link_unpublished_reason": UnpublishedReason,
    "link_wrap_open_url": WrapOpenUrl,
    "link_reencode_open_url": ReencodeOpenUrl,
    "link_decide_by_header": DecideByHeader,
    "link_token_links_in_messages": TokenLinksInMessages,
    "link_strip_links_from_messages": StripLinksFromMessages,
    "link_open_the_app": OpenTheApp,
    "link_redirect_in_app_browsers": RedirectInAppBrowsers,
}
