"""``python -m conformance.reference.choices [--write FILE]``: the open-choices table."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from . import ALL_CHOICES
from .table import markdown_table, replace_table


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table, or write it into a document's marked section."""
    parser = argparse.ArgumentParser(prog="python -m conformance.reference.choices")
    parser.add_argument("--write", type=Path, metavar="FILE", help="update FILE's table section")
    args = parser.parse_args(argv)
    table = markdown_table(ALL_CHOICES)
    if args.write is None:
        print(table)
        return 0
    text = args.write.read_text(encoding="utf-8")
    args.write.write_text(replace_table(text, table), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
