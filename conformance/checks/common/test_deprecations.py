"""C-005: deprecated operations announce their sunset, then answer 410 with a successor."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conformance.checking import not_applicable
from conformance.errors import Finding, Mismatch
from conformance.harness import Harness
from conformance.httpdates import deprecation_date, http_date, rfc3339
from conformance.probe import Probe
from conformance.roles import ALICE

_PLACEHOLDER = "conformance-probe-0"
_SKEW = timedelta(seconds=5)  # requests this close to sunset_at are not judged


@pytest.mark.requirement("C-005")
def test_deprecated_operations_announce_sunset_then_answer_gone(
    probe: Probe, harness: Harness
) -> None:
    """Every listed deprecation is announced before sunset and gone after it."""
    entries = harness.claims().deprecations()
    if not entries:
        not_applicable("the discovery document lists no deprecations")
    mismatches: list[Mismatch] = []
    for i, entry in enumerate(entries):
        mismatches += _check_entry(probe, i, entry)
    if mismatches:
        raise Finding(
            "deprecated operations do not answer as C-005 requires", mismatches=mismatches
        )


def _check_entry(probe: Probe, i: int, entry: Mapping[str, Any]) -> list[Mismatch]:
    where = f"$.deprecations[{i}]"
    deprecated_at, sunset_at = rfc3339(entry.get("deprecated_at")), rfc3339(entry.get("sunset_at"))
    method, path, successor = entry.get("method"), entry.get("path"), entry.get("successor")
    if not (
        deprecated_at
        and sunset_at
        and isinstance(method, str)
        and isinstance(path, str)
        and isinstance(successor, str)
    ):
        return [
            Mismatch(
                where,
                "method, path, successor and RFC 3339 deprecated_at, sunset_at",
                entry,
                "an entry the suite cannot call",
            )
        ]
    url = re.sub(r"\{[^}/]+\}", _PLACEHOLDER, path)
    response = probe.request(
        method.upper(), url, role=ALICE, validate=False, follow_redirects=False
    )
    now = datetime.now(UTC)
    label = f"{method.upper()} {path} ({response.exchange})"
    if abs(now - sunset_at) < _SKEW:
        return []
    if now < sunset_at:
        out = []
        dep = response.headers.get("Deprecation")
        sun = response.headers.get("Sunset")
        dep_at = deprecation_date(dep) if dep else None
        sun_at = http_date(sun) if sun else None
        if dep_at is None or abs(dep_at - deprecated_at) > timedelta(seconds=1):
            out.append(
                Mismatch(
                    f"{label} Deprecation",
                    f"@{int(deprecated_at.timestamp())}",
                    dep,
                    "RFC 9745 header naming deprecated_at",
                )
            )
        if sun_at is None or abs(sun_at - sunset_at) > timedelta(seconds=1):
            out.append(
                Mismatch(
                    f"{label} Sunset",
                    sunset_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                    sun,
                    "RFC 8594 header naming sunset_at",
                )
            )
        return out
    out = []
    if response.status != 410:
        out.append(Mismatch(f"{label} status", 410, response.status, "after sunset_at"))
    expected = probe.url(re.sub(r"\{[^}/]+\}", _PLACEHOLDER, successor))
    links = _successor_links(response.headers.get("Link", ""), response.url, probe)
    if expected not in links:
        out.append(
            Mismatch(
                f"{label} Link",
                f'<{expected}>; rel="successor-version"',
                response.headers.get("Link"),
                "successor path filled as in the request",
            )
        )
    return out


def _successor_links(header: str, base: str, probe: Probe) -> list[str]:
    found = []
    for target, params in re.findall(r"<([^>]*)>\s*((?:;[^,<]*)*)", header):
        if re.search(r'rel\s*=\s*"?[^";]*\bsuccessor-version\b', params):
            found.append(probe.url(target, base=base))
    return found
