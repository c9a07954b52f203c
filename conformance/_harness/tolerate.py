"""Accepted failures for ``conformance diff --tolerate FILE``: each with a reason and an expiry.

A platform that gates CI on "no new failures" sometimes has to ship while a
new failure is worked on. The tolerate file names each such failure, says
why it is accepted, and until when::

    - requirement: PORT-004
      reason: "records past 10 000 are dropped; fix tracked in PLAT-812"
      expires: 2027-03-01

An entry is in force before its ``expires`` date (UTC) and has expired on
that date: an expired entry no longer tolerates anything, and ``diff``
says so. A file that cannot be read names the file, the key and the fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.errors import ConfigError, UsageError

EXAMPLE = "- {requirement: PORT-004, reason: why it is accepted, expires: 2027-03-01}"
_KEYS = ("requirement", "reason", "expires")


@dataclass(frozen=True)
class Toleration:
    """One accepted failure: which requirement, why, and the date it stops being accepted."""

    requirement: str
    reason: str
    expires: dt.date
    file: str = ""
    index: int = 0

    @property
    def where(self) -> str:
        """Where the entry is (``tolerate.yaml: [2]``), for messages that point at it."""
        return f"{self.file}: [{self.index}]"

    def in_force(self, today: dt.date) -> bool:
        """True before the expiry date; on and after it the entry tolerates nothing."""
        return today < self.expires


def today_utc() -> dt.date:
    """Today's date in UTC, the calendar expiry dates are read in."""
    return dt.datetime.now(dt.UTC).date()


def load_tolerations(path: Path, known: Sequence[str] = ()) -> list[Toleration]:
    """The entries of a tolerate file; any problem is a ``ConfigError`` (file, key, fix).

    ``known`` (the catalogue's requirement IDs, when given) turns a mistyped
    ID into an error instead of an entry that silently tolerates nothing.
    """
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"--tolerate {path}: no such file. Fix: give the YAML list of accepted failures "
            f"(one entry: {EXAMPLE})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--tolerate {path}: cannot read it ({exc})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else "(the document)"
        raise ConfigError(
            file, at, f"not YAML ({getattr(exc, 'problem', None) or exc})", f"write {EXAMPLE}"
        ) from None
    if document is None:
        return []
    if not isinstance(document, list):
        raise ConfigError(
            file,
            "(top level)",
            f"a {_kind(document)}, not a list of entries",
            f"make the file a YAML list, one entry per accepted failure: {EXAMPLE}",
        )
    entries = [_entry(file, i, raw, known) for i, raw in enumerate(document)]
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.requirement in seen:
            raise ConfigError(
                file,
                f"[{entry.index}].requirement",
                f"{entry.requirement} is listed twice (also at [{seen[entry.requirement]}])",
                "keep one entry per requirement",
            )
        seen[entry.requirement] = entry.index
    return entries


def _entry(file: str, i: int, raw: Any, known: Sequence[str]) -> Toleration:
    key = f"[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError(file, key, f"a {_kind(raw)}, not a mapping", f"write {EXAMPLE}")
    for name in _KEYS:
        if name not in raw or raw[name] in (None, ""):
            raise ConfigError(
                file, f"{key}.{name}", "missing", f"every entry has {', '.join(_KEYS)}: {EXAMPLE}"
            )
    unknown = sorted(str(k) for k in raw if k not in _KEYS)
    if unknown:
        raise ConfigError(
            file,
            f"{key}.{unknown[0]}",
            "not a key of an entry",
            f"use only {', '.join(_KEYS)}",
        )
    requirement = str(raw["requirement"]).strip().upper()
    if known and requirement not in known:
        raise ConfigError(
            file,
            f"{key}.requirement",
            f"{raw['requirement']!r} is not a requirement of the catalogue",
            "use an ID that `conformance specs` lists (PORT-004, C-002, ...)",
        )
    return Toleration(
        requirement, str(raw["reason"]).strip(), _date(file, key, raw["expires"]), file, i
    )


def _date(file: str, key: str, value: Any) -> dt.date:
    """``expires``: a date (YAML reads 2027-03-01 as one; a quoted one is parsed)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(
            file,
            f"{key}.expires",
            f"{value!r} is not a date",
            "write the day it stops being accepted as YYYY-MM-DD (2027-03-01)",
        ) from None


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "mapping", list: "list", str: "string"}
    return names.get(type(value), type(value).__name__)
