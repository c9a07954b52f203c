"""The alert's webhook: a JSON POST, to a destination checked before anything is sent.

The URL must name exactly one destination (``destination.destination``:
http or https, a plain ``host[:port]``, read alike by every parser) on
loopback (127.0.0.0/8, ``::1``, ``localhost``) or on a host the user named
with ``--webhook-allow HOST``; anything else is refused when the monitor
starts, before a run and before any connection. The POST follows no
redirect and ignores proxy settings from the environment, so it goes where
it was checked to go. A webhook URL often carries its secret in its path,
so only its origin is ever written down (history, console).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from conformance._harness.destination import destination
from conformance._harness.errors import RefusedDestination, UsageError
from conformance._harness.safe_text import json_bytes

TIMEOUT = (5.0, 10.0)
"""Seconds to connect, and to wait for the answer."""
LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True)
class Webhook:
    """A webhook URL that passed the guard, and its origin (what may be shown)."""

    url: str
    origin: str


@dataclass(frozen=True)
class Delivery:
    """What became of one POST."""

    to: str
    delivered: bool
    status: int | None
    problem: str

    def to_json(self) -> dict[str, Any]:
        """The delivery as the history keeps it."""
        return {
            "to": self.to,
            "delivered": self.delivered,
            "status": self.status,
            "problem": self.problem,
        }


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name, no brackets) is this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked(url: str, allowed: Sequence[str] = ()) -> Webhook:
    """``url`` if it may receive alerts; a ``UsageError`` (nothing connected) if not."""
    with requests.Session() as session:
        try:
            found = destination(url, session)
        except RefusedDestination as exc:
            raise UsageError(f"--webhook: {exc}") from None
    hosts = {h.lower().strip("[]") for h in allowed}
    if not (is_loopback(found.host) or found.host.lower() in hosts):
        raise UsageError(
            f"--webhook: refused before connecting: {found.origin} is not on loopback and not "
            "allowed. Fix: name its host with --webhook-allow HOST if alerts should go there"
        )
    return Webhook(url, found.origin)


def post(hook: Webhook, payload: Mapping[str, Any]) -> Delivery:
    """POST ``payload`` as JSON; a failure is reported, never raised (the alert stands)."""
    body = json_bytes(dict(payload))
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: it goes where it was checked
        try:
            response = session.post(
                hook.url,
                data=body,
                headers={"Content-Type": "application/json", "User-Agent": "conformance-monitor"},
                timeout=TIMEOUT,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            return Delivery(hook.origin, False, None, _hidden(f"{type(exc).__name__}: {exc}", hook))
        with response:
            ok = 200 <= response.status_code < 300
            problem = "" if ok else f"the receiver answered {response.status_code}"
            return Delivery(hook.origin, ok, response.status_code, problem)


def _hidden(text: str, hook: Webhook) -> str:
    """``text`` without the URL's path and query (where a webhook's secret lives)."""
    parts = urlsplit(hook.url)
    for secret in (parts.path + ("?" + parts.query if parts.query else ""), parts.path):
        if secret and secret != "/":
            text = text.replace(secret, "/…")
    return text
