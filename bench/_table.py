"""A Markdown table with a caption, as the benchmarks' ``details`` write them in the README."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """``caption``, a blank line, then the table (cells taken as written), newline-ended."""
    lines = [caption, "", _row(head), "|" + "---|" * len(head)]
    lines += [_row(row) for row in rows]
    return "\n".join(lines) + "\n"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
