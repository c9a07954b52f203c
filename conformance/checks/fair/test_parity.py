"""FAIR-001, FAIR-005, FAIR-006: the same request gets the same answer, whoever sends it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from conformance.checking import not_applicable
from conformance.compare import Variant, differential, send, volatile
from conformance.errors import Finding, Mismatch
from conformance.fair.client import client_variants
from conformance.fair.rules import Rules
from conformance.harness import Harness
from conformance.probe import Probe, Response
from conformance.roles import ALICE_COMPETITOR, ALICE_THIRD_PARTY

from .requests import parity_requests

_CHALLENGES = ("WWW-Authenticate", "Proxy-Authenticate")
_COMPETITOR_HEADERS = ("User-Agent", "Origin", "Referer")


@pytest.mark.requirement("FAIR-001")
def test_every_client_gets_the_same_status_and_body(
    probe: Probe, harness: Harness, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """Listings, item reads and quotes are equal for first_party, third_party and competitor."""
    spec = harness.catalogue.spec("FAIR").document
    mismatches: list[Mismatch] = []
    evidence: list[str] = []
    for i, (request, operation) in enumerate(parity_requests(items, rules)):
        outcome = differential(
            probe, request, client_variants(), ignore=volatile(spec, operation), round_index=i
        )
        mismatches += outcome.mismatches()
        if outcome.differences:
            evidence += [r.exchange for r in outcome.responses.values()]
    if mismatches:
        raise Finding(
            "clients get different answers to the same request",
            mismatches=mismatches,
            evidence=evidence,
        )


@pytest.mark.requirement("FAIR-005")
def test_competitor_headers_change_nothing(
    probe: Probe, harness: Harness, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """A competitor's User-Agent, Origin or Referer (alone or together) changes no answer."""
    spec = harness.catalogue.spec("FAIR").document
    competitor = {
        k: v
        for k, v in probe.target.clients.get("competitor", {}).items()
        if k in _COMPETITOR_HEADERS
    }
    if not competitor:
        not_applicable("the target gives the competitor no User-Agent, Origin or Referer")
    own = Variant("third_party", role=ALICE_THIRD_PARTY)
    variants = [own]
    variants += [
        Variant(f"third_party+competitor {k}", role=ALICE_THIRD_PARTY, headers={k: v})
        for k, v in competitor.items()
    ]
    variants.append(
        Variant("third_party+competitor headers", role=ALICE_THIRD_PARTY, headers=competitor)
    )
    first_party = {
        k: v
        for k, v in probe.target.clients.get("first_party", {}).items()
        if k in _COMPETITOR_HEADERS
    }
    pairs = [variants]
    if first_party:
        pairs.append(
            [
                Variant("competitor", role=ALICE_COMPETITOR),
                Variant(
                    "competitor+first_party headers", role=ALICE_COMPETITOR, headers=first_party
                ),
            ]
        )
    mismatches: list[Mismatch] = []
    for i, (request, operation) in enumerate(parity_requests(items, rules)[:6]):
        for group in pairs:
            outcome = differential(
                probe, request, group, ignore=volatile(spec, operation), round_index=i
            )
            mismatches += outcome.mismatches()
    if mismatches:
        raise Finding("a competitor's headers change the answer", mismatches=mismatches)


@pytest.mark.requirement("FAIR-006")
def test_third_parties_meet_no_extra_procedure(
    probe: Probe, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """No refusal or challenge for third_party or competitor that first_party does not get."""
    mismatches: list[Mismatch] = []
    for i, (request, _) in enumerate(parity_requests(items, rules)):
        variants = client_variants()
        order = variants[i % 3 :] + variants[: i % 3]
        answers = {v.name: send(probe, request, v, validate=False) for v in order}
        base = answers["first_party"]
        for name in ("third_party", "competitor"):
            mismatches += _extra_procedure(
                f"{request.method} {request.path} as {name}", base, answers[name]
            )
    if mismatches:
        raise Finding("third parties meet procedures first_party does not", mismatches=mismatches)


def _extra_procedure(label: str, base: Response, other: Response) -> list[Mismatch]:
    out = []
    where = f"{label} ({other.exchange} vs {base.exchange})"
    if base.status < 400 <= other.status or (base.status < 300 <= other.status < 400):
        out.append(
            Mismatch(
                f"{where} status",
                base.status,
                other.status,
                "first_party's status for the same request",
            )
        )
    for header in _CHALLENGES:
        if other.headers.get(header) and not base.headers.get(header):
            out.append(
                Mismatch(
                    f"{where} {header}",
                    None,
                    other.headers.get(header),
                    "a challenge first_party does not get",
                )
            )
    return out
