"""The differential engine's comparison: paths, identities and values of each difference."""

from __future__ import annotations

from conformance import Mismatch
from conformance._harness.compare import diff, ignoring


def test_equal_values_differ_nowhere() -> None:
    assert diff({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]}, "fp", "tp") == []


def test_each_difference_names_path_identities_and_values() -> None:
    found = diff(
        {"items": [{"price": "10.00"}, {"price": "5.00"}]},
        {"items": [{"price": "10.50"}, {"price": "5.00"}]},
        "first_party",
        "competitor",
    )
    assert found == [
        Mismatch("$.items[0].price", "10.00", "10.50", "what first_party got", "competitor")
    ]


def test_missing_keys_lengths_and_types_are_differences() -> None:
    found = diff({"a": 1, "l": [1, 2], "n": 1}, {"l": [1], "n": 1.0}, "a", "b")
    assert {d.path for d in found} == {"$.a", "$.l.length", "$.n"}


def test_ignored_paths_are_left_out_with_wildcard_indices() -> None:
    ignore = ignoring("$.next_page_token", "$.items[*].token")
    a = {"next_page_token": "x", "items": [{"token": 1, "id": "i"}]}
    b = {"next_page_token": "y", "items": [{"token": 2, "id": "j"}]}
    assert [d.path for d in diff(a, b, "a", "b", ignore)] == ["$.items[0].id"]
