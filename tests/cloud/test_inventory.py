"""CLOUD-003's inventory: paging to the end, and the multiset match of (size, sha256)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import Finding
from conformance.cloud.inventory import (
    HeldObject,
    InventoryTooLarge,
    Resource,
    match,
    needs_hash,
    read_inventory,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def resource(i: int, size: Any, digest: Any, kind: str = "object") -> Resource:
    return Resource(i, f"r{i}", kind, size, digest, "application/octet-stream", f"/x/{i}")


def pages(*bodies: dict[str, Any]) -> Any:
    calls: list[str | None] = []

    def fetch(cursor: str | None) -> tuple[Any, str]:
        calls.append(cursor)
        return bodies[len(calls) - 1], f"e{len(calls)}"

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


def test_pages_are_followed_to_a_null_or_absent_cursor() -> None:
    fetch = pages(
        {"resources": [{"id": "a", "kind": "object"}], "next_cursor": "c1"},
        {"resources": [], "next_cursor": "c2"},  # an empty page that is not the last
        {"resources": [{"id": "b", "kind": "image"}]},
    )
    inventory = read_inventory(fetch)
    assert [r.id for r in inventory.resources] == ["a", "b"]
    assert [r.path for r in inventory.resources] == ["$.resources[0]", "$.resources[1]"]
    assert fetch.calls == [None, "c1", "c2"]
    assert inventory.exchanges == ["e1", "e2", "e3"] and inventory.pages == 3
    assert [r.id for r in inventory.objects()] == ["a"]


def test_a_cursor_that_comes_back_is_a_finding() -> None:
    fetch = pages(
        {"resources": [], "next_cursor": "c1"},
        {"resources": [], "next_cursor": "c2"},
        {"resources": [], "next_cursor": "c1"},
    )
    with pytest.raises(Finding, match="does not end"):
        read_inventory(fetch)


def test_pages_beyond_the_bound_cannot_be_judged() -> None:
    counter = iter(range(10**6))

    def endless(cursor: str | None) -> tuple[Any, str]:
        n = next(counter)
        return {"resources": [], "next_cursor": f"c{n}"}, f"e{n}"

    with pytest.raises(InventoryTooLarge, match="after 5 pages"):
        read_inventory(endless, page_limit=5)


def test_a_page_without_resources_is_a_finding() -> None:
    with pytest.raises(Finding, match="no resources list"):
        read_inventory(pages({"items": []}))


def test_equal_objects_need_distinct_resources() -> None:
    data = b"same bytes"
    objects = [
        HeldObject("b", "k1", len(data), sha(data)),
        HeldObject("b", "k2", len(data), sha(data)),
    ]
    one = [resource(0, len(data), sha(data))]
    result = match(objects, one)
    assert result.by_hash == 1 and [o.key for o in result.missing] == ["k2"]
    two = [*one, resource(1, len(data), sha(data).upper())]  # hex case does not matter
    assert match(objects, two).missing == []


def test_only_object_resources_count() -> None:
    obj = HeldObject("b", "k", 3, sha(b"abc"))
    assert match([obj], [resource(0, 3, sha(b"abc"), kind="image")]).missing == [obj]


def test_a_wrong_hash_is_missing_and_its_row_says_what_was_looked_for() -> None:
    obj = HeldObject("b", "k", 3, sha(b"abc"))
    result = match([obj], [resource(0, 3, sha(b"abd"))])
    (row,) = result.mismatches()
    assert row.subject == "b/k" and sha(b"abc") in str(row.expected)


def test_unhashed_objects_match_on_size_after_hashed_ones_took_theirs() -> None:
    hashed = HeldObject("b", "seeded", 3, sha(b"abc"))
    unhashed = HeldObject("b", "other", 3)
    resources = [resource(0, 3, sha(b"xyz")), resource(1, 3, sha(b"abc"))]
    result = match([unhashed, hashed], resources)
    assert (result.by_hash, result.by_size, result.missing) == (1, 1, [])
    assert match([unhashed, hashed], resources[1:]).missing == [unhashed]


def test_a_hash_is_needed_only_when_a_resource_has_the_size() -> None:
    resources = [resource(0, 3, sha(b"abc")), resource(1, 5, None)]
    assert needs_hash(HeldObject("b", "k", 3), resources)
    assert not needs_hash(HeldObject("b", "k", 4), resources)
    assert not needs_hash(HeldObject("b", "k", 5), resources)  # no usable pair of that size
    assert not needs_hash(HeldObject("b", "k", 3, sha(b"abc")), resources)


@given(st.lists(st.binary(max_size=4), max_size=12), st.randoms(use_true_random=False))
def test_the_inventory_of_exactly_the_objects_matches_in_any_order(
    blobs: list[bytes], rng: Any
) -> None:
    objects = [HeldObject("b", str(i), len(d), sha(d)) for i, d in enumerate(blobs)]
    resources = [resource(i, len(d), sha(d)) for i, d in enumerate(blobs)]
    rng.shuffle(resources)
    result = match(objects, resources)
    assert result.by_hash == len(blobs) and result.missing == []
    if resources:
        dropped = match(objects, resources[1:])
        assert len(dropped.missing) == 1
