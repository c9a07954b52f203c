"""The published link policy (``GET /.well-known/link-policy``) and what it decides.

A listed domain covers its subdomains; where several listed domains cover
a host, the longest one decides (LINK.md, Operations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance._harness.errors import Mismatch

from .hosts import ascii_host, covers

POLICY_PATH = "/.well-known/link-policy"


@dataclass(frozen=True)
class Listing:
    """One listed domain: as published, in A-label form, its action and reason code."""

    domain: str
    ascii: str
    action: str
    reason: str


@dataclass(frozen=True)
class Policy:
    """The parsed policy: published reasons (code → description) and listings."""

    reasons: Mapping[str, str]
    listed: tuple[Listing, ...]
    exchange: str = ""
    problems: tuple[Mismatch, ...] = field(default=())

    def covering(self, host: str) -> Listing | None:
        """The listing that decides a host: the longest listed domain covering it."""
        try:
            ascii_form = ascii_host(host)
        except ValueError:
            ascii_form = host.lower()
        found = [entry for entry in self.listed if covers(entry.ascii, ascii_form)]
        return max(found, key=lambda entry: len(entry.ascii), default=None)

    def describe(self, code: str | None) -> str:
        """A reason code with its published description, or a note that it is unpublished."""
        if code is None:
            return "no reason"
        if code in self.reasons:
            return f"{code} — published as {self.reasons[code]!r}"
        return f"{code} — not published in {POLICY_PATH}"


def parse_policy(body: Any, exchange: str = "") -> Policy:
    """Read a policy body; entries the suite cannot use become ``problems`` (LINK-003)."""
    problems: list[Mismatch] = []
    document = body if isinstance(body, dict) else {}
    reasons: dict[str, str] = {}
    for i, raw in enumerate(_items(document.get("reasons"))):
        code = raw.get("code")
        if not isinstance(code, str):
            problems.append(Mismatch(f"$.reasons[{i}].code", "a string", code))
            continue
        reasons[code] = str(raw.get("description", ""))
    listed: list[Listing] = []
    for i, raw in enumerate(_items(document.get("listed"))):
        domain, action, reason = raw.get("domain"), raw.get("action"), raw.get("reason")
        where = f"$.listed[{i}]"
        if not isinstance(domain, str) or not domain:
            problems.append(Mismatch(f"{where}.domain", "a host name", domain))
            continue
        try:
            ascii_form = ascii_host(domain)
        except ValueError as exc:
            problems.append(Mismatch(f"{where}.domain", "a host name", domain, str(exc)))
            continue
        if action not in ("warn", "block"):
            problems.append(Mismatch(f"{where}.action", "warn or block", action))
            continue
        if not isinstance(reason, str) or reason not in reasons:
            problems.append(
                Mismatch(
                    f"{where}.reason",
                    f"one of the published codes {sorted(reasons)}",
                    reason,
                    f"{domain} is listed with a reason the policy does not publish",
                )
            )
        listed.append(Listing(domain, ascii_form, action, str(reason)))
    return Policy(reasons, tuple(listed), exchange, tuple(problems))


def _items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
