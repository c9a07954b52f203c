"""The reference platform's link policy and how it decides a URL (LINK 1.0).

The platform treats every domain alike except the few it publishes: one
malware host and one phishing host it blocks, one host with fraud reports
it warns about (and, in the ``extended`` form, an IDN and a spam host). A
listed domain covers its subdomains and the longest listed domain covering
a host decides, as the draft says. Competitors' domains are never listed.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlsplit, urlunsplit

import idna

from .problems import Problem

POLICY_VERSION: Final = "2026-01"
PUBLISHED_AT: Final = "2026-01-05T00:00:00Z"
REASONS: Final[dict[str, str]] = {
    "MALWARE": "The site distributes malware (confirmed by the platform's security team).",
    "PHISHING": "The site imitates another to collect passwords or payment data.",
    "FRAUD_REPORTS": "Users reported fraud on this site; the report is under review.",
}
EXTRA_REASONS: Final[dict[str, str]] = {
    "SPAM": "The host sends unsolicited bulk messages to users.",
    "IMPERSONATION": "The site impersonates the platform (no host is listed for it today).",
}
_UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")
_PERCENT: Final = re.compile(r"%([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class Listed:
    """A published listing: domain (as published), action and reason code."""

    domain: str
    action: str
    reason: str

    @property
    def key(self) -> str:
        """The domain in lower-case A-label form."""
        return host_key(self.domain)


LISTED: Final = (
    Listed("malware.test", "block", "MALWARE"),
    Listed("lottery-prize.test", "warn", "FRAUD_REPORTS"),
    Listed("pay.lottery-prize.test", "block", "PHISHING"),
)
# The same listings written otherwise, and two more: an IDN in Unicode form
# and a subdomain of a neutral domain of the reference's target file.
LISTED_EXTENDED: Final = (
    Listed("m.news.example.net", "warn", "SPAM"),
    Listed("gewinnspiel-prämie.test", "warn", "FRAUD_REPORTS"),
    Listed("PAY.Lottery-Prize.test", "block", "PHISHING"),
    Listed("Lottery-Prize.TEST", "warn", "FRAUD_REPORTS"),
    Listed("Malware.test", "block", "MALWARE"),
)


def host_key(host: str) -> str:
    """A host in lower-case A-label form (unchanged but lower-cased if it is not an IDN)."""
    host = host.rstrip(".")
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host.lower()


class LinkPolicy:
    """The published policy in one of its forms, and the decisions it implies."""

    def __init__(self, form: str = "plain") -> None:
        self.extended = form == "extended"
        self.listed = LISTED_EXTENDED if self.extended else LISTED
        self.reasons = {**REASONS, **EXTRA_REASONS} if self.extended else dict(REASONS)

    def document(self) -> dict[str, object]:
        """The body of ``GET /.well-known/link-policy``."""
        listed: list[dict[str, object]] = []
        for entry in self.listed:
            item: dict[str, object] = {
                "domain": entry.domain,
                "action": entry.action,
                "reason": entry.reason,
            }
            if self.extended:
                item |= {"since": "2026-01-05", "covers_subdomains": True}
            listed.append(item)
        return {
            "version": POLICY_VERSION,
            "published_at": PUBLISHED_AT,
            "reasons": [{"code": code, "description": text} for code, text in self.reasons.items()],
            "listed": listed,
        }

    def covering(self, host: str) -> Listed | None:
        """The listing that decides a host: the longest listed domain covering it."""
        key = host_key(host)
        found = [e for e in self.listed if key == e.key or key.endswith("." + e.key)]
        return max(found, key=lambda e: len(e.key), default=None)


def normalise(url: str) -> str:
    """RFC 3986 §6.2.2 normal form: scheme and host in lower case (host in A-labels),
    IRI characters and percent-encodings upper-cased, unreserved ones decoded, no fragment.
    """
    parts = urlsplit(url)
    host = host_key(parts.hostname or "")
    netloc = host
    if parts.port is not None:
        netloc += f":{parts.port}"
    if parts.username is not None:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc

    def component(text: str) -> str:
        as_uri = quote(text, safe="".join(chr(c) for c in range(0x21, 0x7F)))

        def fix(match: re.Match[str]) -> str:
            char = chr(int(match.group(1), 16))
            return char if char in _UNRESERVED else "%" + match.group(1).upper()

        return _PERCENT.sub(fix, as_uri)

    # An empty query keeps its "?" (it is part of the URL given); urlunsplit would drop it.
    has_query = "?" in url.split("#", 1)[0]
    query = "?" + component(parts.query) if has_query else ""
    return urlunsplit((parts.scheme.lower(), netloc, component(parts.path) or "/", "", "")) + query


def decide(
    policy: LinkPolicy, url: str, *, url_forms: str = "as-given", reason_form: str = "code"
) -> dict[str, object]:
    """The resolve answer for a URL: the same for every client, context and domain owner."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise Problem(422, "INVALID", "`url` is not a URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Problem(422, "INVALID", "only http and https URLs are in scope")
    if not host:
        raise Problem(422, "INVALID", "`url` has no host")
    echo = normalise(url) if url_forms == "normalised" else url
    decided = policy.covering(host)
    if decided is None:
        return {"url": echo, "action": "open", "reason": None, "open_url": url}
    reason: dict[str, object] = {"code": decided.reason}
    if reason_form == "described":
        reason |= {"description": policy.reasons[decided.reason], "policy_version": POLICY_VERSION}
    open_url: str | None = None
    if decided.action == "warn":
        open_url = normalise(url) if url_forms == "normalised" else url
    return {"url": echo, "action": decided.action, "reason": reason, "open_url": open_url}
