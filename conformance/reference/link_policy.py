"""The reference platform's link policy and how it decides a URL (LINK 1.0).

The platform treats every domain alike except the few it publishes: one
malware host and one phishing host it blocks, one host with fraud reports
it warns about. A listed domain covers its subdomains and the longest
listed domain covering a host decides, as the draft says. Competitors'
domains are never listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import idna

from .problems import Problem

POLICY_VERSION: Final = "2026-01"
PUBLISHED_AT: Final = "2026-01-05T00:00:00Z"
REASONS: Final[dict[str, str]] = {
    "MALWARE": "The site distributes malware (confirmed by the platform's security team).",
    "PHISHING": "The site imitates another to collect passwords or payment data.",
    "FRAUD_REPORTS": "Users reported fraud on this site; the report is under review.",
}


@dataclass(frozen=True)
class Listed:
    """A published listing: domain (A-label form), action and reason code."""

    domain: str
    action: str
    reason: str


LISTED: Final = (
    Listed("malware.test", "block", "MALWARE"),
    Listed("lottery-prize.test", "warn", "FRAUD_REPORTS"),
    Listed("pay.lottery-prize.test", "block", "PHISHING"),
)


def policy_document() -> dict[str, object]:
    """The body of ``GET /.well-known/link-policy``."""
    return {
        "version": POLICY_VERSION,
        "published_at": PUBLISHED_AT,
        "reasons": [{"code": code, "description": text} for code, text in REASONS.items()],
        "listed": [
            {"domain": entry.domain, "action": entry.action, "reason": entry.reason}
            for entry in LISTED
        ],
    }


def _host_key(host: str) -> str:
    host = host.rstrip(".")
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host.lower()


def decide(url: str) -> dict[str, object]:
    """The resolve answer for a URL: the same for every client, context and domain owner."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise Problem(422, "INVALID", "`url` is not a URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Problem(422, "INVALID", "only http and https URLs are in scope")
    if not host:
        raise Problem(422, "INVALID", "`url` has no host")
    key = _host_key(host)
    covering = [e for e in LISTED if key == e.domain or key.endswith("." + e.domain)]
    decided = max(covering, key=lambda e: len(e.domain), default=None)
    if decided is None:
        return {"url": url, "action": "open", "reason": None, "open_url": url}
    return {
        "url": url,
        "action": decided.action,
        "reason": {"code": decided.reason},
        "open_url": None if decided.action == "block" else url,
    }
