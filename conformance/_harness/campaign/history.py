"""The order a campaign starts its targets in: those that took longest last time first.

A campaign run again into the same folder (a nightly one) finds the last
summary's durations there. With N runs at once, starting the longest first
keeps one long run from starting when the others are nearly done (list
scheduling by longest processing time). A target the last summary does not
name starts before the rest: nothing says it is short.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from conformance._harness.campaign.plan import CampaignTarget

_MAX_SUMMARY_BYTES = 16 << 20


def last_durations(summary: Path) -> dict[str, float]:
    """Target name → seconds of its run in the summary at ``summary`` (empty when there is
    none, or it cannot be read: the order is then the plan's)."""
    try:
        if summary.stat().st_size > _MAX_SUMMARY_BYTES:
            return {}
        document = json.loads(summary.read_bytes())
    except (OSError, ValueError):
        return {}
    targets = document.get("targets") if isinstance(document, dict) else None
    out: dict[str, float] = {}
    for entry in targets if isinstance(targets, list) else []:
        if not isinstance(entry, dict):
            continue
        name, seconds = entry.get("name"), entry.get("duration_s")
        if isinstance(name, str) and isinstance(seconds, (int, float)) and seconds >= 0:
            out[name] = float(seconds)
    return out


def start_order(
    targets: Sequence[CampaignTarget], durations: Mapping[str, float]
) -> list[CampaignTarget]:
    """``targets`` in the order to start them: unknown ones first (in plan order), then the
    longest last time first (ties in plan order)."""
    unknown = [t for t in targets if t.name not in durations]
    known = sorted((t for t in targets if t.name in durations), key=lambda t: -durations[t.name])
    return unknown + known
