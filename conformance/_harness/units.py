"""Durations and sizes as a person reads them: "366 days", "2.5 s", "15 MiB (15728640 bytes)"."""

from __future__ import annotations

_DURATIONS = (
    (2 * 86_400, 86_400, "days"),
    (2 * 3_600, 3_600, "h"),
    (120, 60, "min"),
    (1, 1, "s"),
    (0.001, 0.001, "ms"),
)
_SIZES = ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"))


def human_duration(seconds: float) -> str:
    """A duration in the largest unit that keeps it readable (``-`` before a negative one).

    Under two of a unit the next smaller one is used, so 90 s stays
    ``90 s`` and 36 hours stay ``36 h``; below a millisecond it is ``µs``.
    """
    if seconds < 0:
        return "-" + human_duration(-seconds)
    if seconds == 0:
        return "0 s"
    for floor, unit, name in _DURATIONS:
        if seconds >= floor:
            return f"{_number(seconds / unit)} {name}"
    return f"{_number(seconds * 1_000_000)} µs"


def human_size(count: int) -> str:
    """A byte count; from 10 KiB on in binary units too, with the exact count kept.

    Below ten of a unit the exact count reads better (``1651 bytes``, not
    ``1.6 KiB``), and two sizes a byte apart stay visibly apart.
    """
    exact = f"{count} byte" + ("" if count == 1 else "s")
    for unit, name in _SIZES:
        if abs(count) >= 10 * unit:
            return f"{_number(count / unit)} {name} ({exact})"
    return exact


def _number(value: float) -> str:
    # One decimal below 100, none above; never a trailing ".0".
    text = f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    return text.removesuffix(".0")
