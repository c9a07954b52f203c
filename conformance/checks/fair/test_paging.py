"""FAIR-010: paging terminates, yields every item once, and the same list to every client."""

from __future__ import annotations

from collections import Counter

import pytest

from conformance.compare import diff
from conformance.errors import Finding, Mismatch
from conformance.fair.client import Paging, page_through, roles
from conformance.probe import Probe

LIMIT = 4


@pytest.mark.requirement("FAIR-010")
def test_paging_yields_every_item_once_and_alike(probe: Probe) -> None:
    """Every client pages with limit=4; tokens are compared by the items they yield."""
    mismatches: list[Mismatch] = []
    pagings: dict[str, Paging] = {}
    for role in roles():
        paging = page_through(probe, role, limit=LIMIT)
        pagings[role.client] = paging
        where = f"paging as {role} ({len(paging.responses)} pages)"
        if paging.problem:
            mismatches.append(Mismatch(where, "pages that end", paging.problem))
        twice = sorted(i for i, n in Counter(paging.ids).items() if n > 1)
        if twice:
            mismatches.append(Mismatch(f"{where} items", "each item once", f"repeated: {twice}"))
    base = pagings["first_party"]
    for client, paging in pagings.items():
        if client == "first_party":
            continue
        missing = sorted(set(base.ids) - set(paging.ids))
        extra = sorted(set(paging.ids) - set(base.ids))
        if missing or extra:
            mismatches.append(
                Mismatch(
                    f"items paged as {client}",
                    f"first_party's {len(base.ids)} items",
                    f"missing {missing}, extra {extra}",
                )
            )
        elif paging.ids != base.ids:
            mismatches.append(Mismatch(f"order of items paged as {client}", base.ids, paging.ids))
        else:
            mismatches += [
                Mismatch(f"paged items {d.path} ({client})", d.value_a, d.value_b)
                for d in diff(base.items, paging.items, "first_party", client)
            ]
    if mismatches:
        raise Finding(
            "paging does not give every client every item once, alike",
            mismatches=mismatches,
            evidence=[r.exchange for p in pagings.values() for r in p.responses][:50],
        )
