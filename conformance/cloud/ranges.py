"""Byte ranges to read an object with, and what each must answer (CLOUD-105).

A satisfiable range (RFC 9110 §14.1.1: first byte before the end; a
suffix of at least one byte) answers 206 with exactly the bytes it names,
the last position clipped to the object's end; one that starts at or past
the end answers 416. The cases are the draft's (first, middle, suffix)
and the open-ended ``a-``, chosen around the boundaries where off-by-one
errors live: the first and last byte, and a part boundary of a multipart
object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hypothesis import strategies as st

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class RangeCase:
    """One ``Range`` header for an object of ``size`` bytes, and what it selects."""

    header: str
    size: int
    start: int | None
    """First byte selected; None when the range is unsatisfiable (416)."""
    end: int | None
    """Last byte selected, inclusive."""
    kind: str

    @property
    def satisfiable(self) -> bool:
        """Whether the range selects any byte (206) or none (416)."""
        return self.start is not None

    def expected(self, data: bytes) -> bytes:
        """The bytes of ``data`` the range selects."""
        if self.start is None or self.end is None:
            return b""
        return data[self.start : self.end + 1]

    @property
    def content_range(self) -> str | None:
        """The ``Content-Range`` a 206 states (``bytes a-b/size``)."""
        if self.start is None:
            return None
        return f"bytes {self.start}-{self.end}/{self.size}"


def first(size: int, length: int) -> RangeCase:
    """``bytes=0-(length-1)``: the first ``length`` bytes (clipped to the object)."""
    return closed(size, 0, length - 1, "first")


def closed(size: int, start: int, end: int, kind: str = "middle") -> RangeCase:
    """``bytes=start-end`` (``start`` ≤ ``end``)."""
    header = f"bytes={start}-{end}"
    if start >= size:
        return RangeCase(header, size, None, None, "unsatisfiable")
    return RangeCase(header, size, start, min(end, size - 1), kind)


def suffix(size: int, length: int) -> RangeCase:
    """``bytes=-length``: the last ``length`` bytes (the whole object if it is shorter)."""
    header = f"bytes=-{length}"
    if length <= 0 or size == 0:
        return RangeCase(header, size, None, None, "unsatisfiable")
    return RangeCase(header, size, max(0, size - length), size - 1, "suffix")


def open_ended(size: int, start: int) -> RangeCase:
    """``bytes=start-``: from ``start`` to the end."""
    header = f"bytes={start}-"
    if start >= size:
        return RangeCase(header, size, None, None, "unsatisfiable")
    return RangeCase(header, size, start, size - 1, "open-ended")


def boundary_cases(size: int, boundaries: Iterable[int] = ()) -> list[RangeCase]:
    """The fixed cases for an object of ``size`` bytes (at least 1).

    The first byte, the first few, the last byte, a suffix, a middle range,
    and one range across each of ``boundaries`` (positions where a part ends
    in a multipart object); then two unsatisfiable ones, starting at the end
    and past it.
    """
    if size < 1:
        raise ValueError("range cases need an object of at least one byte")
    cases = [
        first(size, 1),
        first(size, min(size, 100)),
        suffix(size, 1),
        suffix(size, min(size, 37)),
        open_ended(size, size - 1),
    ]
    if size >= 3:
        cases.append(closed(size, 1, size - 2))
        cases.append(closed(size, size // 3, size // 3 + max(0, size // 3 - 1)))
    for at in boundaries:
        if 0 < at < size:
            cases.append(closed(size, max(0, at - 3), min(size - 1, at + 2), "across a part end"))
    cases += [open_ended(size, size), closed(size, size + 5, size + 10)]
    return cases


def range_cases(size: int, *, longest: int | None = None) -> st.SearchStrategy[RangeCase]:
    """Generated satisfiable ranges of an object of ``size`` bytes (at least 1).

    Each selects at most ``longest`` bytes (the whole object by default):
    below ``size``, no range covers the whole object, which RFC 9110 lets a
    server answer with a plain 200.
    """
    most = size if longest is None else max(1, min(longest, size))
    lengths = st.integers(min_value=1, max_value=most)
    starts = st.integers(min_value=size - most, max_value=size - 1)
    return st.one_of(
        lengths.map(lambda n: first(size, n)),
        st.tuples(st.integers(min_value=0, max_value=size - 1), lengths).map(
            lambda al: closed(size, min(al[0], size - al[1]), min(al[0], size - al[1]) + al[1] - 1)
        ),
        lengths.map(lambda n: suffix(size, n)),
        starts.map(lambda a: open_ended(size, a)),
    )


def parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """``(first, last, size)`` of a ``Content-Range: bytes a-b/size`` (size None for ``*``)."""
    if value is None:
        return None
    match = _CONTENT_RANGE.fullmatch(value.strip())
    if match is None:
        return None
    total = match.group(3)
    return int(match.group(1)), int(match.group(2)), None if total == "*" else int(total)
