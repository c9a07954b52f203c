"""A monitor's history: ``history.json`` beside ``runs/``, one entry per scheduled run.

The file is the monitor's memory across restarts (the next run is compared
with the last one that judged something) and what ``conformance publish``
draws as the platform's monitor timeline. It is rewritten whole after each
run, through a temporary file and a rename, so a reader never sees half.

An entry holds the run's id and folder, when it started and ended and how
long it took, its verdict, state and headline, its outcome counts and
requests sent, the run it was compared with, the alert it raised (if any)
with the regressions behind it, the slots it skipped, and what became of
the webhook.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance._harness.errors import UsageError
from conformance._harness.safe_text import json_bytes

HISTORY_FILE = "history.json"
RUNS = "runs"
FORMAT = "conformance-monitor/1"


@dataclass
class History:
    """The history of one platform's monitor, as read from and written to ``folder``."""

    folder: Path
    platform: str
    base_url: str
    every: float
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """``history.json``."""
        return self.folder / HISTORY_FILE

    @property
    def run_dir(self) -> Path:
        """Where the monitor's runs write their reports."""
        return self.folder / RUNS

    def baseline(self) -> dict[str, Any] | None:
        """The newest entry that judged something and whose run folder is still there."""
        for entry in self.runs[::-1]:
            kept = (self.folder / str(entry.get("dir", ""))).is_dir()
            if entry.get("comparable") is True and kept:
                return entry
        return None

    def to_json(self) -> dict[str, Any]:
        """The document ``history.json`` holds."""
        return {
            "format": FORMAT,
            "platform": self.platform,
            "base_url": self.base_url,
            "every_s": self.every,
            "runs": self.runs,
        }

    def save(self) -> None:
        """Rewrite ``history.json`` whole (a temporary file, then a rename)."""
        scratch = self.path.with_name(f".{HISTORY_FILE}.{os.getpid()}")
        scratch.write_bytes(json_bytes(self.to_json(), indent=2) + b"\n")
        scratch.replace(self.path)


def open_history(folder: Path, platform: str, base_url: str, every: float) -> History:
    """The history in ``folder`` (made if new); one of another platform is a usage error."""
    history = History(folder, platform, base_url, every)
    if not history.path.exists():
        history.run_dir.mkdir(parents=True, exist_ok=True)
        return history
    try:
        document = json.loads(history.path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--history {history.path}: not a readable history ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UsageError(
            f"--history {history.path}: not a history conformance monitor wrote "
            f"(format {FORMAT}). Fix: give a new folder"
        )
    if document.get("platform") != platform:
        raise UsageError(
            f"--history {folder} monitors {document.get('platform')!r}, not {platform!r}. "
            "Fix: one history folder per platform"
        )
    runs = document.get("runs")
    history.runs = [e for e in runs if isinstance(e, dict)] if isinstance(runs, list) else []
    history.run_dir.mkdir(parents=True, exist_ok=True)
    return history
