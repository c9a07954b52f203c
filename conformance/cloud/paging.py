"""What a ListObjectsV2 walk must return, and how a received walk falls short (CLOUD-103).

S3 defines a listing from the keys a bucket holds: with ``prefix``, only
keys that begin with it; with a ``delimiter``, a key whose rest (after the
prefix) contains the delimiter is rolled up into the common prefix ending
at its first occurrence, listed once in ``CommonPrefixes``. Keys and common
prefixes are returned in UTF-8 binary order, together, ``max-keys`` of them
at most per page; a page may hold fewer (even none) and still be truncated.
A reply to a request that carried a ``continuation-token`` echoes it in
``ContinuationToken``; the tokens themselves are opaque and never judged.

The walk itself (following ``NextContinuationToken`` within a bound of
pages) is ``S3Client.list_all``; this module only judges what it returned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from conformance._harness.errors import Mismatch
from conformance.cloud.listing import Listing, ListPage

ROWS_PER_KIND = 8
"""Rows of one kind (order, missing, repeated, ...) reported; a count says how many more."""


def utf8_order(values: Iterable[str]) -> list[str]:
    """``values`` sorted as S3 sorts keys: by their UTF-8 bytes (code point order, not UTF-16)."""
    return sorted(values, key=_utf8)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


@dataclass(frozen=True)
class Expected:
    """The keys and common prefixes S3 defines for one listing, each in UTF-8 binary order."""

    keys: list[str]
    prefixes: list[str]

    @property
    def entries(self) -> int:
        """Keys and common prefixes together (what ``max-keys`` counts)."""
        return len(self.keys) + len(self.prefixes)


def expected_listing(
    written: Iterable[str], *, prefix: str | None = None, delimiter: str | None = None
) -> Expected:
    """What ListObjectsV2 lists for a bucket holding ``written`` (an empty string is no value)."""
    start = prefix or ""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for key in written:
        if not key.startswith(start):
            continue
        rest = key[len(start) :]
        at = rest.find(delimiter) if delimiter else -1
        if at >= 0:
            assert delimiter is not None
            prefixes.add(start + rest[: at + len(delimiter)])
        else:
            keys.add(key)
    return Expected(utf8_order(keys), utf8_order(prefixes))


def page_bound(written: int) -> int:
    """Pages a conformant walk over a bucket of ``written`` keys needs at most.

    A platform may hold back entries on a page (a page of none is still a
    page), but every page but the last must make progress for the walk to
    end: one page per key and two more is all a terminating walk can need.
    """
    return written + 2


@dataclass
class WalkVerdict:
    """Rows by which a walk breaks CLOUD-103, and the (0-based) pages they rest on."""

    rows: list[Mismatch] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)

    def add(self, row: Mismatch, *pages: int) -> None:
        """Add a row and the pages that show it."""
        self.rows.append(row)
        self.pages.extend(p for p in pages if p not in self.pages)


def judge_walk(
    listing: Listing, expected: Expected, *, max_keys: int | None, subject: str = ""
) -> WalkVerdict:
    """Every way the pages of ``listing`` differ from ``expected`` as S3 defines paging.

    ``subject`` says which listing this is (``max-keys 2, prefix "a/"``) in
    every row. Checked: no page holds more than ``max-keys`` entries; each
    continued request's ``ContinuationToken`` is the token it sent; keys
    and common prefixes come in UTF-8 binary order within and across pages;
    every expected key and common prefix is listed exactly once, and nothing
    else is.
    """
    verdict = WalkVerdict()
    _page_sizes(listing.pages, max_keys, subject, verdict)
    _echoes(listing, subject, verdict)
    _order(listing.pages, subject, verdict)
    placed = [(k.key, i) for i, page in enumerate(listing.pages) for k in page.keys]
    _exactly_once("Key", placed, expected.keys, subject, verdict)
    common = [(p, i) for i, page in enumerate(listing.pages) for p in page.prefixes]
    _exactly_once("CommonPrefixes.Prefix", common, expected.prefixes, subject, verdict)
    return verdict


def _page_sizes(
    pages: Sequence[ListPage], max_keys: int | None, subject: str, verdict: WalkVerdict
) -> None:
    if max_keys is None:
        return
    for i, page in enumerate(pages):
        held = len(page.keys) + len(page.prefixes)
        if held > max_keys:
            verdict.add(
                Mismatch(
                    f"page {i + 1}: Contents and CommonPrefixes",
                    f"at most {max_keys} (max-keys)",
                    held,
                    "max-keys bounds the keys and common prefixes of one page",
                    subject,
                ),
                i,
            )


def _echoes(listing: Listing, subject: str, verdict: WalkVerdict) -> None:
    """One row per walk: how many continued pages did not echo their token, and the first."""
    wrong = [
        (i, sent, page.continuation_token)
        for i, (sent, page) in enumerate(zip(listing.sent_tokens, listing.pages, strict=False))
        if sent is not None and page.continuation_token != sent
    ]
    if not wrong:
        return
    continued = sum(1 for sent in listing.sent_tokens if sent is not None)
    first, sent, echoed = wrong[0]
    verdict.add(
        Mismatch(
            f"page {first + 1}: ContinuationToken",
            sent,
            echoed,
            "a reply to a request that carried continuation-token echoes it"
            + (f" ({len(wrong)} of {continued} continued pages did not)" if len(wrong) > 1 else ""),
            subject,
        ),
        first,
    )


def _order(pages: Sequence[ListPage], subject: str, verdict: WalkVerdict) -> None:
    """Keys ascend, common prefixes ascend, and every page comes after the one before."""
    found = 0
    for what, sequence in (
        ("Key", [(k.key, i) for i, p in enumerate(pages) for k in p.keys]),
        ("CommonPrefixes.Prefix", [(c, i) for i, p in enumerate(pages) for c in p.prefixes]),
    ):
        for (before, at), (after, page) in pairwise(sequence):
            if _utf8(after) < _utf8(before):
                found += 1
                if found <= ROWS_PER_KIND:
                    verdict.add(
                        Mismatch(
                            f"page {page + 1}: {what} after {before!r}",
                            "a greater one in UTF-8 binary order",
                            after,
                            "keys and common prefixes are listed in UTF-8 binary order",
                            subject,
                        ),
                        at,
                        page,
                    )
    for i in range(1, len(pages)):
        last = _entries(pages[i - 1])
        first = _entries(pages[i])
        if last and first and _utf8(first[0]) <= _utf8(last[-1]):
            found += 1
            if found <= ROWS_PER_KIND:
                verdict.add(
                    Mismatch(
                        f"page {i + 1}: first entry",
                        f"after {last[-1]!r}, the last entry of page {i}",
                        first[0],
                        "each page continues where the one before ended",
                        subject,
                    ),
                    i - 1,
                    i,
                )


def _entries(page: ListPage) -> list[str]:
    return utf8_order([k.key for k in page.keys] + list(page.prefixes))


def _exactly_once(
    what: str,
    placed: Sequence[tuple[str, int]],
    expected: Sequence[str],
    subject: str,
    verdict: WalkVerdict,
) -> None:
    counts = Counter(value for value, _ in placed)
    pages_of: dict[str, list[int]] = {}
    for value, page in placed:
        pages_of.setdefault(value, []).append(page)
    wanted = set(expected)
    missing = [v for v in expected if v not in counts]
    repeated = [v for v in utf8_order(counts) if counts[v] > 1]
    extra = [v for v in utf8_order(counts) if v not in wanted]
    for value in missing[:ROWS_PER_KIND]:
        verdict.add(Mismatch(f"{what} {value!r}", "listed once", "missing", "", subject))
    for value in repeated[:ROWS_PER_KIND]:
        pages = pages_of[value]
        verdict.add(
            Mismatch(
                f"{what} {value!r}",
                "listed once",
                f"listed {counts[value]} times (pages {', '.join(str(p + 1) for p in pages)})",
                "",
                subject,
            ),
            *pages,
        )
    for value in extra[:ROWS_PER_KIND]:
        verdict.add(
            Mismatch(
                f"{what} {value!r}",
                "not listed",
                f"listed (page {pages_of[value][0] + 1})",
                "not what S3 lists for the keys written, prefix and delimiter",
                subject,
            ),
            *pages_of[value],
        )
    for rows, kind in ((missing, "missing"), (repeated, "repeated"), (extra, "unexpected")):
        if len(rows) > ROWS_PER_KIND:
            verdict.add(
                Mismatch(
                    f"{what}: {kind}",
                    "none",
                    f"{len(rows) - ROWS_PER_KIND} more",
                    "",
                    subject,
                )
            )
