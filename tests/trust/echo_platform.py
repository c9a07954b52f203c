"""A hostile platform that sends every credential it is given back, every way it can.

A small WSGI app on loopback. It claims LINK (so the suite sends its tokens:
the credential check before any requirement, then LINK's checks), knows the
tokens it issued, and puts them (and a signed URL's signature) into what it
answers: a JSON field and a JSON key, a header name and a header value, a
cookie, a body that is not UTF-8, a body whose 4 KiB excerpt edge cuts a
token, or cuts a character after one, a redirect to a signed URL, a problem
whose detail quotes the token. The discovery document carries them too.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, quote_plus, unquote_to_bytes

from werkzeug.serving import WSGIRequestHandler, make_server

from conformance.reference.server import ServingThread

SIGNATURE = "Sg9vQx7LmZpR2wTk4yNc8aBd"
"""The ``sig=`` of the signed URLs the platform hands out (not a configured secret,
but a signature: it must not be written down either)."""

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class EchoPlatform:
    """The WSGI app; ``tokens`` are those it issued (it echoes what it is sent, too)."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = list(tokens)
        self.base_url = ""
        self._modes = itertools.cycle(
            [
                self._json,
                self._header_name,
                self._not_utf8,
                self._across_the_edge,
                self._cut_character,
                self._cut_character_once_redacted,
                self._signed_redirect,
                self._problem,
            ]
        )
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        sent = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        token = sent or self.tokens[0]
        if path == "/.well-known/interop":
            return self._discovery(start_response)
        if path == "/.well-known/link-policy":  # LINK's checks quote this answer in reasons
            return self._problem(token, start_response)
        with self._lock:
            mode = next(self._modes)
        return mode(token, start_response)

    def signed_url(self, token: str) -> str:
        return f"{self.base_url}/files/export.ndjson?expires=9999999999&sig={SIGNATURE}&u={token}"

    def _discovery(self, start_response: StartResponse) -> Iterable[bytes]:
        document = {
            "standards": [{"id": "LINK", "version": "1.0", "profiles": ["core"]}],
            "contact": {"token": self.tokens[0], self.tokens[1]: "as a key"},
            "download": self.signed_url(self.tokens[2]),
        }
        return _answer(start_response, 200, json.dumps(document).encode(), "application/json")

    def _json(self, token: str, start_response: StartResponse) -> Iterable[bytes]:
        body = {
            "id": token,
            "items": [token, {"url": self.signed_url(token)}],
            token: "echo",
            "escaped": json.dumps(token),
        }
        return _answer(start_response, 200, json.dumps(body).encode(), "application/json")

    def _header_name(self, token: str, start_response: StartResponse) -> Iterable[bytes]:
        extra = [
            (f"X-Echo-{token}", "1"),
            ("X-Echo", token),
            ("Set-Cookie", f"session={token}; Path=/"),
            ("Link", f"<{self.signed_url(token)}>; rel=alternate"),
        ]
        return _answer(start_response, 200, b"{}", "application/json", extra)

    def _not_utf8(self, token: str, start_response: StartResponse) -> Iterable[bytes]:
        body = b'\xff\xfe{"echo": "' + token.encode() + b'"}\xff' + token.encode("utf-16-le")
        return _answer(start_response, 200, body, "application/json")

    def _across_the_edge(self, token: str, start_response: StartResponse) -> Iterable[bytes]:
        head = b'{"pad": "'
        pad = b"a" * (4096 - len(head) - len(token) // 2)  # the token straddles byte 4096
        body = head + pad + token.encode() + b'"}'
        return _answer(start_response, 200, body, "application/json")

    def _cut_character(
        self, token: str, start_response: StartResponse, shift: int = 0
    ) -> Iterable[bytes]:
        head = b'{"echo": "' + token.encode() + b'", "pad": "'
        pad = b"b" * (4095 - len(head) + shift)
        body = head + pad + "é".encode() + b'"}'  # é straddles byte 4096 (+ shift)
        return _answer(start_response, 200, body, "application/json")

    def _cut_character_once_redacted(
        self, token: str, start_response: StartResponse
    ) -> Iterable[bytes]:
        # Where the excerpt is cut once the token is replaced by the marker.
        return self._cut_character(token, start_response, len(token) - len("[REDACTED]"))

    def _signed_redirect(self, token: str, start_response: StartResponse) -> Iterable[bytes]:
        location = self.signed_url(token).replace("127.0.0.1", "127.0.0.2")
        extra = [("Location", location)]
        body = json.dumps({"moved": location}).encode()
        return _answer(start_response, 302, body, "application/json", extra)

    def _problem(self, token: str, start_response: StartResponse) -> Iterable[bytes]:
        body = {
            "type": "about:blank",
            "title": f"Bad token {token}",
            "status": 400,
            "detail": f"see {self.signed_url(token)}",
        }
        return _answer(start_response, 400, json.dumps(body).encode(), "application/problem+json")


def _answer(
    start_response: StartResponse,
    status: int,
    body: bytes,
    media_type: str,
    extra: list[tuple[str, str]] | None = None,
) -> Iterable[bytes]:
    reason = {200: "OK", 302: "Found", 400: "Bad Request"}[status]
    headers = [("Content-Type", media_type), ("Content-Length", str(len(body))), *(extra or [])]
    start_response(f"{status} {reason}", headers)
    return [body]


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serving(app: EchoPlatform) -> Iterator[str]:
    """Serve the app on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = ServingThread(server, "echo-platform")
    thread.start()
    try:
        yield app.base_url
    finally:
        thread.stop()


def forms(secret: str) -> set[bytes]:
    """Every way the secret could be written: raw, base64, URL-encoded, JSON-escaped, UTF-16."""
    raw = secret.encode()
    out = {
        raw,
        quote(secret, safe="").encode(),
        quote_plus(secret).encode(),
        json.dumps(secret)[1:-1].encode(),
        json.dumps(secret).replace("/", "\\/")[1:-1].encode(),
        secret.encode("utf-16-le"),
        secret.encode("utf-16-be"),
    }
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        out.add(encode(raw).rstrip(b"="))
    return out


_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{16,}={0,2}")


def views(data: bytes) -> Iterator[bytes]:
    """The bytes as written, and as they read once decoded: URL-, JSON- and base64-decoded."""
    yield data
    yield unquote_to_bytes(data)
    text = data.decode("utf-8", "replace")
    for line in text.splitlines() or [text]:
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError:
            continue
        yield "\n".join(_strings(parsed)).encode("utf-8", "backslashreplace")
    try:
        yield "\n".join(_strings(json.loads(text))).encode("utf-8", "backslashreplace")
    except json.JSONDecodeError:
        pass
    for run in _BASE64_RUN.findall(data):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                yield decode(run + b"=" * (-len(run) % 4))
            except ValueError:
                pass


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def leaks(name: str, data: bytes, secrets: Iterable[str]) -> list[str]:
    """Where any form of any secret appears in ``data``, in any of its views."""
    found = []
    wanted = {form: secret for secret in secrets for form in forms(secret)}
    for view in views(data):
        for form, secret in wanted.items():
            if form in view:
                found.append(f"{name}: {secret[:6]}… as {form[:12]!r}…")
    return sorted(set(found))
