"""What a run's reports keep of what the platform sent: bounded, and saying what was cut.

``report.json`` copies the discovery document as served (``claims``) and
every reason quotes the platform. A platform decides how large those are,
so the reports keep at most ``CLAIMS_KEPT_BYTES`` of the claims (whole
members first, in order; ``standards`` cut to the entries that fit) and
``REASON_KEPT`` characters of a reason (its replay line kept), with a note
that gives the size and SHA-256 of what was cut. The whole document is in
``evidence.jsonl`` as far as its excerpt goes, with the size and SHA-256 of
the body as served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from conformance._harness.results import CheckResult, RequirementResult, RunResult
from conformance._harness.safe_text import json_bytes
from conformance._harness.units import human_size

CLAIMS_KEPT_BYTES = 64 * 1024
"""The most of the discovery document ``report.json`` copies (as JSON, in bytes)."""
REASON_KEPT = 20_000
"""The most characters of one reason, note or problem the reports keep."""
_NAMES_SHOWN = 8


def kept_claims(
    document: Mapping[str, Any], evidence: Sequence[str] = ()
) -> tuple[dict[str, Any], str]:
    """The claims a report copies, and a note when they were cut ("" when whole)."""
    whole = json_bytes(document)
    if len(whole) <= CLAIMS_KEPT_BYTES:
        return dict(document), ""
    kept: dict[str, Any] = {}
    budget = CLAIMS_KEPT_BYTES
    cut: list[str] = []
    for key, value in document.items():
        if budget <= 0:
            cut.append(key)
            continue
        size = len(json_bytes({key: value}))
        if size <= budget:
            kept[key] = value
            budget -= size
        elif key == "standards" and isinstance(value, list):
            entries = _prefix(value, budget)
            kept[key] = entries
            budget -= len(json_bytes({key: entries}))
            cut.append(f"{key} (the first {len(entries)} of {len(value)} entries kept)")
        else:
            cut.append(key)
    where = f" (evidence {', '.join(evidence)})" if evidence else ""
    note = (
        f"claims cut to {human_size(CLAIMS_KEPT_BYTES)} in report.json: the discovery document "
        f"as parsed is {human_size(len(whole))}, SHA-256 {hashlib.sha256(whole).hexdigest()}"
        f"{where}; members cut: {_names(cut)}"
    )
    return kept, note


def kept_result(result: RunResult) -> RunResult:
    """``result`` with every reason, note and problem cut to ``REASON_KEPT`` characters."""
    return replace(
        result,
        requirements=[_requirement(r) for r in result.requirements],
        notes=[kept_text(n) for n in result.notes],
        unreachable=kept_text(result.unreachable),
        discovery_problem=kept_text(result.discovery_problem),
        configuration_error=kept_text(result.configuration_error),
        internal_error=kept_text(result.internal_error),
    )


def kept_text(text: str, limit: int = REASON_KEPT) -> str:
    """``text`` cut to ``limit`` characters, its last line kept (a reason's replay line)."""
    if len(text) <= limit:
        return text
    head, _, last = text.rpartition("\n")
    if not head or len(last) > limit // 4:
        head, last = text, ""
    marker = f"\n... (cut: {len(text)} characters in all)"
    kept = head[: max(0, limit - len(last) - len(marker) - 1)] + marker
    return f"{kept}\n{last}" if last else kept


def _requirement(result: RequirementResult) -> RequirementResult:
    return replace(
        result,
        reason=kept_text(result.reason),
        checks=tuple(_check(c) for c in result.checks),
    )


def _check(check: CheckResult) -> CheckResult:
    return replace(check, reason=kept_text(check.reason))


def _prefix(entries: list[Any], budget: int) -> list[Any]:
    """The longest prefix of ``entries`` whose JSON fits in ``budget`` bytes."""
    out: list[Any] = []
    used = 2  # the brackets
    for entry in entries:
        size = len(json_bytes(entry)) + 2  # and ", "
        if used + size > budget:
            break
        out.append(entry)
        used += size
    return out


def _names(keys: Sequence[str]) -> str:
    shown = [k if len(k) <= 60 else k[:57] + "..." for k in keys[:_NAMES_SHOWN]]
    more = f" and {len(keys) - _NAMES_SHOWN} more" if len(keys) > _NAMES_SHOWN else ""
    return ", ".join(shown) + more
