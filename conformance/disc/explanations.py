"""DISC-007: an explanation held against the version it names."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from conformance._harness.errors import Mismatch
from conformance.disc.disclosure import DisclosureError
from conformance.disc.formulas import money
from conformance.disc.quotes import amount
from conformance.disc.versions import Versions


def explanation_mismatches(
    decision_id: str, body: Any, versions: Versions, where: str
) -> list[Mismatch]:
    """Every factor the named version does not publish, or publishes with another weight."""
    if not isinstance(body, dict):
        return [Mismatch(where, "an explanation object", body)]
    out: list[Mismatch] = []
    if body.get("decision") != decision_id:
        out.append(Mismatch(f"{where} $.decision", decision_id, body.get("decision")))
    named = body.get("rules_version")
    version = versions.found.get(named) if isinstance(named, str) else None
    if version is None:
        known = sorted(versions.found)
        return [
            *out,
            Mismatch(
                f"{where} $.rules_version",
                f"one of {known}",
                named,
                "a version the platform publishes",
            ),
        ]
    try:
        published = version.disclosure.factors("order_allocation")
    except DisclosureError as exc:
        return [*out, Mismatch(f"{where} version {named!r} {exc.path}", "readable", exc.problem)]
    factors = body.get("factors")
    if not isinstance(factors, list):
        return [*out, Mismatch(f"{where} $.factors", "a list", factors)]
    seen: set[str] = set()
    for i, factor in enumerate(factors):
        path = f"{where} $.factors[{i}]"
        name = factor.get("name") if isinstance(factor, dict) else None
        if not isinstance(name, str) or name not in published:
            out.append(
                Mismatch(
                    f"{path}.name",
                    f"one of {sorted(published)} ({named})",
                    name,
                    "a factor the version does not publish",
                )
            )
            continue
        if name in seen:
            out.append(Mismatch(f"{path}.name", "each factor once", name))
        seen.add(name)
        weight: Fraction | None = amount(factor.get("weight"))
        if weight != published[name]:
            out.append(
                Mismatch(
                    f"{path}.weight",
                    money(published[name]),
                    factor.get("weight"),
                    f"the weight {named!r} publishes",
                )
            )
    return out
