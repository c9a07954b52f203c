"""Deprecations as COMMON C-005 defines them, judged the same way for every standard.

An entry names an operation, when it was deprecated, when it sunsets and its
successor. Before ``sunset_at`` every answer carries ``Deprecation`` (naming
``deprecated_at``) and ``Sunset`` (naming ``sunset_at``); after it the
operation answers 410 with ``Link: <successor>; rel="successor-version"``,
the successor's path filled as in the request.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance._harness.errors import Mismatch
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Role
from conformance.common.httpdates import deprecation_date, http_date, rfc3339

SKEW = timedelta(seconds=5)  # requests this close to sunset_at are not judged
_TEMPLATE = re.compile(r"\{[^}/]+\}")


@dataclass(frozen=True)
class Deprecation:
    """One well-formed entry of a ``deprecations`` list."""

    method: str
    path: str
    successor: str
    deprecated_at: datetime
    sunset_at: datetime
    filler: str = ""
    """What fills every template variable: an id no resource has, made up for the run."""

    @property
    def url(self) -> str:
        """The deprecated path with every template variable filled."""
        return _TEMPLATE.sub(lambda _: self.filler, self.path)

    @property
    def successor_url(self) -> str:
        """The successor's path filled as the request was."""
        return _TEMPLATE.sub(lambda _: self.filler, self.successor)


def parse_deprecation(
    where: str, entry: Mapping[str, Any], filler: str | None = None
) -> Deprecation | Mismatch:
    """The entry, or a mismatch saying why the suite cannot call it.

    ``filler`` fills the path's template variables: an ordinary id made up for
    the run (``ordinary(harness.seed, ...).uuid()``, so a replay sends the same);
    without it, a random UUID. Never a fixed value a platform could recognise.
    """
    deprecated_at, sunset_at = rfc3339(entry.get("deprecated_at")), rfc3339(entry.get("sunset_at"))
    method, path, successor = entry.get("method"), entry.get("path"), entry.get("successor")
    if (
        deprecated_at is None
        or sunset_at is None
        or not isinstance(method, str)
        or not isinstance(path, str)
        or not isinstance(successor, str)
    ):
        return Mismatch(
            where, "method, path, successor and RFC 3339 deprecated_at, sunset_at", entry
        )
    return Deprecation(
        method.upper(), path, successor, deprecated_at, sunset_at, filler or str(uuid.uuid4())
    )


def call_and_judge(probe: Probe, deprecation: Deprecation, role: Role | None) -> list[Mismatch]:
    """Call the deprecated operation as ``role`` and judge the answer by the clock."""
    response = probe.request(
        deprecation.method, deprecation.url, role=role, validate=False, follow_redirects=False
    )
    label = (
        f"{deprecation.method} {deprecation.path} as {role or 'anonymous'} ({response.exchange})"
    )
    now = datetime.now(UTC)
    if abs(now - deprecation.sunset_at) < SKEW:
        return []
    if now < deprecation.sunset_at:
        return announced(label, response, deprecation)
    return retired(probe, label, response, deprecation)


def announced(label: str, response: Response, deprecation: Deprecation) -> list[Mismatch]:
    """Before sunset: Deprecation and Sunset headers naming the listed instants."""
    dep, sun = response.headers.get("Deprecation"), response.headers.get("Sunset")
    dep_at = deprecation_date(dep) if dep else None
    sun_at = http_date(sun) if sun else None
    out = []
    if dep_at is None or abs(dep_at - deprecation.deprecated_at) > timedelta(seconds=1):
        out.append(
            Mismatch(
                f"{label} Deprecation",
                f"@{int(deprecation.deprecated_at.timestamp())}",
                dep,
                "RFC 9745 header naming deprecated_at",
            )
        )
    if sun_at is None or abs(sun_at - deprecation.sunset_at) > timedelta(seconds=1):
        out.append(
            Mismatch(
                f"{label} Sunset",
                deprecation.sunset_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                sun,
                "RFC 8594 header naming sunset_at",
            )
        )
    return out


def retired(
    probe: Probe, label: str, response: Response, deprecation: Deprecation
) -> list[Mismatch]:
    """After sunset: 410 and a successor-version link to the filled successor path."""
    out = []
    if response.status != 410:
        out.append(Mismatch(f"{label} status", 410, response.status, "after sunset_at"))
    expected = probe.url(deprecation.successor_url)
    if expected not in successor_links(probe, response):
        out.append(
            Mismatch(
                f"{label} Link",
                f'<{deprecation.successor_url}>; rel="successor-version"',
                response.headers.get("Link"),
                "successor path filled as in the request",
            )
        )
    return out


def successor_links(probe: Probe, response: Response) -> list[str]:
    """Absolute targets of the response's ``rel="successor-version"`` links."""
    found = []
    for target, params in re.findall(
        r"<([^>]*)>\s*((?:;[^,<]*)*)", response.headers.get("Link", "")
    ):
        if re.search(r'rel\s*=\s*"?[^";]*\bsuccessor-version\b', params):
            found.append(probe.url(target, base=response.url))
    return found
