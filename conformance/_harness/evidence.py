"""Evidence: every exchange with the target, recorded as it happened.

One ``EvidenceLog`` per run writes ``evidence.jsonl``: one JSON object per
exchange, secrets redacted by the ``Redactor`` before anything is written.
Each line carries its number ``n`` and the SHA-256 of the line before it
(``prev``), so the file is a hash chain a third party can verify without
this package; the run's signed manifest holds the hash of the last line
(the chain's head). Reports refer to exchanges by their ``id``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from conformance._harness.errors import Mismatch
from conformance._harness.safe_text import json_bytes
from conformance._harness.secrets import Redactor

EXCERPT_BYTES = 4096
KEPT_BYTES = EXCERPT_BYTES + 1024
"""Bytes of a body kept for its excerpt: a secret that crosses the excerpt's edge is
still whole in them when they are redacted, before the excerpt is cut."""
GENESIS = "0" * 64
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
VIOLATIONS_KEPT = 50
"""Violations one record lists; the rest are counted (``violations_more``)."""
TEXT_KEPT = 2000
"""Characters of one text field a record keeps (a violation's values, an error)."""


@dataclass
class Body:
    """A body as recorded: its size, hash and first bytes."""

    size: int = 0
    sha256: str = _EMPTY_SHA256
    excerpt: bytes = b""
    truncated: bool = False

    @classmethod
    def of(cls, data: bytes | None) -> Body:
        """Describe a body held whole in memory."""
        if not data:
            return cls()  # most requests send none: no hash to work out again
        return cls(
            len(data),
            hashlib.sha256(data).hexdigest(),
            data[:KEPT_BYTES],
            len(data) > EXCERPT_BYTES,
        )

    def to_json(self, redactor: Redactor) -> dict[str, Any]:
        """The body for the log: its first bytes redacted, then cut, then as UTF-8 text
        (a character cut at the edge dropped) or, if they are not UTF-8, base64."""
        kept = redactor.bytes(self.excerpt)[:EXCERPT_BYTES]
        try:
            excerpt: dict[str, str] = {"text": kept.decode("utf-8")}
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data" and exc.start >= len(kept) - 3:
                excerpt = {"text": kept[: exc.start].decode("utf-8")}
            else:
                excerpt = {"base64": base64.b64encode(kept).decode("ascii")}
        return {"size": self.size, "sha256": self.sha256, "truncated": self.truncated} | excerpt


@dataclass
class Record:
    """One exchange, as the evidence log keeps it."""

    id: str
    check: str
    requirement: str
    role: str | None
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Body
    started_at: str
    duration: float = 0.0
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Body = field(default_factory=Body)
    operation: str | None = None
    violations: list[Mismatch] = field(default_factory=list)
    error: str | None = None


class EvidenceLog:
    """Writes records to ``evidence.jsonl`` (or keeps them in memory only)."""

    def __init__(self, path: Path | None, redactor: Redactor) -> None:
        self.path = path
        self.redactor = redactor
        self._issued = 0
        self._written = 0
        self._ids: set[str] = set()
        self._lock = threading.Lock()
        self._previous = GENESIS
        self._file: IO[bytes] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("wb")

    def new_id(self) -> str:
        """A fresh exchange id, unique within the run."""
        with self._lock:
            self._issued += 1
            return _exchange_id(self._issued)

    @property
    def issued(self) -> int:
        """How many exchange ids were handed out so far (a mark for ``issued_since``)."""
        return self._issued

    def issued_since(self, mark: int) -> list[str]:
        """The exchange ids handed out after ``mark`` (a value of ``issued``), in order."""
        return [_exchange_id(n) for n in range(mark + 1, self._issued + 1)]

    def write(self, record: Record) -> bool:
        """Append one record, redacted, numbered and chained to the one before.

        One exchange is one record: an id already written is not written again
        (False), whatever path the exchange took to be committed twice.
        """
        with self._lock:
            if record.id in self._ids:
                return False
        serialised = self._serialise(record)
        with self._lock:
            if record.id in self._ids:
                return False
            self._ids.add(record.id)
            self._written += 1
            line = json_bytes({"n": self._written} | serialised | {"prev": self._previous})
            self._previous = hashlib.sha256(line).hexdigest()
            if self._file is not None:
                self._file.write(line + b"\n")
                self._file.flush()
        return True

    @property
    def head(self) -> str:
        """The hash of the last line written (the chain's head)."""
        return self._previous

    @property
    def records(self) -> int:
        """How many records were written (the chain's length)."""
        return self._written

    def close(self) -> None:
        """Close the file; further writes are kept in the chain only."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _serialise(self, r: Record) -> dict[str, Any]:
        red = self.redactor
        return {
            "id": r.id,
            "check": r.check,
            "requirement": r.requirement,
            "role": r.role,
            "started_at": r.started_at,
            "duration_s": round(r.duration, 6),
            "request": {
                "method": r.method,
                "url": red.text(r.url),
                "headers": red.headers(r.request_headers),
                "body": r.request_body.to_json(red),
            },
            "response": None
            if r.status is None
            else {
                "status": r.status,
                "headers": red.headers(r.response_headers),
                "body": r.response_body.to_json(red),
            },
            "operation": r.operation,
            "violations": [
                {
                    "path": _kept(red, m.path),
                    "expected": _kept(red, str(m.expected)),
                    "received": _kept(red, str(m.received)),
                    "why": _kept(red, m.why),
                    "subject": _kept(red, m.subject),
                }
                for m in r.violations[:VIOLATIONS_KEPT]
            ],
            "error": _kept(red, r.error) if r.error else None,
        } | (
            {"violations_more": len(r.violations) - VIOLATIONS_KEPT}
            if len(r.violations) > VIOLATIONS_KEPT
            else {}
        )


def _kept(redactor: Redactor, text: str) -> str:
    """``text`` redacted, then cut to ``TEXT_KEPT`` characters (saying how many were cut).

    The text is first cut with a margin, so a secret across the final edge is
    still whole when it is redacted.
    """
    if len(text) <= TEXT_KEPT:
        return redactor.text(text)
    kept = redactor.text(text[: TEXT_KEPT + 1024])[:TEXT_KEPT]
    return f"{kept}... (cut: {len(text)} characters in all)"


def _exchange_id(number: int) -> str:
    return f"ex-{number:06d}"


class ChainBroken(ValueError):
    """The evidence file is not the chain the run wrote; ``line`` is where it differs."""

    def __init__(self, path: Path, line: int, why: str) -> None:
        self.line = line
        super().__init__(f"{path}:{line}: {why}")


@dataclass(frozen=True)
class Chain:
    """An evidence file whose hash chain holds: its records and its head."""

    records: int
    head: str
    ids: tuple[str, ...]


def verify_chain(path: Path, head: str | None = None, records: int | None = None) -> Chain:
    """Check the hash chain of an evidence file, and its head and length if given.

    Raises ``ChainBroken`` naming the line that was changed, removed, added,
    duplicated or moved. A changed line is told from a changed ``prev`` by
    the next line's ``prev`` (the manifest's ``head`` after the last line).
    """
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    hashes = [hashlib.sha256(line).hexdigest() for line in lines]
    parsed = [_parse(path, number, line) for number, line in enumerate(lines, 1)]
    for number, (n, prev, _) in enumerate(parsed, 1):
        if n != number:
            raise ChainBroken(
                path,
                number,
                f"holds record n={n}, where record {number} belongs: a record was removed, "
                "added, duplicated or moved here",
            )
        expected = hashes[number - 2] if number > 1 else GENESIS
        if prev != expected:
            raise _broken_link(path, number, hashes, parsed, head)
    if records is not None and len(lines) != records:
        where = "removed from its end" if len(lines) < records else "added after its last"
        raise ChainBroken(
            path,
            min(len(lines), records) + 1,
            f"the manifest signs {records} record(s) and the file has {len(lines)}: "
            f"records were {where} signed record",
        )
    last = hashes[-1] if hashes else GENESIS
    if head is not None and last != head:
        raise ChainBroken(
            path,
            len(lines),
            "this line (the last) was changed: its hash is not the chain head the manifest signs",
        )
    return Chain(len(lines), last, tuple(ids for _, _, ids in parsed))


def _broken_link(
    path: Path,
    number: int,
    hashes: list[str],
    parsed: list[tuple[object, object, str]],
    head: str | None,
) -> ChainBroken:
    """Which line broke the link into line ``number``: the one before, or this one."""
    if number == 1:
        return ChainBroken(path, 1, "its prev is not the start of the chain: the line was changed")
    following = parsed[number][1] if number < len(parsed) else head
    if following == hashes[number - 1] or following is None:
        # This line still links to what follows: the line before it was changed.
        return ChainBroken(
            path, number - 1, "the line was changed: its hash is not the next line's prev"
        )
    return ChainBroken(path, number, "the line was changed: its prev is not the line before's hash")


def _parse(path: Path, number: int, line: bytes) -> tuple[object, object, str]:
    """A line's ``n``, ``prev`` and ``id``; a line that is not a record is a broken chain."""
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        record = None
    if not isinstance(record, dict):
        raise ChainBroken(path, number, "the line was changed: it is not a JSON object")
    return record.get("n"), record.get("prev"), str(record.get("id"))
