"""Transforms that break LINK requirements.

Each one does one thing a platform does to links of products it does not
like: warns about or blocks them (with or without publishing why, or only
its product pages), wraps them in a redirector, re-encodes them, turns them
into copy-paste tokens, strips them from messages, normalises message text,
decides by who is asking, or withholds a shared page from one app's in-app
browser (redirecting it, or keeping the text only where no reader sees it).
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import idna

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, with_json_body

_RESOLVE = "/link/v1/resolve"
_POLICY = "/.well-known/link-policy"
_MESSAGE = re.compile(r"^/link/v1/messages/[^/]+$")
_POSTS = "/link/v1/posts"
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
        if request.path == _RESOLVE and response.status in (200, 201) and isinstance(body, dict):
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


class _SharePages(Transform):
    """Learns the share pages the platform hands out, and answers some visitors itself.

    A share URL may take any form (a path, an absolute URL with a slug and a
    query, a relative reference) and may redirect to the post's page: the
    transform learns the path of each ``share_url`` from the answers to
    ``POST /link/v1/posts`` (with the post's text) and follows the platform's
    redirects from it. A visitor whose ``header`` contains ``contains`` gets
    :meth:`answer` at the first hop instead of what the platform serves, or,
    with ``at_page``, in place of the page itself (after the platform's own
    redirects, which stay the same for everyone).
    """

    at_page = False

    def __init__(self, header: str = "User-Agent", contains: str = "RivalApp") -> None:
        self.header = header
        self.marker = contains

    def answer(self, text: str) -> ProxyResponse:
        """What a targeted visitor gets for a post with ``text``."""
        raise NotImplementedError

    def _pages(self, exchange: Exchange) -> dict[str, str]:
        pages: dict[str, str] = exchange.state.setdefault(("link", "share-pages"), {})
        return pages

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        with exchange.lock:
            text = self._pages(exchange).get(request.path)
        if request.method == "GET" and text is not None and not self.at_page:
            return self.answer(text) if self._targets(request) else None
        return None

    def _targets(self, request: ProxyRequest) -> bool:
        return self.marker in (request.header(self.header) or "")

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        learned: tuple[str, str] | None = None
        if request.method == "POST" and request.path == _POSTS and response.status == 201:
            body, sent = json_body(response), _json(request.body)
            if isinstance(body, dict) and isinstance(body.get("share_url"), str):
                learned = (_path_of(request.path, body["share_url"]), str(sent.get("text", "")))
        location = response.header("Location")
        if request.method == "GET" and location and 300 <= response.status < 400:
            with exchange.lock:
                text = self._pages(exchange).get(request.path)
            if text is not None:
                learned = (_path_of(request.path, location), text)
        if learned is not None:
            with exchange.lock:
                self._pages(exchange)[learned[0]] = learned[1]
        if self.at_page and request.method == "GET" and response.status == 200:
            with exchange.lock:
                text = self._pages(exchange).get(request.path)
            if text is not None and self._targets(request):
                return self.answer(text)
        return response


def _json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _path_of(base_path: str, reference: str) -> str:
    """The decoded path a (possibly relative) URL names, as the proxy sees request paths."""
    return unquote(urlsplit(urljoin(base_path, reference)).path)


def _page(body: str, head: str = "") -> ProxyResponse:
    page = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>Shared post</title>{head}'
        f"</head><body>{body}</body></html>"
    )
    return ProxyResponse(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())


class OpenTheApp(_SharePages):
    """LINK-007: a targeted visitor gets "open the app to read more", not the post."""

    def answer(self, text: str) -> ProxyResponse:
        return _page('<p>Open the app to read more.</p><a href="/get-the-app">Open the app</a>')


class TextOnlyInMetadata(_SharePages):
    """LINK-007: a targeted visitor's page holds the post text only where no reader sees it.

    The text is in the title, an Open Graph description, an HTML comment and
    a JSON script that the app would render, but the visible page says
    "open the app": a check that reads scripts, attributes or comments would
    be fooled. The platform's redirects are left alone: only the page differs.
    """

    at_page = True

    def answer(self, text: str) -> ProxyResponse:
        data = json.dumps({"text": text}, ensure_ascii=False).replace("<", "\\u003c")
        escaped = html.escape(text, quote=True)
        head = (
            f'<meta property="og:description" content="{escaped}">'
            f'<script type="application/json" id="post">{data}</script>'
        )
        body = (
            f"<!-- {escaped.replace('--', '- -')} --><p>Open the app to read more.</p>"
            '<a href="/get-the-app">Open the app</a>'
        )
        page = _page(body, head)
        page.body = page.body.replace(
            b"<title>Shared post</title>", f"<title>{escaped}</title>".encode()
        )
        return page


class RedirectInAppBrowsers(_SharePages):
    """LINK-007: a targeted visitor is redirected to an app download page."""

    def answer(self, text: str) -> ProxyResponse:
        return ProxyResponse(302, {"Location": "/get-the-app", "Content-Type": "text/plain"}, b"")


class NormaliseMessageText(_MessageRewrite):
    """LINK-004: message text is Unicode-normalised (NFC by default) before delivery."""

    def __init__(self, form: str = "NFC") -> None:
        self.form = form

    def rewrite(self, text: str) -> str:
        return unicodedata.normalize(self.form, text)  # type: ignore[arg-type]


class WarnProductLinks(_ResolveRewrite):
    """LINK-001 (and LINK-002, LINK-003): only product links on the named domains are warned.

    A link is a product link when its path or query holds a run of at least
    ``digits`` digits (``/item.htm?id=601234567890``): the rest of the
    competitor's site opens normally, so a check that tries only a few
    generated paths misses it.
    """

    def __init__(self, domains: list[str], digits: int = 6, reason: str = "FRAUD_REPORTS") -> None:
        self.domains = domains
        self.item = re.compile("[0-9]{" + str(digits) + "}")
        self.reason = reason

    def rewrite(self, request: ProxyRequest, url: str, answer: dict[str, Any]) -> None:
        parts = urlsplit(url)
        if _on(url, self.domains) and self.item.search(parts.path + "?" + parts.query):
            answer["action"] = "warn"
            answer["reason"] = {"code": self.reason}
            answer["open_url"] = url


TRANSFORMS: dict[str, type[Transform]] = {
    "link_decide_domains": DecideDomains,
    "link_unpublished_reason": UnpublishedReason,
    "link_wrap_open_url": WrapOpenUrl,
    "link_reencode_open_url": ReencodeOpenUrl,
    "link_decide_by_header": DecideByHeader,
    "link_token_links_in_messages": TokenLinksInMessages,
    "link_strip_links_from_messages": StripLinksFromMessages,
    "link_open_the_app": OpenTheApp,
    "link_text_only_in_metadata": TextOnlyInMetadata,
    "link_redirect_in_app_browsers": RedirectInAppBrowsers,
    "link_normalise_message_text": NormaliseMessageText,
    "link_warn_product_links": WarnProductLinks,
}
