"""FAIR-001, FAIR-005, FAIR-006: the same request gets the same answer, whoever sends it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from conformance import (
    ALICE_COMPETITOR,
    ALICE_THIRD_PARTY,
    Finding,
    Harness,
    Mismatch,
    Probe,
    Response,
    not_applicable,
    ordinary,
)
from conformance.fair.agents import CONFIGURED, Presentation, presentations, rotation
from conformance.fair.client import roles
from conformance.fair.parity import Sender, ask, compare_groups, rotated
from conformance.fair.rules import Rules

from .requests import parity_asks

PRESENTATIONS_PER_REQUEST = 2
"""Generated presentations each request is also sent with, besides the configured headers."""
_CHALLENGES = ("WWW-Authenticate", "Proxy-Authenticate")
_COMPETITOR_HEADERS = ("User-Agent", "Origin", "Referer")


@pytest.mark.requirement("FAIR-001")
def test_every_client_gets_the_same_status_and_body(
    probe: Probe, harness: Harness, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """Listings (followed across pages), item reads and quotes are equal for the three clients.

    Each request goes out with the configured headers and with two generated
    presentations (rotating over browsers, mobile and in-app agents, native
    stacks and crawlers, with and without Origin/Referer); within each, the
    clients' answers are compared on the fields FAIR defines.
    """
    spec = harness.catalogue.spec("FAIR")
    pool = presentations()
    mismatches: list[Mismatch] = []
    evidence: list[str] = []
    asks = parity_asks(items, _unknown(harness), rules)
    sent = 0
    families: set[str] = set()
    for i, item in enumerate(asks):
        chosen = [CONFIGURED, *rotation(i, PRESENTATIONS_PER_REQUEST, pool)]
        families.update(p.agent.family for p in chosen if p.agent)
        groups = [[Sender(r, p) for r in roles()] for p in chosen]
        found, cited, count = compare_groups(probe, spec, item, groups, i)
        mismatches += found
        evidence += cited
        sent += count
    if mismatches:
        raise Finding(
            "clients get different answers to the same request",
            mismatches=mismatches,
            evidence=evidence[:60],
        )
    harness.verified(
        f"{len(asks)} requests (listings followed across pages, a filtered one among them), "
        f"{sent} answers: first_party, third_party and competitor equal on every FAIR field, "
        f"with the configured headers and {len(families)} generated agent families"
    )


@pytest.mark.requirement("FAIR-005")
def test_competitor_headers_change_nothing(
    probe: Probe, harness: Harness, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """A competitor's User-Agent, Origin or Referer (alone or together) changes no answer."""
    spec = harness.catalogue.spec("FAIR")
    competitor = {
        k: v
        for k, v in probe.target.clients.get("competitor", {}).items()
        if k in _COMPETITOR_HEADERS
    }
    if not competitor:
        not_applicable("the target gives the competitor no User-Agent, Origin or Referer")
    first_party = {
        k: v
        for k, v in probe.target.clients.get("first_party", {}).items()
        if k in _COMPETITOR_HEADERS
    }
    own = Sender(ALICE_THIRD_PARTY)
    wearing = [own]
    wearing += [
        Sender(ALICE_THIRD_PARTY, Presentation(headers=((k, v),), name=f"competitor's {k}"))
        for k, v in competitor.items()
    ]
    wearing.append(
        Sender(
            ALICE_THIRD_PARTY,
            Presentation(headers=tuple(competitor.items()), name="competitor's headers"),
        )
    )
    groups = [wearing]
    if first_party:
        groups.append(
            [
                Sender(ALICE_COMPETITOR),
                Sender(
                    ALICE_COMPETITOR,
                    Presentation(headers=tuple(first_party.items()), name="first_party's headers"),
                ),
            ]
        )
    mismatches: list[Mismatch] = []
    evidence: list[str] = []
    asks = parity_asks(items, _unknown(harness), rules)[:7]
    for i, item in enumerate(asks):
        found, cited, _ = compare_groups(probe, spec, item, groups, i)
        mismatches += found
        evidence += cited
    if mismatches:
        raise Finding(
            "a competitor's headers change the answer", mismatches=mismatches, evidence=evidence
        )
    harness.verified(
        f"{len(asks)} requests as third_party with the competitor's "
        f"{', '.join(competitor)} (each alone and together)"
        + (" and as the competitor with first_party's headers" if first_party else "")
        + ": the same status and FAIR fields"
    )


@pytest.mark.requirement("FAIR-006")
def test_third_parties_meet_no_extra_procedure(
    probe: Probe, harness: Harness, items: list[Mapping[str, Any]], rules: Rules
) -> None:
    """No refusal or challenge for third_party or competitor that first_party does not get.

    Each request is sent with the configured headers and one generated
    presentation, the same for the three clients.
    """
    pool = presentations()
    mismatches: list[Mismatch] = []
    asks = [dataclasses.replace(a, pages=1) for a in parity_asks(items, _unknown(harness), rules)]
    families: set[str] = set()
    for i, item in enumerate(asks):
        for presentation in (CONFIGURED, *rotation(i, 1, pool)):
            if presentation.agent is not None:
                families.add(presentation.agent.family)
            senders = [Sender(r, presentation) for r in roles()]
            answers = {
                senders[k].role.client: ask(probe, item, senders[k], validate=False)
                for k in rotated(list(range(len(senders))), i)
            }
            base = answers["first_party"].responses[0]
            for name in ("third_party", "competitor"):
                mismatches += _extra_procedure(
                    f"{item.label} as {name} ({presentation.label})",
                    base,
                    answers[name].responses[0],
                )
    if mismatches:
        raise Finding("third parties meet procedures first_party does not", mismatches=mismatches)
    harness.verified(
        f"{len(asks)} requests, with the configured headers and {len(families)} generated agent "
        "families: no refusal or challenge for third_party or competitor that first_party "
        "does not get"
    )


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


def _unknown(harness: Harness) -> str:
    """An item id that does not exist: an ordinary UUID made up for the run, no fixed marker."""
    return ordinary(harness.seed, "FAIR", "unknown item").uuid()
