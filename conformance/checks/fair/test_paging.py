"""FAIR-010: paging terminates, yields every item once, and the same list to every client.

The whole listing is paged by every client; so is a filtered one (a
``query`` chosen from the listed titles), at two page sizes. A listing has
one content and one order whatever the page size, so the two pagings of the
filtered listing must yield the same items in the same order: a platform
that loses or changes the query after the first page (or repeats or skips
items at page boundaries) yields something else at one of the two sizes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from conformance import Finding, Harness, Mismatch, Probe, Spec, diff
from conformance.fair.client import Paging, page_through, query_words, roles
from conformance.fair.fields import shape_for

LIMIT = 4
FILTERED_LIMITS = (1, 3)
MAX_QUERIES = 3


def _own_problems(where: str, paging: Paging) -> list[Mismatch]:
    out = []
    if paging.problem:
        out.append(
            Mismatch(where, "pages that end (next_page_token null or absent)", paging.problem)
        )
    twice = sorted(i for i, n in Counter(paging.ids).items() if n > 1)
    if twice:
        out.append(Mismatch(f"{where} items", "each item once", f"repeated: {twice}"))
    return out


def _same_list(
    spec: Spec, where: str, who: str, base_name: str, base: Paging, other: Paging
) -> list[Mismatch]:
    """``who``'s paging of a listing held against ``base_name``'s, rows naming ``who``."""
    missing = [i for i in base.ids if i not in set(other.ids)]
    extra = [i for i in other.ids if i not in set(base.ids)]
    if missing or extra:
        return [
            Mismatch(
                f"{where} items",
                f"the same {len(set(base.ids))} items as {base_name}",
                f"{len(set(other.ids))} items: {len(missing)} of those missing {missing[:10]}, "
                f"{len(extra)} others {extra[:10]}",
                subject=who,
            )
        ]
    if other.ids != base.ids:
        return [Mismatch(f"{where} order", base.ids, other.ids, f"the order {base_name} got", who)]
    shape = shape_for(spec, "listItems", 200)
    return [
        replace(d, path=f"{where} {d.path}")
        for d in diff(
            shape.project({"items": base.items}),
            shape.project({"items": other.items}),
            base_name,
            who,
        )
    ]


@pytest.mark.requirement("FAIR-010")
def test_paging_yields_every_item_once_and_alike(
    probe: Probe, harness: Harness, items: list[Mapping[str, Any]]
) -> None:
    """Every client pages the listing (limit 4) and a filtered listing at two page sizes."""
    spec = harness.catalogue.spec("FAIR")
    mismatches: list[Mismatch] = []
    evidence: list[str] = []
    pagings: dict[str, Paging] = {}
    for role in roles():
        paging = page_through(probe, role, limit=LIMIT)
        pagings[role.client] = paging
        mismatches += _own_problems(f"paging as {role} ({len(paging.responses)} pages)", paging)
    for client, paging in pagings.items():
        if client != "first_party":
            mismatches += _same_list(
                spec, "paged listing", client, "first_party", pagings["first_party"], paging
            )
    filtered = _filtered(probe, spec, items, mismatches)
    for paging in [*pagings.values(), *filtered]:
        evidence += [r.exchange for r in paging.responses]
    if mismatches:
        raise Finding(
            "paging does not give every client every item once, alike",
            mismatches=mismatches,
            evidence=evidence[:60],
        )
    sizes = {len(p.ids) for p in filtered}
    harness.verified(
        f"{len(pagings['first_party'].ids)} items paged by 3 clients, and a filtered listing "
        f"({', '.join(map(str, sorted(sizes))) or 'none'} items) at page sizes "
        f"{' and '.join(map(str, FILTERED_LIMITS))}: every item once, the same list for all"
    )


def _filtered(
    probe: Probe, spec: Spec, items: list[Mapping[str, Any]], mismatches: list[Mismatch]
) -> list[Paging]:
    """Page a filtered listing of more than one item at two sizes, as every client."""
    for word in query_words(items)[:MAX_QUERIES]:
        params = {"query": word}
        base = page_through(probe, roles()[0], limit=FILTERED_LIMITS[0], params=params)
        own = _own_problems(f"paging ?query={word} as first_party", base)
        if own:
            mismatches += own
            return [base]
        if len(base.ids) < 2:
            continue
        done = [base]
        base_name = f"first_party at limit {FILTERED_LIMITS[0]}"
        for role in roles():
            for limit in FILTERED_LIMITS:
                if role.client == "first_party" and limit == FILTERED_LIMITS[0]:
                    continue
                paging = page_through(probe, role, limit=limit, params=params)
                done.append(paging)
                who = f"{role} at limit {limit}"
                own = _own_problems(
                    f"paging ?query={word} as {who} ({len(paging.responses)} pages)", paging
                )
                mismatches += own
                if not own:
                    mismatches += _same_list(
                        spec, f"paging ?query={word}", who, base_name, base, paging
                    )
        return done
    return []
