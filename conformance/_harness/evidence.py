"""Evidence: every exchange with the target, recorded as it happened.

One ``EvidenceLog`` per run writes ``evidence.jsonl``: one JSON object per
exchange, secrets redacted by the ``Redactor`` before anything is written.
Each line carries the SHA-256 of the line before it, so the file is a hash
chain a third party can verify (and, later, sign) without this package.
Reports refer to exchanges by their ``id``.
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
from conformance._harness.secrets import Redactor

EXCERPT_BYTES = 4096
GENESIS = "0" * 64


@dataclass
class Body:
    """A body as recorded: its size, hash and first bytes."""

    size: int = 0
    sha256: str = hashlib.sha256(b"").hexdigest()
    excerpt: bytes = b""
    truncated: bool = False

    @classmethod
    def of(cls, data: bytes | None) -> Body:
        """Describe a body held whole in memory."""
        data = data or b""
        return cls(
            len(data),
            hashlib.sha256(data).hexdigest(),
            data[:EXCERPT_BYTES],
            len(data) > EXCERPT_BYTES,
        )

    def to_json(self, redactor: Redactor) -> dict[str, Any]:
        """The body for the log: text if it decodes as UTF-8, else base64."""
        try:
            excerpt: dict[str, str] = {"text": redactor.text(self.excerpt.decode("utf-8"))}
        except UnicodeDecodeError:
            excerpt = {"base64": base64.b64encode(self.excerpt).decode("ascii")}
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
        self._lock = threading.Lock()
        self._previous = GENESIS
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("w", encoding="utf-8")

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

    def write(self, record: Record) -> None:
        """Append one record, redacted, chained to the one before."""
        with self._lock:
            line = json.dumps(
                self._serialise(record) | {"prev": self._previous}, ensure_ascii=False
            )
            self._previous = hashlib.sha256(line.encode("utf-8")).hexdigest()
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()

    @property
    def head(self) -> str:
        """The hash of the last line written (the chain's head)."""
        return self._previous

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
                    "path": m.path,
                    "expected": red.text(str(m.expected)),
                    "received": red.text(str(m.received)),
                    "why": red.text(m.why),
                    "subject": red.text(m.subject),
                }
                for m in r.violations
            ],
            "error": red.text(r.error) if r.error else None,
        }


def _exchange_id(number: int) -> str:
    return f"ex-{number:06d}"


def verify_chain(path: Path) -> int:
    """Check the hash chain of an evidence file; return its number of records.

    Raises ``ValueError`` naming the first line whose ``prev`` does not match.
    """
    previous = GENESIS
    count = 0
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if json.loads(line).get("prev") != previous:
                raise ValueError(f"{path}:{number}: the hash chain is broken here")
            previous = hashlib.sha256(line.encode("utf-8")).hexdigest()
            count += 1
    return count
