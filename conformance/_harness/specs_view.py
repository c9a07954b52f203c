"""``conformance specs ID``: one requirement whole, for a person deciding what it asks.

Its text unabridged, level, profile, standard and version, where the
standard states it, the operations it exercises, the checks that decide it
(read from their source, as ``specs --checks`` does) and the named faults
that must make it fail. Nothing is run and no target is needed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance._harness.catalogue import Catalogue
from conformance._harness.checklist import CheckSite
from conformance.faults.catalog import Fault

_WIDTH = 88
_DOCS = Path(__file__).resolve().parents[2] / "docs"


def describe(
    catalogue: Catalogue, rid: str, checks: Sequence[CheckSite], faults: Sequence[Fault]
) -> list[str]:
    """The lines that show requirement ``rid`` (an unknown ID is a ``UsageError``)."""
    info = catalogue.requirement(rid)
    spec = catalogue.spec(info.standard)
    raw = _raw(spec.document, info.id)
    operations = raw.get("operations") or []
    mine = [c for c in checks if info.id in c.requirements]
    breaking = [f for f in faults if info.id in f.breaks]
    lines = [
        f"{info.id}  {info.level}  (standard {info.standard} {info.version}, profile {info.profile})",
        "",
        *textwrap.wrap(info.text, _WIDTH, initial_indent="  ", subsequent_indent="  "),
        "",
        f"source:     {info.source}{_doc(info.source)}",
        f"spec:       specs/{info.standard}/{info.version}/openapi.yaml",
        f"operations: {', '.join(str(o) for o in operations) or '(none: a rule on every answer)'}",
        f"checks ({len(mine)}):",
        *(f"  {c.name}  {c.location}" for c in mine),
        *([] if mine else ["  (no check: nothing decides this requirement yet)"]),
        f"faults that must make it fail ({len(breaking)}):",
        *(_fault(f) for f in breaking),
        *([] if breaking else ["  (none)"]),
        f"run it:     conformance run --requirement {info.id}",
    ]
    return lines


def _doc(source: str) -> str:
    """`` (docs/PORT.md)`` when the checkout holds the document a source names."""
    name = source.split("#")[0]
    return f" (docs/{name})" if name and (_DOCS / name).is_file() else ""


def _raw(document: Any, rid: str) -> dict[str, Any]:
    """The requirement's own entry in the spec's ``x-requirements`` (for its operations)."""
    for entry in document.get("x-requirements") or []:
        if isinstance(entry, dict) and str(entry.get("id")) == rid:
            return entry
    return {}


def _fault(fault: Fault) -> str:
    description = " ".join(fault.description.split())
    return f"  {fault.name}: {description}" if description else f"  {fault.name}"
