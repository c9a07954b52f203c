"""SQLite storage of the reference platform, with blobs and parts on disk.

One connection, guarded by one lock: every read and write happens inside
:meth:`Store.transaction`, which holds the lock for the whole transaction,
so a reader never sees half of a multi-row change (an import, a delete and
the references it cascades to). Bytes (media blobs, export parts) live as
files under the data directory; the database holds what describes them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

JsonObject = dict[str, Any]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE
);
-- pos keeps insertion order, which exports follow.
CREATE TABLE IF NOT EXISTS records (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS records_by_account ON records (account, deleted, pos);
-- Which record refers to which, so a delete finds the holders directly.
CREATE TABLE IF NOT EXISTS refs (
    account TEXT NOT NULL,
    from_id TEXT NOT NULL,
    to_id TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id)
);
CREATE INDEX IF NOT EXISTS refs_by_target ON refs (account, to_id);
-- seq is global; each account sees an increasing sequence with gaps.
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    op TEXT NOT NULL,
    record_id TEXT NOT NULL,
    record_json TEXT
);
CREATE INDEX IF NOT EXISTS changes_by_account ON changes (account, seq);
CREATE TABLE IF NOT EXISTS id_map (
    account TEXT NOT NULL,
    archive_id TEXT NOT NULL,
    new_id TEXT NOT NULL,
    PRIMARY KEY (account, archive_id)
);
CREATE TABLE IF NOT EXISTS media (
    account TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (account, sha256)
);
CREATE TABLE IF NOT EXISTS exports (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_ts REAL NOT NULL,
    expires_at TEXT NOT NULL,
    expires_ts REAL NOT NULL,
    error TEXT,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS export_parts (
    export_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (export_id, n)
);
CREATE TABLE IF NOT EXISTS imports (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    result_json TEXT NOT NULL
);
"""


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class ChangeRow:
    """One entry of an account's change feed."""

    seq: int
    op: str
    record_id: str
    record: JsonObject | None


@dataclass(frozen=True)
class MediaRow:
    """Bytes an account holds, by content hash."""

    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class PartRow:
    """One part file of an export."""

    n: int
    size: int
    sha256: str


@dataclass(frozen=True)
class ExportRow:
    """An export job."""

    id: str
    account: str
    status: str
    created_at: str
    created_ts: float
    expires_at: str
    expires_ts: float
    error: str | None
    parts: tuple[PartRow, ...]


@dataclass(frozen=True)
class ImportRow:
    """An import job and its outcome."""

    id: str
    account: str
    status: str
    created_at: str
    result: JsonObject


class Tx:
    """Operations inside one transaction; obtained from :meth:`Store.transaction`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # -- accounts --------------------------------------------------------
    def accounts(self) -> dict[str, str]:
        """Return user name → user id for every account."""
        rows = self._conn.execute("SELECT name, user_id FROM accounts").fetchall()
        return {name: user_id for name, user_id in rows}

    def add_account(self, name: str, user_id: str) -> None:
        """Record an account, keeping an existing one unchanged."""
        self._conn.execute(
            "INSERT OR IGNORE INTO accounts (name, user_id) VALUES (?, ?)", (name, user_id)
        )

    # -- records and the change feed --------------------------------------
    def insert_record(self, account: str, record: Mapping[str, Any], refs: Iterable[str]) -> int:
        """Add a record and its upsert change; return the change's seq."""
        self._conn.execute(
            "INSERT INTO records (account, id, type, json, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                account,
                record["id"],
                record["type"],
                _dump(record),
                record["created_at"],
                record["updated_at"],
            ),
        )
        self._set_refs(account, record["id"], refs)
        return self._add_change(account, "upsert", record["id"], record)

    def replace_record(self, account: str, record: Mapping[str, Any], refs: Iterable[str]) -> int:
        """Overwrite a live record and add its upsert change; return the seq."""
        updated = self._conn.execute(
            "UPDATE records SET json = ?, created_at = ?, updated_at = ?"
            " WHERE account = ? AND id = ? AND deleted = 0",
            (_dump(record), record["created_at"], record["updated_at"], account, record["id"]),
        ).rowcount
        if updated != 1:
            raise KeyError(f"no live record {record['id']!r} in account {account!r}")
        self._set_refs(account, record["id"], refs)
        return self._add_change(account, "upsert", record["id"], record)

    def delete_record(self, account: str, record_id: str) -> int:
        """Mark a record deleted and add its delete change; return the seq."""
        updated = self._conn.execute(
            "UPDATE records SET deleted = 1 WHERE account = ? AND id = ? AND deleted = 0",
            (account, record_id),
        ).rowcount
        if updated != 1:
            raise KeyError(f"no live record {record_id!r} in account {account!r}")
        self._conn.execute("DELETE FROM refs WHERE from_id = ?", (record_id,))
        return self._add_change(account, "delete", record_id, None)

    def record(self, account: str, record_id: str) -> JsonObject | None:
        """Return a live record of the account, or None."""
        row = self._conn.execute(
            "SELECT json FROM records WHERE account = ? AND id = ? AND deleted = 0",
            (account, record_id),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def records(self, account: str, record_type: str | None = None) -> list[JsonObject]:
        """Return the account's live records in insertion order."""
        sql = "SELECT json FROM records WHERE account = ? AND deleted = 0"
        params: tuple[str, ...] = (account,)
        if record_type is not None:
            sql += " AND type = ?"
            params = (account, record_type)
        rows = self._conn.execute(sql + " ORDER BY pos", params).fetchall()
        return [json.loads(row[0]) for row in rows]

    def record_count(self, account: str) -> int:
        """Return how many live records the account holds."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM records WHERE account = ? AND deleted = 0", (account,)
        ).fetchone()
        return int(row[0])

    def record_owner(self, record_id: str) -> tuple[str, bool] | None:
        """Return (account, deleted) of any record ever stored under this id, or None."""
        row = self._conn.execute(
            "SELECT account, deleted FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        return (row[0], bool(row[1])) if row else None

    def referrers(self, account: str, record_id: str) -> list[JsonObject]:
        """Return the live records that refer to ``record_id``, in insertion order."""
        rows = self._conn.execute(
            "SELECT r.json FROM refs f JOIN records r ON r.id = f.from_id"
            " WHERE f.account = ? AND f.to_id = ? AND r.deleted = 0 ORDER BY r.pos",
            (account, record_id),
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def changes(self, account: str, after_seq: int, limit: int) -> list[ChangeRow]:
        """Return up to ``limit`` changes of the account after ``after_seq``."""
        rows = self._conn.execute(
            "SELECT seq, op, record_id, record_json FROM changes"
            " WHERE account = ? AND seq > ? ORDER BY seq LIMIT ?",
            (account, after_seq, limit),
        ).fetchall()
        return [
            ChangeRow(seq, op, record_id, json.loads(snapshot) if snapshot is not None else None)
            for seq, op, record_id, snapshot in rows
        ]

    def _set_refs(self, account: str, record_id: str, refs: Iterable[str]) -> None:
        self._conn.execute("DELETE FROM refs WHERE from_id = ?", (record_id,))
        self._conn.executemany(
            "INSERT OR IGNORE INTO refs (account, from_id, to_id) VALUES (?, ?, ?)",
            [(account, record_id, target) for target in set(refs)],
        )

    def _add_change(
        self, account: str, op: str, record_id: str, record: Mapping[str, Any] | None
    ) -> int:
        cursor = self._conn.execute(
            "INSERT INTO changes (account, op, record_id, record_json) VALUES (?, ?, ?, ?)",
            (account, op, record_id, _dump(record) if record is not None else None),
        )
        assert cursor.lastrowid is not None  # an INSERT always sets it
        return cursor.lastrowid

    # -- archive id mapping ---------------------------------------------
    def mapped_ids(self, account: str, archive_ids: Iterable[str]) -> dict[str, str]:
        """Return archive id → platform id for ids an earlier import mapped."""
        found: dict[str, str] = {}
        for archive_id in set(archive_ids):
            row = self._conn.execute(
                "SELECT new_id FROM id_map WHERE account = ? AND archive_id = ?",
                (account, archive_id),
            ).fetchone()
            if row:
                found[archive_id] = row[0]
        return found

    def save_mapping(self, account: str, mapping: Mapping[str, str]) -> None:
        """Remember archive id → platform id; a later import's mapping wins."""
        self._conn.executemany(
            "INSERT OR REPLACE INTO id_map (account, archive_id, new_id) VALUES (?, ?, ?)",
            [(account, archive_id, new_id) for archive_id, new_id in mapping.items()],
        )

    # -- media ------------------------------------------------------------
    def add_media(self, account: str, sha256: str, size: int, content_type: str) -> bool:
        """Record that the account holds these bytes; True if it did not before."""
        cursor = self._conn.execute(
            "INSERT OR IGNORE INTO media (account, sha256, size, content_type) VALUES (?, ?, ?, ?)",
            (account, sha256, size, content_type),
        )
        return cursor.rowcount == 1

    def media(self, account: str, sha256: str) -> MediaRow | None:
        """Return the account's media entry for a hash, or None."""
        row = self._conn.execute(
            "SELECT sha256, size, content_type FROM media WHERE account = ? AND sha256 = ?",
            (account, sha256),
        ).fetchone()
        return MediaRow(*row) if row else None

    # -- exports ------------------------------------------------------------
    def create_export(
        self,
        account: str,
        export_id: str,
        created: tuple[str, float],
        expires: tuple[str, float],
    ) -> None:
        """Add a pending export job; timestamps as (RFC 3339, Unix seconds)."""
        self._conn.execute(
            "INSERT INTO exports (id, account, status, created_at, created_ts, expires_at,"
            " expires_ts) VALUES (?, ?, 'pending', ?, ?, ?, ?)",
            (export_id, account, created[0], created[1], expires[0], expires[1]),
        )

    def set_export_status(self, export_id: str, status: str, error: str | None = None) -> bool:
        """Move a live export to ``status``; False if it was deleted meanwhile."""
        cursor = self._conn.execute(
            "UPDATE exports SET status = ?, error = ? WHERE id = ? AND deleted = 0",
            (status, error, export_id),
        )
        return cursor.rowcount == 1

    def add_export_parts(self, export_id: str, parts: Iterable[PartRow]) -> None:
        """Record an export's part files."""
        self._conn.executemany(
            "INSERT INTO export_parts (export_id, n, size, sha256) VALUES (?, ?, ?, ?)",
            [(export_id, part.n, part.size, part.sha256) for part in parts],
        )

    def export(self, export_id: str, account: str | None = None) -> ExportRow | None:
        """Return a live export (of ``account`` when given), or None."""
        sql = (
            "SELECT id, account, status, created_at, created_ts, expires_at, expires_ts, error"
            " FROM exports WHERE id = ? AND deleted = 0"
        )
        params: tuple[str, ...] = (export_id,)
        if account is not None:
            sql += " AND account = ?"
            params = (export_id, account)
        row = self._conn.execute(sql, params).fetchone()
        return self._export_row(row) if row else None

    def export_owner(self, export_id: str) -> tuple[str, bool] | None:
        """Return (account, deleted) of any export ever created under this id, or None."""
        row = self._conn.execute(
            "SELECT account, deleted FROM exports WHERE id = ?", (export_id,)
        ).fetchone()
        return (row[0], bool(row[1])) if row else None

    def exports(self, account: str, now_ts: float) -> list[ExportRow]:
        """Return the account's live, unexpired exports, newest first."""
        rows = self._conn.execute(
            "SELECT id, account, status, created_at, created_ts, expires_at, expires_ts, error"
            " FROM exports WHERE account = ? AND deleted = 0 AND expires_ts > ?"
            " ORDER BY pos DESC",
            (account, now_ts),
        ).fetchall()
        return [self._export_row(row) for row in rows]

    def pending_exports(self) -> list[str]:
        """Return ids of live exports not yet built, oldest first (for restarts)."""
        rows = self._conn.execute(
            "SELECT id FROM exports WHERE deleted = 0 AND status IN ('pending', 'running')"
            " ORDER BY pos"
        ).fetchall()
        return [row[0] for row in rows]

    def delete_export(self, account: str, export_id: str) -> bool:
        """Mark an export deleted; False if the account had no such live export."""
        cursor = self._conn.execute(
            "UPDATE exports SET deleted = 1 WHERE id = ? AND account = ? AND deleted = 0",
            (export_id, account),
        )
        return cursor.rowcount == 1

    def _export_row(self, row: tuple[Any, ...]) -> ExportRow:
        parts = self._conn.execute(
            "SELECT n, size, sha256 FROM export_parts WHERE export_id = ? ORDER BY n", (row[0],)
        ).fetchall()
        return ExportRow(
            id=row[0],
            account=row[1],
            status=row[2],
            created_at=row[3],
            created_ts=row[4],
            expires_at=row[5],
            expires_ts=row[6],
            error=row[7],
            parts=tuple(PartRow(*part) for part in parts),
        )

    # -- imports ------------------------------------------------------------
    def save_import(
        self, account: str, import_id: str, status: str, created_at: str, result: JsonObject
    ) -> None:
        """Add or update an import job."""
        self._conn.execute(
            "INSERT INTO imports (id, account, status, created_at, result_json)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
            " SET status = excluded.status, result_json = excluded.result_json",
            (import_id, account, status, created_at, _dump(result)),
        )

    def import_job(self, account: str, import_id: str) -> ImportRow | None:
        """Return one of the account's imports, or None."""
        row = self._conn.execute(
            "SELECT id, account, status, created_at, result_json FROM imports"
            " WHERE id = ? AND account = ?",
            (import_id, account),
        ).fetchone()
        return _import_row(row) if row else None

    def import_owner(self, import_id: str) -> str | None:
        """Return the account of an import, whoever asks, or None."""
        row = self._conn.execute(
            "SELECT account FROM imports WHERE id = ?", (import_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def media_holders(self, sha256: str) -> int:
        """How many accounts hold these bytes."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM media WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return int(row[0])

    def import_jobs(self, account: str) -> list[ImportRow]:
        """Return the account's imports, newest first."""
        rows = self._conn.execute(
            "SELECT id, account, status, created_at, result_json FROM imports"
            " WHERE account = ? ORDER BY pos DESC",
            (account,),
        ).fetchall()
        return [_import_row(row) for row in rows]


def _import_row(row: tuple[Any, ...]) -> ImportRow:
    return ImportRow(
        id=row[0], account=row[1], status=row[2], created_at=row[3], result=json.loads(row[4])
    )


class Store:
    """The platform's database file and blob directories under ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.media_dir = data_dir / "media"
        self.exports_dir = data_dir / "exports"
        for directory in (data_dir, self.media_dir, self.exports_dir):
            directory.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are begun explicitly below, so their
        # extent is exactly the ``with`` block.
        self._conn = sqlite3.connect(
            data_dir / "reference.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Hold the lock and one SQLite transaction; roll back on error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    # -- files ------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        """Where the bytes with this hash live (whether or not they exist)."""
        return self.media_dir / sha256[:2] / sha256

    def write_blob(self, sha256: str, data: bytes) -> None:
        """Store bytes under their hash; atomic, so readers never see half a file."""
        target = self.blob_path(sha256)
        if target.exists():
            return
        _write_atomically(target, data)

    def part_path(self, export_id: str, n: int) -> Path:
        """Where part ``n`` of an export lives."""
        return self.exports_dir / export_id / f"{n}.part"

    def write_part(self, export_id: str, n: int, data: bytes) -> None:
        """Write one part file of an export."""
        _write_atomically(self.part_path(export_id, n), data)

    def remove_export_files(self, export_id: str) -> None:
        """Delete every part file of an export."""
        shutil.rmtree(self.exports_dir / export_id, ignore_errors=True)


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
