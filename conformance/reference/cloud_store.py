"""The object store behind the reference's S3 surface: SQLite rows, bytes in files.

Buckets, objects and multipart uploads live in ``<data_dir>/cloud/s3.sqlite3``;
object and part bytes in files beside it. Keys are stored as their UTF-8
bytes (a BLOB), so SQLite's ``ORDER BY key`` is S3's UTF-8 binary order.

Bytes arrive as an iterable of blocks that may raise at its end (a payload
whose signature or hash turns out wrong): they go to a temporary file first
and become an object only once the iterable is exhausted, so a refused
upload leaves nothing behind. The switching module reads the same store
(:meth:`ObjectStore.objects_of`, :meth:`ObjectStore.read`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS s3_buckets (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS s3_objects (
    bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    etag TEXT NOT NULL, content_type TEXT NOT NULL, metadata TEXT NOT NULL,
    system TEXT NOT NULL, modified REAL NOT NULL, file TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS s3_uploads (
    id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL, content_type TEXT NOT NULL,
    metadata TEXT NOT NULL, system TEXT NOT NULL, started REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS s3_parts (
    upload TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL, md5 TEXT NOT NULL,
    file TEXT NOT NULL, PRIMARY KEY (upload, number)
);
"""
_BLOCK: Final = 1 << 16
_OBJECT_COLUMNS: Final = (
    "bucket, key, size, sha256, etag, content_type, metadata, system, modified, file"
)


@dataclass(frozen=True)
class StoredObject:
    """One object as stored; ``md5_etag`` is its ETag without quotes.

    ``md5_etag`` is the hex MD5 of the bytes for an object written in one
    piece, ``<md5 of the parts' MD5s>-<n>`` for a multipart one.
    ``metadata`` maps lower-case ``x-amz-meta-`` suffixes to values;
    ``system`` holds the other headers S3 stores (``Cache-Control`` …).
    """

    bucket: str
    key: str
    size: int
    sha256: str
    md5_etag: str
    content_type: str
    metadata: Mapping[str, str]
    system: Mapping[str, str] = field(default_factory=dict)
    modified: float = 0.0
    file: str = field(default="", repr=False)


@dataclass(frozen=True)
class Bucket:
    """A bucket and the account that owns it."""

    name: str
    owner: str
    created: float


@dataclass(frozen=True)
class Upload:
    """A multipart upload in progress: where it goes and what the object will carry."""

    id: str
    bucket: str
    key: str
    content_type: str
    metadata: Mapping[str, str]
    system: Mapping[str, str]


@dataclass(frozen=True)
class Part:
    """One uploaded part: its number, size and hex MD5."""

    number: int
    size: int
    md5: str
    file: str = field(default="", repr=False)


@dataclass(frozen=True)
class Written:
    """A file written from blocks, with its digests."""

    path: Path
    size: int
    md5: str
    sha256: str


def _object(row: tuple[Any, ...]) -> StoredObject:
    bucket, key, size, sha, etag, ctype, meta, system, modified, name = row
    return StoredObject(
        bucket,
        bytes(key).decode("utf-8"),
        size,
        sha,
        etag,
        ctype,
        json.loads(meta),
        json.loads(system),
        modified,
        name,
    )


def _read(source: BinaryIO, first: int, last: int | None) -> Iterator[bytes]:
    with source:
        source.seek(first)
        remaining = None if last is None else last - first + 1
        while remaining is None or remaining > 0:
            block = source.read(_BLOCK if remaining is None else min(_BLOCK, remaining))
            if not block:
                return
            if remaining is not None:
                remaining -= len(block)
            yield block


class ObjectStore:
    """Buckets, objects and multipart uploads, safe to use from many threads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("objects", "parts", "incoming"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            root / "s3.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._conn.executescript(_SCHEMA)

    # -- the switching module's view --------------------------------------------------

    def objects_of(self, account: str) -> list[StoredObject]:
        """Every object in the buckets ``account`` owns, by bucket then key."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket IN "
                "(SELECT name FROM s3_buckets WHERE owner = ?) ORDER BY bucket, key",
                (account,),
            ).fetchall()
        return [_object(row) for row in rows]

    def read(self, bucket: str, key: str) -> bytes:
        """An object's bytes; ``KeyError`` if there is no such object."""
        found = self.get(bucket, key)
        if found is None:
            raise KeyError((bucket, key))
        return self.path(found).read_bytes()

    # -- buckets ----------------------------------------------------------------------

    def bucket(self, name: str) -> Bucket | None:
        """A bucket by name."""
        with self._lock:
            row = self._conn.execute(
                "SELECT name, owner, created FROM s3_buckets WHERE name = ?", (name,)
            ).fetchone()
        return Bucket(*row) if row else None

    def buckets_of(self, account: str) -> list[Bucket]:
        """The buckets ``account`` owns, by name."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT name, owner, created FROM s3_buckets WHERE owner = ? ORDER BY name",
                (account,),
            ).fetchall()
        return [Bucket(*row) for row in rows]

    def create_bucket(self, name: str, owner: str) -> Bucket | None:
        """Create a bucket; None if the name is taken (by anyone)."""
        bucket = Bucket(name, owner, time.time())
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT INTO s3_buckets VALUES (?, ?, ?)", (name, owner, bucket.created)
                )
            except sqlite3.IntegrityError:
                return None
        return bucket

    def delete_bucket(self, name: str) -> bool:
        """Delete an empty bucket (and its abandoned uploads); False if it holds objects."""
        with self._lock:
            if self._conn.execute(
                "SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", (name,)
            ).fetchone():
                return False
            uploads = [
                row[0]
                for row in self._conn.execute("SELECT id FROM s3_uploads WHERE bucket = ?", (name,))
            ]
            self._conn.execute("DELETE FROM s3_buckets WHERE name = ?", (name,))
        for upload in uploads:
            self.drop_upload(upload)
        return True

    # -- objects ----------------------------------------------------------------------

    def get(self, bucket: str, key: str) -> StoredObject | None:
        """An object's description, or None."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key = ?",
                (bucket, key.encode("utf-8")),
            ).fetchone()
        return _object(row) if row else None

    def path(self, stored: StoredObject) -> Path:
        """Where an object's bytes are."""
        return self.root / "objects" / stored.file

    def scan(self, bucket: str, start: bytes, inclusive: bool, limit: int) -> list[StoredObject]:
        """Up to ``limit`` objects of ``bucket`` from ``start`` on, in UTF-8 binary order.

        ``inclusive`` says whether a key equal to ``start`` is included.
        """
        operator = ">=" if inclusive else ">"
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key {operator} ? "
                "ORDER BY key LIMIT ?",
                (bucket, start, limit),
            ).fetchall()
        return [_object(row) for row in rows]

    def put(
        self,
        bucket: str,
        key: str,
        written: Written,
        *,
        etag: str | None = None,
        content_type: str,
        metadata: Mapping[str, str],
        system: Mapping[str, str],
    ) -> StoredObject:
        """Make a written file the object ``bucket``/``key``, replacing any before it."""
        name = f"{secrets.token_hex(16)}"
        os.replace(written.path, self.root / "objects" / name)
        stored = StoredObject(
            bucket,
            key,
            written.size,
            written.sha256,
            etag or written.md5,
            content_type,
            dict(metadata),
            dict(system),
            time.time(),
            name,
        )
        with self._lock:
            old = self._conn.execute(
                "SELECT file FROM s3_objects WHERE bucket = ? AND key = ?",
                (bucket, key.encode("utf-8")),
            ).fetchone()
            self._conn.execute(
                "INSERT OR REPLACE INTO s3_objects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    bucket,
                    key.encode("utf-8"),
                    stored.size,
                    stored.sha256,
                    stored.md5_etag,
                    content_type,
                    json.dumps(stored.metadata),
                    json.dumps(stored.system),
                    stored.modified,
                    name,
                ),
            )
        if old:
            (self.root / "objects" / old[0]).unlink(missing_ok=True)
        return stored

    def delete(self, bucket: str, key: str) -> None:
        """Delete an object if it exists."""
        with self._lock:
            row = self._conn.execute(
                "DELETE FROM s3_objects WHERE bucket = ? AND key = ? RETURNING file",
                (bucket, key.encode("utf-8")),
            ).fetchone()
        if row:
            (self.root / "objects" / row[0]).unlink(missing_ok=True)

    # -- incoming bytes ---------------------------------------------------------------

    def write(self, blocks: Iterable[bytes]) -> Written:
        """Write ``blocks`` to a new temporary file; removed again if they raise."""
        path = self.root / "incoming" / secrets.token_hex(16)
        md5, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
        try:
            with path.open("wb") as out:
                for block in blocks:
                    md5.update(block)
                    sha256.update(block)
                    size += len(block)
                    out.write(block)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Written(path, size, md5.hexdigest(), sha256.hexdigest())

    @contextmanager
    def writing(self, blocks: Iterable[bytes]) -> Iterator[Written]:
        """:meth:`write`, with the file removed unless the body moved it elsewhere."""
        written = self.write(blocks)
        try:
            yield written
        finally:
            written.path.unlink(missing_ok=True)

    def blocks(self, path: Path, first: int = 0, last: int | None = None) -> Iterator[bytes]:
        """The bytes ``first``..``last`` (inclusive) of a file, in blocks.

        The file is opened at once, so an object replaced or deleted while its
        bytes are being sent still sends the bytes it had.
        """
        return _read(path.open("rb"), first, last)

    # -- multipart uploads ------------------------------------------------------------

    def start_upload(
        self,
        bucket: str,
        key: str,
        content_type: str,
        metadata: Mapping[str, str],
        system: Mapping[str, str],
    ) -> Upload:
        """Begin a multipart upload."""
        upload = Upload(
            secrets.token_urlsafe(24), bucket, key, content_type, dict(metadata), dict(system)
        )
        with self._lock:
            self._conn.execute(
                "INSERT INTO s3_uploads VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    upload.id,
                    bucket,
                    key.encode("utf-8"),
                    content_type,
                    json.dumps(upload.metadata),
                    json.dumps(upload.system),
                    time.time(),
                ),
            )
        (self.root / "parts" / upload.id).mkdir()
        return upload

    def upload(self, upload_id: str) -> Upload | None:
        """An upload in progress, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, bucket, key, content_type, metadata, system FROM s3_uploads "
                "WHERE id = ?",
                (upload_id,),
            ).fetchone()
        if row is None:
            return None
        uid, bucket, key, ctype, meta, system = row
        return Upload(
            uid, bucket, bytes(key).decode("utf-8"), ctype, json.loads(meta), json.loads(system)
        )

    def put_part(self, upload: Upload, number: int, written: Written) -> Part:
        """Keep a written file as part ``number`` of ``upload``, replacing an earlier one."""
        name = f"{number}-{secrets.token_hex(8)}"
        os.replace(written.path, self.root / "parts" / upload.id / name)
        with self._lock:
            old = self._conn.execute(
                "SELECT file FROM s3_parts WHERE upload = ? AND number = ?", (upload.id, number)
            ).fetchone()
            self._conn.execute(
                "INSERT OR REPLACE INTO s3_parts VALUES (?, ?, ?, ?, ?)",
                (upload.id, number, written.size, written.md5, name),
            )
        if old:
            (self.root / "parts" / upload.id / old[0]).unlink(missing_ok=True)
        return Part(number, written.size, written.md5, name)

    def parts(self, upload: Upload) -> dict[int, Part]:
        """The parts uploaded so far, by number."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT number, size, md5, file FROM s3_parts WHERE upload = ?", (upload.id,)
            ).fetchall()
        return {row[0]: Part(*row) for row in rows}

    def part_blocks(self, upload: Upload, parts: Iterable[Part]) -> Iterator[bytes]:
        """The bytes of ``parts`` one after another."""
        for part in parts:
            yield from self.blocks(self.root / "parts" / upload.id / part.file)

    def drop_upload(self, upload_id: str) -> None:
        """Forget an upload and its parts (completed or aborted)."""
        with self._lock:
            self._conn.execute("DELETE FROM s3_parts WHERE upload = ?", (upload_id,))
            self._conn.execute("DELETE FROM s3_uploads WHERE id = ?", (upload_id,))
        folder = self.root / "parts" / upload_id
        if folder.is_dir():
            for item in folder.iterdir():
                item.unlink(missing_ok=True)
            folder.rmdir()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()
