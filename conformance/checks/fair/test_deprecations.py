"""FAIR-008: listed deprecations are announced, retired with a successor, and given notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from conformance import (
    Finding,
    Harness,
    Mismatch,
    Probe,
    call_and_judge,
    ordinary,
    parse_deprecation,
)
from conformance.fair.client import roles
from conformance.fair.rules import Rules

NOTICE = timedelta(days=15)


@pytest.mark.requirement("FAIR-008")
def test_deprecations_are_listed_announced_and_noticed(
    probe: Probe, harness: Harness, rules: Rules, items: list[Mapping[str, Any]]
) -> None:
    """Every listed deprecation as every client; no unlisted Deprecation on FAIR's operations."""
    mismatches: list[Mismatch] = []
    made_up = ordinary(harness.seed, "FAIR-008")
    for i, entry in enumerate(rules.deprecations):
        mismatches += _listed(probe, i, entry, made_up.uuid())
    mismatches += _unlisted(probe, harness, rules, str(items[0].get("id")))
    if mismatches:
        raise Finding("deprecations are not announced as FAIR-008 requires", mismatches=mismatches)


def _listed(probe: Probe, i: int, entry: Mapping[str, Any], filler: str) -> list[Mismatch]:
    parsed = parse_deprecation(f"platform-rules $.deprecations[{i}]", entry, filler)
    if isinstance(parsed, Mismatch):
        return [parsed]
    out = []
    if parsed.sunset_at - parsed.deprecated_at < NOTICE:
        out.append(
            Mismatch(
                f"platform-rules $.deprecations[{i}].sunset_at",
                f"at least 15 days after {entry['deprecated_at']}",
                entry.get("sunset_at"),
                "P2B Art. 3(2) notice",
            )
        )
    for role in roles():
        out += call_and_judge(probe, parsed, role)
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
