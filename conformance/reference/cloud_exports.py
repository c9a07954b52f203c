"""Switch-exports: a customer's request to take everything out, and its progress.

An export lists what the account held when it was asked for (the
inventory's resources, with their sizes and hashes) and is ``pending``, then
``running``, then ``completed`` after ``cloud.export_timing`` seconds; its
state follows from the clock, so nothing runs in the background. Its
manifest names every resource with an export URL that works for as long as
the export is retrievable.

Retention starts at the first answer that reports the export ``completed``
and lasts ``retrieval_days`` plus a day: CLOUD-006 counts ``retrieval_days``
from the moment a client first sees the terminal state, which is a little
after the platform wrote that answer, and the day of grace covers that.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .choices import ChoiceSet
from .choices.cloud import EXPORT_ETA, EXPORT_TIMING, MAX_SWITCH_DAYS, RETRIEVAL_DAYS
from .clock import format_timestamp, new_id, utc_now
from .cloud_inventory import Resource
from .problems import Problem

TERMINAL: Final = "completed"
GRACE: Final = timedelta(days=1)


@dataclass
class SwitchExport:
    """One export of one account."""

    id: str
    account: str
    created_at: datetime
    resources: tuple[Resource, ...]
    completed_answer_at: datetime | None = None
    """When an answer first reported the export completed (retention counts from it)."""


class SwitchExports:
    """The exports of every account, in memory."""

    def __init__(self, choices: ChoiceSet, clock: Callable[[], datetime] = utc_now) -> None:
        self._seconds = float(choices[EXPORT_TIMING])
        self._eta_style = choices[EXPORT_ETA]
        self.max_days = int(choices[MAX_SWITCH_DAYS])
        self.retrieval_days = int(choices[RETRIEVAL_DAYS])
        self._clock = clock
        self._lock = threading.Lock()
        self._exports: dict[str, SwitchExport] = {}

    def create(self, account: str, resources: list[Resource]) -> SwitchExport:
        """Start an export of ``resources``."""
        export = SwitchExport(new_id("swx"), account, self._clock(), tuple(resources))
        with self._lock:
            self._exports[export.id] = export
        return export

    def get(self, account: str, export_id: str) -> SwitchExport:
        """An export of ``account``; 404 for an unknown one or another account's."""
        with self._lock:
            export = self._exports.get(export_id)
        if export is None or export.account != account:
            raise Problem(404, "NOT_FOUND", f"no switch-export {export_id!r} for this account")
        return export

    def status(self, export: SwitchExport) -> str:
        """``pending``, ``running`` or ``completed``, by the time since the POST."""
        elapsed = (self._clock() - export.created_at).total_seconds()
        if elapsed >= self._seconds:
            return TERMINAL
        return "pending" if elapsed < self._seconds / 2 else "running"

    def retrievable_until(self, export: SwitchExport) -> datetime | None:
        """Until when a completed export's data can be fetched (None before it completes)."""
        if self.status(export) != TERMINAL:
            return None
        with self._lock:
            if export.completed_answer_at is None:
                export.completed_answer_at = self._clock()
            first = export.completed_answer_at
        return first + timedelta(days=self.retrieval_days) + GRACE

    def retry_after(self, export: SwitchExport) -> int | None:
        """Whole seconds until the export completes (at least 1), None once it has."""
        if self.status(export) == TERMINAL:
            return None
        elapsed = (self._clock() - export.created_at).total_seconds()
        return max(1, math.ceil(self._seconds - elapsed))

    def view(self, export: SwitchExport, manifest_url: str) -> dict[str, Any]:
        """The export as ``GET /cloud/v1/switch-exports/{id}`` shows it."""
        status = self.status(export)
        until = self.retrievable_until(export)
        if self._eta_style == "declared":
            eta = self.max_days
        else:
            eta = 0 if status == TERMINAL else 1
        return {
            "id": export.id,
            "status": status,
            "created_at": format_timestamp(export.created_at),
            "eta_days": eta,
            "retrievable_until": None if until is None else format_timestamp(until),
            "manifest_url": manifest_url if status == TERMINAL else None,
        }
