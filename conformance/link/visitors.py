"""LINK-007: anonymous visitors of a share page, and the chain of answers each one gets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from conformance._harness.errors import RefusedDestination
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Target, origin_of

from .agents import (
    CRAWLER,
    GENERIC_BROWSER,
    IN_APP_BROWSERS,
    PREVIEW_FETCHERS,
    SEARCH_REFERER,
    in_app_browser,
)

MAX_HOPS = 5
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class Visitor:
    """Who fetches the page: a name and the headers it presents (never credentials)."""

    name: str
    headers: Mapping[str, str]


def visitors(target: Target) -> list[Visitor]:
    """A generic browser first (the baseline), then in-app browsers, crawlers, Referers.

    The configured competitor's app (its in-app browser and its own
    User-Agent, with its Referer) comes first after the baseline; then the
    in-app browsers of the apps shared links most often reach, and the
    crawlers and link-preview fetchers of search engines and messengers.
    """
    competitor = target.clients.get("competitor", {})
    app_agent = competitor.get("User-Agent", "RivalApp/1.0")
    app_referer = competitor.get("Referer") or competitor.get("Origin")
    referer = {"Referer": app_referer} if app_referer else {}
    return [
        Visitor("a generic browser", {"User-Agent": GENERIC_BROWSER}),
        Visitor(
            "a competitor's in-app browser", {"User-Agent": in_app_browser(app_agent), **referer}
        ),
        Visitor("the competitor's app", {"User-Agent": app_agent, **referer}),
        Visitor(
            "a generic browser from a search page",
            {"User-Agent": GENERIC_BROWSER, "Referer": SEARCH_REFERER},
        ),
        Visitor("a crawler", {"User-Agent": CRAWLER}),
        *(
            Visitor(f"{family}'s in-app browser", {"User-Agent": ua})
            for family, ua in IN_APP_BROWSERS
        ),
        *(Visitor(name, {"User-Agent": ua}) for name, ua in PREVIEW_FETCHERS),
    ]


@dataclass(frozen=True)
class Visit:
    """Every answer on the way to the page: (status, absolute Location or None) per hop."""

    hops: tuple[tuple[int, str | None], ...]
    final: Response
    foreign: str | None = None


def visit(probe: Probe, url: str, visitor: Visitor) -> Visit:
    """GET ``url`` anonymously as ``visitor``, following same-origin redirects hop by hop."""
    hops: list[tuple[int, str | None]] = []
    headers = {**visitor.headers, "Accept": _ACCEPT}
    allowed = {probe.target.origin, *probe.target.allowed_origins}
    for _ in range(MAX_HOPS + 1):
        response = probe.get(url, headers=headers, validate=False, follow_redirects=False)
        location = response.headers.get("Location")
        is_redirect = response.status in (301, 302, 303, 307, 308) and bool(location)
        target = urljoin(url, location) if is_redirect and location else None
        hops.append((response.status, target))
        if target is None:
            return Visit(tuple(hops), response)
        if origin_of(target) not in allowed:
            return Visit(tuple(hops), response, foreign=target)
        url = target
    return Visit(tuple(hops), response)


def refuse_foreign(share_url: str, where: str) -> RefusedDestination:
    """The error when the page lives on an origin the suite may not contact."""
    return RefusedDestination(
        f"the share page {share_url} leads to {where}, outside the target's origin; the suite "
        "only contacts the target. If that origin is the platform's, add it to allowed_origins"
    )
