"""What index.html reads of ``evidence.jsonl``: every exchange's timing, a few exchanges whole.

The evidence of a run can hold tens of thousands of exchanges (FAIR-003
alone sends 15 000 requests). The page keeps a small summary of each
(when, how long, what answered: enough for the plots) and reads back whole
only the few exchanges it shows under a failure, by their place in the
file. Everything read is what the evidence holds: secrets were redacted
before it was written, and nothing here sees them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

JOB_OPERATIONS = frozenset({"createExport", "getExport", "createImport", "getImport"})
"""Operations whose answers say how far an export or an import has come."""
_STATE = re.compile(r'"status"\s*:\s*"([A-Za-z_-]{1,20})"')
_EXCHANGE_ID = re.compile(r"\bex-\d{6,}\b")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FOR = re.compile(r"\(for ([^)]*)\)")
SHOWN_PER_REQUIREMENT = 8
"""Exchanges shown whole under one failing requirement; the rest are named by count."""


@dataclass(frozen=True, slots=True)
class Timing:
    """One exchange as the plots need it."""

    id: str
    requirement: str
    role: str
    operation: str
    method: str
    path: str
    start: float
    """Seconds since the epoch."""
    duration: float
    status: int | None
    flagged: bool
    """The exchange records violations or an error."""
    location: str = ""
    """Where a job's answer points (its ``Location``, resolved), for exports and imports."""
    state: str = ""
    """A job's ``status`` field, for exports and imports."""


@dataclass
class Evidence:
    """The timings of a run's exchanges, and where in the file each one is."""

    path: Path | None
    timings: list[Timing]
    offsets: dict[str, int]

    @classmethod
    def read(cls, path: Path) -> Evidence:
        """Read ``evidence.jsonl`` once, line by line (an absent file is no exchange)."""
        timings: list[Timing] = []
        offsets: dict[str, int] = {}
        if not path.is_file():
            return cls(None, timings, offsets)
        with path.open("rb") as file:
            offset = 0
            for line in file:
                record = _parse(line)
                if record is not None:
                    timing = _timing(record)
                    if timing is not None:
                        timings.append(timing)
                        offsets.setdefault(timing.id, offset)
                offset += len(line)
        return cls(path, timings, offsets)

    def whole(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The records of ``ids`` as written, in the order given (unknown ids skipped)."""
        if self.path is None:
            return []
        out = []
        with self.path.open("rb") as file:
            for exchange in ids:
                offset = self.offsets.get(exchange)
                if offset is None:
                    continue
                file.seek(offset)
                record = _parse(file.readline())
                if record is not None:
                    out.append(record)
        return out

    def by_id(self) -> dict[str, Timing]:
        """Each exchange's timing by its id."""
        return {t.id: t for t in self.timings}


def chosen(
    cited: Sequence[str], reason: str, evidence: Evidence, most: int = SHOWN_PER_REQUIREMENT
) -> tuple[list[str], str | None]:
    """The exchanges to show under a failure, and the one most likely behind it.

    The one behind it is the first that recorded violations or an error,
    else the one the reason points at best (``_best_match``), else the last
    one cited (a check usually fails on the answer it read last). Shown are
    that one, those the reason names, the flagged ones, and the first and
    last cited, at most ``most``.
    """
    timings = evidence.by_id()
    known = [e for e in dict.fromkeys(cited) if e in timings]
    if not known:
        return [], None
    named = [e for e in dict.fromkeys(_EXCHANGE_ID.findall(reason)) if e in timings]
    flagged = [e for e in known if timings[e].flagged]
    culprit = (flagged or [_best_match(known, reason, set(named), timings) or known[-1]])[0]
    picks = dict.fromkeys([culprit, *named[:2], *flagged[:3], *known[:2], *known[-3:]])
    order = {e: i for i, e in enumerate(known)}
    shown = sorted(list(picks)[:most], key=lambda e: order.get(e, -1))
    return shown, culprit


def _best_match(
    known: Sequence[str], reason: str, named: set[str], timings: dict[str, Timing]
) -> str | None:
    """The first exchange the reason points at most: by operation, identity and id.

    The operation named counts most; an identity a finding row holds for
    (``(for third_party)``) counts more than one merely mentioned (``… than
    first_party allows``, or the baseline's exchanges a ``Why`` names).
    """
    words = set(_WORD.findall(reason))
    subjects = {w for group in _FOR.findall(reason) for w in _WORD.findall(group)}
    best, score = None, 0
    for exchange in known:
        t = timings[exchange]
        parts = [p for p in t.role.split("/") if p]
        mine = (
            (4 if t.operation in words else 0)
            + sum(2 for p in parts if p in subjects)
            + sum(1 for p in parts if p in words)
            + (1 if exchange in named else 0)
        )
        if mine > score:
            best, score = exchange, mine
    return best


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _timing(record: dict[str, Any]) -> Timing | None:
    try:
        start = datetime.fromisoformat(str(record["started_at"])).timestamp()
        duration = float(record.get("duration_s") or 0.0)
    except (KeyError, ValueError, TypeError):
        return None
    request = _dict(record.get("request"))
    response = _dict(record.get("response"))
    url = str(request.get("url", ""))
    operation = str(record.get("operation") or "")
    status = response.get("status")
    location, state = "", ""
    if operation in JOB_OPERATIONS:
        headers = {str(k).lower(): str(v) for k, v in _dict(response.get("headers")).items()}
        if "location" in headers:
            location = _path(_join(url, headers["location"]))
        found = _STATE.search(str(_dict(response.get("body")).get("text", "")))
        state = found.group(1) if found else ""
    return Timing(
        id=str(record.get("id", "")),
        requirement=str(record.get("requirement") or ""),
        role=str(record.get("role") or ""),
        operation=operation,
        method=str(request.get("method", "")),
        path=_path(url),
        start=start,
        duration=max(0.0, duration),
        status=status if isinstance(status, int) else None,
        flagged=bool(record.get("violations") or record.get("error")),
        location=location,
        state=state,
    )


def _path(url: str) -> str:
    """The path of a URL; a URL that does not parse (a platform's) stands for itself."""
    try:
        return urlsplit(url).path
    except ValueError:
        return url


def _join(base: str, reference: str) -> str:
    try:
        return urljoin(base, reference)
    except ValueError:
        return reference


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
