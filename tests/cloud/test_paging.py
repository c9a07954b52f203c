"""What S3 lists for a prefix and a delimiter, and judging a walk of pages against it."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from conformance.cloud.listing import ListedObject, Listing, ListPage
from conformance.cloud.paging import Expected, expected_listing, judge_walk, page_bound, utf8_order

KEYS = ["a", "a/b", "a/b/c", "a/c", "ab", "b/", "b//x", "photos/2006/January/x.jpg", "é/x", "z"]


def test_utf8_order_is_code_point_order_not_utf16() -> None:
    # U+FFFD sorts before an astral character in UTF-8 (and code points), after it in UTF-16.
    assert utf8_order(["😀", "\ufffd", "a", "Z", "é"]) == ["Z", "a", "é", "\ufffd", "😀"]


def test_no_delimiter_lists_every_key_under_the_prefix() -> None:
    assert expected_listing(KEYS, prefix="a/") == Expected(["a/b", "a/b/c", "a/c"], [])
    assert expected_listing(KEYS, prefix="") == expected_listing(KEYS)


def test_a_delimiter_rolls_keys_up_to_its_first_occurrence_after_the_prefix() -> None:
    top = expected_listing(KEYS, delimiter="/")
    assert top.keys == ["a", "ab", "z"]
    assert top.prefixes == ["a/", "b/", "photos/", "é/"]
    under_a = expected_listing(KEYS, prefix="a/", delimiter="/")
    assert under_a == Expected(["a/b", "a/c"], ["a/b/"])
    assert expected_listing(KEYS, prefix="b/", delimiter="/") == Expected(["b/"], ["b//"])
    assert expected_listing(KEYS, prefix="a", delimiter="/") == Expected(["a", "ab"], ["a/"])


def test_a_multi_character_delimiter() -> None:
    assert expected_listing(["x--y--z", "x-y"], delimiter="--") == Expected(["x-y"], ["x--"])


def test_a_prefix_nothing_starts_with_lists_nothing() -> None:
    assert expected_listing(KEYS, prefix="nope/", delimiter="/") == Expected([], [])


def pages_of(expected: Expected, size: int, rng: random.Random) -> Listing:
    """A conformant walk: entries in order, pages of at most ``size`` (some shorter, some
    empty), opaque tokens echoed."""
    entries = utf8_order(expected.keys + expected.prefixes)
    listing = Listing()
    sent: str | None = None
    at = 0
    while True:
        take = rng.randint(0, size) if at < len(entries) else 0
        chunk = entries[at : at + take]
        at += take
        more = at < len(entries)
        token = f"opaque-{rng.getrandbits(64):x}" if more else None
        listing.pages.append(
            ListPage(
                keys=[ListedObject(e, 1, None) for e in chunk if e in expected.keys],
                prefixes=[e for e in chunk if e in expected.prefixes],
                is_truncated=more,
                next_token=token,
                continuation_token=sent,
                max_keys=size,
                encoding_type=None,
                key_count=None,
            )
        )
        listing.sent_tokens.append(sent)
        if not more:
            return listing
        sent = token


keys = st.lists(st.text(st.sampled_from("ab/é😀"), min_size=1, max_size=5), max_size=30)


@given(
    keys,
    st.sampled_from([None, "", "a", "a/", "b"]),
    st.sampled_from([None, "/", "b"]),
    st.sampled_from([1, 2, 7, 1000]),
    st.integers(0, 2**32),
)
def test_a_conformant_walk_has_no_rows(
    written: list[str], prefix: str | None, delimiter: str | None, size: int, seed: int
) -> None:
    expected = expected_listing(written, prefix=prefix, delimiter=delimiter)
    listing = pages_of(expected, size, random.Random(seed))
    assert judge_walk(listing, expected, max_keys=size).rows == []


@given(keys, st.integers(0, 2**32))
def test_a_walk_that_skips_a_key_at_a_page_boundary_is_caught(
    written: list[str], seed: int
) -> None:
    expected = expected_listing(written)
    listing = pages_of(expected, 2, random.Random(seed))
    candidates = [i for i, p in enumerate(listing.pages) if p.keys and p.is_truncated]
    if not candidates:
        return
    page = listing.pages[candidates[0]]
    dropped = page.keys[-1].key
    listing.pages[candidates[0]] = replace(page, keys=page.keys[:-1])
    rows = judge_walk(listing, expected, max_keys=2).rows
    assert [r.path for r in rows] == [f"Key {dropped!r}"]
    assert rows[0].received == "missing"


def test_every_other_breach_is_named() -> None:
    expected = expected_listing(["a", "b", "c", "d"])
    listing = pages_of(expected, 2, random.Random(0))
    # Out of order within the walk, a repeat, a page over max-keys, a token not echoed.
    first = listing.pages[0]
    listing.pages[0] = replace(first, keys=[ListedObject(k, 1, None) for k in ("b", "a", "a")])
    last = listing.pages[-1]
    listing.pages[-1] = replace(last, continuation_token="other")
    verdict = judge_walk(listing, expected, max_keys=2, subject="max-keys 2")
    paths = [r.path for r in verdict.rows]
    assert "page 1: Contents and CommonPrefixes" in paths
    assert any(p.startswith("page 1: Key after 'b'") for p in paths)
    assert f"page {len(listing.pages)}: ContinuationToken" in paths
    assert "Key 'a'" in paths
    assert all(r.subject == "max-keys 2" for r in verdict.rows)
    assert 0 in verdict.pages


def test_a_key_never_written_is_named() -> None:
    expected = expected_listing(["a"])
    listing = pages_of(expected_listing(["a", "a+b"]), 1000, random.Random(1))
    rows = judge_walk(listing, expected, max_keys=1000).rows
    assert [(r.path, r.expected) for r in rows] == [("Key 'a+b'", "not listed")]


def test_the_page_bound_leaves_room_for_short_pages() -> None:
    assert page_bound(3) == 5
