"""DISC-005: equal inputs, equal quotes, for every worker, merchant and client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import strategies as st

from conformance import (
    Examples,
    Finding,
    Harness,
    LogicalRequest,
    Role,
    Variant,
    diff,
    differential,
    ordinary,
)
from conformance.disc.client import CLIENTS, FEE_QUOTES, PAY_QUOTES, DiscClient
from conformance.disc.disclosure import Disclosure, DisclosureError
from conformance.disc.equality import (
    FEE_FIELDS,
    PAY_FIELDS,
    project,
    unevaluable_fee,
    unevaluable_pay,
)
from conformance.disc.strategies import (
    fee_boundaries,
    fee_inputs,
    pay_boundaries,
    pay_inputs,
    with_examples,
)


def _variants(users: Sequence[str]) -> list[Variant]:
    return [
        Variant(f"{client}/{user}", role=Role(client, user)) for user in users for client in CLIENTS
    ]


def _check(
    disc: DiscClient,
    examples: Examples,
    path: str,
    users: Sequence[str],
    fields: tuple[str, ...],
    generated: st.SearchStrategy[dict[str, Any]],
    explicit: list[dict[str, Any]],
) -> None:
    variants = _variants(users)
    rounds = iter(range(10**6))

    def prop(body: dict[str, Any]) -> None:
        request = LogicalRequest("POST", path, json_body=body)
        outcome = differential(
            disc.probe, request, variants, round_index=next(rounds), validate=False
        )
        base = variants[0].name
        projected = {name: project(r, fields) for name, r in outcome.responses.items()}
        differences = [
            d for v in variants[1:] for d in diff(projected[base], projected[v.name], base, v.name)
        ]
        if differences:
            raise Finding(
                f"POST {path} with {body} answered differently depending on who asked",
                mismatches=differences,
                evidence=[r.exchange for r in outcome.responses.values()],
            )

    examples.given(generated)(with_examples(prop, explicit, examples.calls // 2))()


@pytest.mark.requirement("DISC-005")
def test_pay_quotes_are_equal_for_every_worker_and_client(
    disc: DiscClient,
    examples: Examples,
    published: Disclosure,
    workers: tuple[str, ...],
    harness: Harness,
) -> None:
    """w1 and w2 through every client get equal quotes, evaluable or not."""
    explicit = unevaluable_pay(ordinary(harness.seed, "DISC-005", "zone").word())
    generated: st.SearchStrategy[dict[str, Any]] = st.sampled_from(explicit)
    try:
        rules = published.pay_rules()
    except DisclosureError:
        pass  # nothing to evaluate: the inputs the suite cannot model are still compared
    else:
        if rules.zone_multipliers:
            explicit += [b.to_json() for b in pay_boundaries(rules)[:3]]
            generated = pay_inputs(rules).map(lambda q: q.to_json())
    _check(disc, examples, PAY_QUOTES, workers, PAY_FIELDS, generated, explicit)


@pytest.mark.requirement("DISC-005")
def test_fee_quotes_are_equal_for_every_merchant_and_client(
    disc: DiscClient,
    examples: Examples,
    published: Disclosure,
    merchants: tuple[str, ...],
    harness: Harness,
) -> None:
    """m1 and m2 through every client get equal quotes, evaluable or not."""
    explicit = unevaluable_fee(ordinary(harness.seed, "DISC-005", "category").word())
    generated: st.SearchStrategy[dict[str, Any]] = st.sampled_from(explicit)
    try:
        fees = published.fee_rules()
    except DisclosureError:
        pass
    else:
        if fees:
            explicit += [b.to_json() for b in fee_boundaries(fees)[:3]]
            generated = fee_inputs(fees).map(lambda q: q.to_json())
    _check(disc, examples, FEE_QUOTES, merchants, FEE_FIELDS, generated, explicit)
