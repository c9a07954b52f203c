"""The domains a target names for LINK, and hosts in one comparable form.

Hosts are compared in ASCII: IDNA A-labels (punycode), lower-cased, so
``例え.テスト`` and ``xn--r8jz45g.xn--zckzah`` are the same host. A listed
domain covers itself and every subdomain, on label boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import idna

from conformance._harness.errors import ConfigError
from conformance._harness.target import Target

KINDS: Final = ("own", "competitor", "neutral")
"""The keys of the target file's ``domains:`` section that LINK reads."""

_EXAMPLE: Final = {
    "own": "[app.example.com]",
    "competitor": "[rival.example, shop.rival.example]",
    "neutral": "[example.org, news.example.net]",
}


def ascii_host(host: str) -> str:
    """The host in A-label form, lower-cased; ``ValueError`` if it is not a valid IDN.

    A host that is already ASCII is only lower-cased (labels such as
    ``a_b`` are kept: IDNA does not decide what an ASCII host may be).
    """
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"{host!r} is not a valid internationalised domain name: {exc}") from None


def unicode_host(host: str) -> str:
    """The host with A-labels shown as Unicode (U-labels); unchanged if it cannot be decoded."""
    try:
        return idna.decode(ascii_host(host))
    except (idna.IDNAError, ValueError, UnicodeError):
        return host.lower()


def covers(listed: str, host: str) -> bool:
    """Whether a listed domain covers a host (itself or a subdomain); both in A-label form."""
    listed = listed.rstrip(".")
    host = host.rstrip(".")
    return host == listed or host.endswith("." + listed)


@dataclass(frozen=True)
class LinkDomains:
    """The platform's own, competitor and neutral domains, as the target file writes them."""

    own: tuple[str, ...]
    competitor: tuple[str, ...]
    neutral: tuple[str, ...]

    def of(self, kind: str) -> tuple[str, ...]:
        """The domains of one kind (``own``, ``competitor`` or ``neutral``)."""
        found: tuple[str, ...] = getattr(self, kind)
        return found


def link_domains(
    target: Target, needed: tuple[str, ...] = ("competitor", "neutral")
) -> LinkDomains:
    """The target's LINK domains; a ``ConfigError`` names a missing or invalid key and the fix."""
    found: dict[str, tuple[str, ...]] = {}
    for kind in KINDS:
        domains = tuple(target.domains.get(kind, ()))
        if kind in needed and not domains:
            raise ConfigError(
                target.source,
                f"domains.{kind}",
                f"LINK needs the {kind} domains of this platform and none are configured",
                f"add `domains: {{{kind}: {_EXAMPLE[kind]}}}` to the target file "
                "(the suite only writes these domains into request bodies, never contacts them)",
            )
        for i, domain in enumerate(domains):
            try:
                ascii_host(domain)
            except ValueError as exc:
                raise ConfigError(
                    target.source, f"domains.{kind}[{i}]", str(exc), "write a host name"
                ) from None
            if "/" in domain or ":" in domain or not domain.strip("."):
                raise ConfigError(
                    target.source,
                    f"domains.{kind}[{i}]",
                    f"{domain!r} is not a bare host name",
                    "write only the host (e.g. rival.example), without scheme, port or path",
                )
        found[kind] = domains
    return LinkDomains(found["own"], found["competitor"], found["neutral"])
