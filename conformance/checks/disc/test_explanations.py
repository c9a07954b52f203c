"""DISC-007: explanations cite only the named version's published factors and weights."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from conformance import Finding, Mismatch, Role, not_applicable, prerequisite_failed
from conformance.disc.client import DECISIONS, DiscClient
from conformance.disc.explanations import explanation_mismatches
from conformance.disc.versions import collect

MAX_DECISIONS = 20


@pytest.mark.requirement("DISC-007")
def test_explanations_cite_only_published_factors_and_weights(
    disc: DiscClient, workers: tuple[str, ...]
) -> None:
    """Every decision of w1 and w2: factors and weights as the named version publishes them."""
    try:
        current, response = disc.disclosure(validate=False)
    except Finding as exc:
        prerequisite_failed("DISC-001", exc.describe())
    versions = collect(disc.probe, current, response)
    mismatches: list[Mismatch] = []
    explained = 0
    for worker in workers:
        role = Role("first_party", worker)
        listed = disc.probe.get(DECISIONS, role=role)
        if listed.status != 200:
            raise Finding(
                f"GET {DECISIONS} does not list {worker}'s decisions",
                mismatches=[Mismatch("status", 200, listed.status)],
                evidence=[listed.exchange],
            )
        decisions = listed.json().get("decisions") or []
        for decision in decisions[:MAX_DECISIONS]:
            decision_id = str(decision.get("id")) if isinstance(decision, dict) else ""
            path = f"{DECISIONS}/{quote(decision_id, safe='')}/explanation"
            answer = disc.probe.get(path, role=role)
            where = f"{worker} {path} ({answer.exchange})"
            if answer.status != 200:
                mismatches.append(Mismatch(where, "200 with the explanation", answer.status))
                continue
            explained += 1
            mismatches += explanation_mismatches(decision_id, answer.json(), versions, where)
    if not explained and not mismatches:
        not_applicable("the platform lists no decision for w1 or w2")
    if mismatches:
        raise Finding(
            "explanations cite factors or weights their version does not publish",
            mismatches=mismatches,
            evidence=disc.probe.exchanges,
        )
