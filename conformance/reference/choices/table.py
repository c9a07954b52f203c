"""The open-choices table of docs/CHOICES.md, written from the declarations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .core import Choice

BEGIN = "<!-- choices-table:begin -->"
END = "<!-- choices-table:end -->"


def _option(value: Any) -> str:
    return "`" + json.dumps(value, ensure_ascii=False) + "`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(choices: Iterable[Choice[Any]]) -> str:
    """One row per choice: name, options (default, alt, strict marked), what and why."""
    lines = [
        BEGIN,
        "| choice | options (d: default, a: alt, s: strict) | what | allowed by |",
        "|---|---|---|---|",
    ]
    for choice in choices:
        marks = []
        for value in choice.options:
            tags = "".join(
                tag
                for tag, chosen in (
                    ("d", choice.default),
                    ("a", choice.alt),
                    ("s", choice.strict_value),
                )
                if chosen == value
            )
            marks.append(_option(value) + (f" ({tags})" if tags else ""))
        lines.append(
            f"| `{choice.name}` | {_cell(', '.join(marks))} | {_cell(choice.description)} "
            f"| {_cell(choice.source)} |"
        )
    lines.append(END)
    return "\n".join(lines)


def replace_table(document: str, table: str) -> str:
    """``document`` with the text between the table markers replaced by ``table``."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document has no {BEGIN} … {END} section")
    return document[:start] + table + document[end + len(END) :]
