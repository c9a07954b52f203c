"""FAIR-008: listed deprecations are announced, retired with a successor, and given notice."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conformance.errors import Finding, Mismatch
from conformance.fair.client import roles
from conformance.fair.rules import Rules
from conformance.harness import Harness
from conformance.httpdates import deprecation_date, http_date, rfc3339
from conformance.probe import Probe, Response

PLACEHOLDER = "conformance-probe-0"
NOTICE = timedelta(days=15)
_SKEW = timedelta(seconds=5)


@pytest.mark.requirement("FAIR-008")
def test_deprecations_are_listed_announced_and_noticed(
    probe: Probe, harness: Harness, rules: Rules, items: list[Mapping[str, Any]]
) -> None:
    """Every listed deprecation as every client; no unlisted Deprecation on FAIR's operations."""
    mismatches: list[Mismatch] = []
    for i, entry in enumerate(rules.deprecations):
        mismatches += _listed(probe, i, entry)
    mismatches += _unlisted(probe, harness, rules, str(items[0].get("id")))
    if mismatches:
        raise Finding("deprecations are not announced as FAIR-008 requires", mismatches=mismatches)


def _listed(probe: Probe, i: int, entry: Mapping[str, Any]) -> list[Mismatch]:
    where = f"platform-rules $.deprecations[{i}]"
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
            Mismatch(where, "method, path, successor, RFC 3339 deprecated_at and sunset_at", entry)
        ]
    out = []
    if sunset_at - deprecated_at < NOTICE:
        out.append(
            Mismatch(
                f"{where} sunset_at",
                f"at least 15 days after {entry['deprecated_at']}",
                entry.get("sunset_at"),
                "P2B Art. 3(2) notice",
            )
        )
    url = re.sub(r"\{[^}/]+\}", PLACEHOLDER, path)
    for role in roles():
        response = probe.request(
            method.upper(), url, role=role, validate=False, follow_redirects=False
        )
        now = datetime.now(UTC)
        label = f"{method.upper()} {url} as {role} ({response.exchange})"
        if abs(now - sunset_at) < _SKEW:
            continue
        if now < sunset_at:
            out += _announced(label, response, deprecated_at, sunset_at)
        else:
            out += _retired(probe, label, response, re.sub(r"\{[^}/]+\}", PLACEHOLDER, successor))
    return out


def _announced(
    label: str, response: Response, deprecated_at: datetime, sunset_at: datetime
) -> list[Mismatch]:
    dep, sun = response.headers.get("Deprecation"), response.headers.get("Sunset")
    dep_at = deprecation_date(dep) if dep else None
    sun_at = http_date(sun) if sun else None
    out = []
    if dep_at is None or abs(dep_at - deprecated_at) > timedelta(seconds=1):
        out.append(Mismatch(f"{label} Deprecation", f"@{int(deprecated_at.timestamp())}", dep))
    if sun_at is None or abs(sun_at - sunset_at) > timedelta(seconds=1):
        out.append(
            Mismatch(f"{label} Sunset", sunset_at.strftime("%a, %d %b %Y %H:%M:%S GMT"), sun)
        )
    return out


def _retired(probe: Probe, label: str, response: Response, successor: str) -> list[Mismatch]:
    out = []
    if response.status != 410:
        out.append(Mismatch(f"{label} status", 410, response.status, "after sunset_at"))
    expected = probe.url(successor)
    links = [
        probe.url(target, base=response.url)
        for target, params in re.findall(
            r"<([^>]*)>\s*((?:;[^,<]*)*)", response.headers.get("Link", "")
        )
        if re.search(r'rel\s*=\s*"?[^";]*\bsuccessor-version\b', params)
    ]
    if expected not in links:
        out.append(
            Mismatch(
                f"{label} Link",
                f'<{successor}>; rel="successor-version"',
                response.headers.get("Link"),
            )
        )
    return out


def _unlisted(probe: Probe, harness: Harness, rules: Rules, item_id: str) -> list[Mismatch]:
    listed = {
        (str(d.get("method", "")).upper(), str(d.get("path", ""))) for d in rules.deprecations
    }
    spec = harness.catalogue.spec("FAIR").document
    calls = {
        ("GET", "/.well-known/platform-rules"): ("/.well-known/platform-rules", None),
        ("GET", "/fair/v1/items"): ("/fair/v1/items", None),
        ("GET", "/fair/v1/items/{id}"): (f"/fair/v1/items/{item_id}", None),
        ("POST", "/fair/v1/quotes"): ("/fair/v1/quotes", {"item_id": item_id, "quantity": 1}),
    }
    out = []
    for (method, template), (url, body) in calls.items():
        if template not in spec.get("paths", {}) or (method, template) in listed:
            continue
        for role in roles():
            response = probe.request(method, url, role=role, json_body=body, validate=False)
            for header in ("Deprecation", "Sunset"):
                if response.headers.get(header):
                    out.append(
                        Mismatch(
                            f"{method} {url} as {role} ({response.exchange}) {header}",
                            None,
                            response.headers.get(header),
                            "the operation is not listed in the rules' deprecations",
                        )
                    )
    return out
