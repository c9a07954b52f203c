"""LINK-002 and LINK-006: is the URL a user is taken to the URL given?

LINK-002 asks for the same characters. LINK-006 asks that scheme, host,
path and query are kept, and compares them as RFC 3986 §6.2.2 does: the
scheme and host case-insensitively, the host in A-label form (an IDN
written in Unicode or in punycode is the same host), path and query after
mapping non-ASCII characters to UTF-8 percent-encodings (RFC 3987 §3.1),
upper-casing percent-encodings and decoding those of unreserved
characters. Fragment, port and userinfo are not compared.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

from conformance._harness.errors import Mismatch

from .hosts import ascii_host

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def normal_component(text: str) -> str:
    """A path or query in RFC 3986 normal form (see the module docstring)."""
    as_uri = quote(text, safe="".join(chr(c) for c in range(0x21, 0x7F)))

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT.sub(fix, as_uri)


def _host(netloc_host: str | None) -> str:
    if not netloc_host:
        return ""
    try:
        return ascii_host(netloc_host)
    except ValueError:
        return netloc_host.lower()


def kept_parts(given: str, open_url: object, label: str) -> list[Mismatch]:
    """Where ``open_url`` loses the scheme, host, path or query of ``given`` (LINK-006)."""
    if not isinstance(open_url, str):
        return [
            Mismatch(f"{label} open_url", given, open_url, "open and warn must take the user on")
        ]
    a, b = urlsplit(given), urlsplit(open_url)
    out = []
    pairs = (
        ("scheme", a.scheme.lower(), b.scheme.lower()),
        ("host", _host(a.hostname), _host(b.hostname)),
        ("path", normal_component(a.path or "/"), normal_component(b.path or "/")),
        (
            "query",
            normal_component(a.query) if a.query or "?" in given.split("#")[0] else None,
            normal_component(b.query) if b.query or "?" in open_url.split("#")[0] else None,
        ),
    )
    for part, want, got in pairs:
        if want != got:
            out.append(
                Mismatch(
                    f"{label} open_url {part}",
                    want,
                    got,
                    f"given {given!r}, taken to {open_url!r}",
                )
            )
    return out


def same_characters(given: str, open_url: object, label: str) -> list[Mismatch]:
    """Where ``open_url`` is not ``given`` character for character (LINK-002)."""
    if open_url == given:
        return []
    reason = "no wrapper, redirector, token or re-encoding"
    if isinstance(open_url, str):
        at = next(
            (i for i, (x, y) in enumerate(zip(given, open_url, strict=False)) if x != y),
            min(len(given), len(open_url)),
        )
        reason += f"; first difference at character {at}"
    return [Mismatch(f"{label} open_url", given, open_url, reason)]
