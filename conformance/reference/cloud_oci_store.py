"""The registry's storage: content-addressed files and a small SQLite index.

Blob and manifest bytes live once, under ``<data dir>/oci/blobs/<alg>/<hex>``,
whatever repositories hold them; which repository holds which blob, manifest
and tag (and which account owns a repository) is in ``oci.sqlite3``. Upload
sessions are files under ``oci/uploads`` kept in memory by id: they do not
outlive the platform, as a registry may expire them.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS repositories (name TEXT PRIMARY KEY, owner TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blob_links (
    repo TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (repo, digest)
);
CREATE TABLE IF NOT EXISTS manifests (
    repo TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
    sha256 TEXT NOT NULL, PRIMARY KEY (repo, digest)
);
CREATE TABLE IF NOT EXISTS tags (
    repo TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (repo, tag)
);
"""

ALGORITHMS: Final = {"sha256": 64, "sha512": 128}
"""Digest algorithms the registry verifies, with the length of their hex encoding."""


def digest_of(data: bytes, algorithm: str = "sha256") -> str:
    """``<algorithm>:<hex>`` of ``data``."""
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


@dataclass(frozen=True)
class StoredManifest:
    """One manifest of one repository."""

    repo: str
    digest: str
    media_type: str
    size: int
    sha256: str
    """Hex SHA-256 of the bytes, whatever algorithm ``digest`` uses."""


@dataclass
class Upload:
    """An upload session: bytes received so far into a file of their own."""

    id: str
    repo: str
    owner: str
    path: Path
    size: int = 0


class RegistryStore:
    """Repositories, blobs, manifests and tags; one lock around the index."""

    def __init__(self, root: Path) -> None:
        self._root = root
        (root / "uploads").mkdir(parents=True, exist_ok=True)
        for stale in (root / "uploads").iterdir():  # sessions of an earlier run, now unknown
            stale.unlink(missing_ok=True)
        for algorithm in ALGORITHMS:
            (root / "blobs" / algorithm).mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            root / "oci.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._conn.executescript(_SCHEMA)
        self._uploads: dict[str, Upload] = {}

    # -- content ---------------------------------------------------------------------

    def content_path(self, digest: str) -> Path:
        """Where the bytes of ``digest`` (already validated) are kept."""
        algorithm, _, hex_part = digest.partition(":")
        return self._root / "blobs" / algorithm / hex_part

    def put_content(self, digest: str, data: bytes) -> None:
        """Keep ``data`` under its digest (written whole, then renamed into place)."""
        path = self.content_path(digest)
        if path.exists():
            return
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    def read_content(self, digest: str) -> bytes:
        """The bytes of ``digest``."""
        return self.content_path(digest).read_bytes()

    # -- repositories ----------------------------------------------------------------

    def owner(self, repo: str) -> str | None:
        """The account that owns ``repo``, or None if nothing was ever pushed to it."""
        with self._lock:
            row = self._conn.execute(
                "SELECT owner FROM repositories WHERE name = ?", (repo,)
            ).fetchone()
        return str(row[0]) if row else None

    def claim(self, repo: str, account: str) -> str:
        """Make ``account`` the owner of ``repo`` unless it has one; return the owner.

        A repository created anonymously (owner ``""``, in the ``open`` login
        mode) is adopted by the first account that pushes to it with credentials.
        """
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO repositories VALUES (?, ?)", (repo, account))
            if account:
                self._conn.execute(
                    "UPDATE repositories SET owner = ? WHERE name = ? AND owner = ''",
                    (account, repo),
                )
            row = self._conn.execute(
                "SELECT owner FROM repositories WHERE name = ?", (repo,)
            ).fetchone()
        return str(row[0])

    def repositories_of(self, account: str) -> list[str]:
        """The repositories ``account`` owns, sorted."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT name FROM repositories WHERE owner = ? ORDER BY name", (account,)
            ).fetchall()
        return [str(r[0]) for r in rows]

    # -- blobs -----------------------------------------------------------------------

    def link_blob(self, repo: str, digest: str, size: int) -> None:
        """Make a stored blob part of ``repo``."""
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO blob_links VALUES (?, ?, ?)", (repo, digest, size)
            )

    def blob_size(self, repo: str, digest: str) -> int | None:
        """The size of a blob of ``repo``, or None if the repository does not hold it."""
        with self._lock:
            row = self._conn.execute(
                "SELECT size FROM blob_links WHERE repo = ? AND digest = ?", (repo, digest)
            ).fetchone()
        return int(row[0]) if row else None

    def unlink_blob(self, repo: str, digest: str) -> bool:
        """Remove a blob from ``repo`` (its bytes stay for other repositories)."""
        with self._lock:
            cursor = self._conn.execute(
                "DELETE FROM blob_links WHERE repo = ? AND digest = ?", (repo, digest)
            )
        return cursor.rowcount > 0

    # -- manifests and tags ----------------------------------------------------------

    def put_manifest(self, manifest: StoredManifest, data: bytes, tag: str | None) -> None:
        """Store a manifest's bytes and index it, tagging it if ``tag`` is given."""
        self.put_content(manifest.digest, data)
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO manifests VALUES (?, ?, ?, ?, ?)",
                (
                    manifest.repo,
                    manifest.digest,
                    manifest.media_type,
                    manifest.size,
                    manifest.sha256,
                ),
            )
            if tag is not None:
                self._conn.execute(
                    "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)",
                    (manifest.repo, tag, manifest.digest),
                )

    def manifest(self, repo: str, reference: str) -> StoredManifest | None:
        """A manifest of ``repo`` by digest or by tag."""
        with self._lock:
            if ":" not in reference:
                row = self._conn.execute(
                    "SELECT digest FROM tags WHERE repo = ? AND tag = ?", (repo, reference)
                ).fetchone()
                if row is None:
                    return None
                reference = str(row[0])
            row = self._conn.execute(
                "SELECT repo, digest, media_type, size, sha256 FROM manifests "
                "WHERE repo = ? AND digest = ?",
                (repo, reference),
            ).fetchone()
        return StoredManifest(*row) if row else None

    def manifests_of(self, repo: str) -> list[StoredManifest]:
        """Every manifest of ``repo``, by digest."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT repo, digest, media_type, size, sha256 FROM manifests "
                "WHERE repo = ? ORDER BY digest",
                (repo,),
            ).fetchall()
        return [StoredManifest(*row) for row in rows]

    def tags(self, repo: str) -> list[str]:
        """The tags of ``repo`` in lexical order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT tag FROM tags WHERE repo = ? ORDER BY tag", (repo,)
            ).fetchall()
        return [str(r[0]) for r in rows]

    def delete_manifest(self, repo: str, reference: str) -> bool:
        """Delete a manifest by digest (with its tags) or a tag alone."""
        with self._lock:
            if ":" not in reference:
                cursor = self._conn.execute(
                    "DELETE FROM tags WHERE repo = ? AND tag = ?", (repo, reference)
                )
                return cursor.rowcount > 0
            self._conn.execute("DELETE FROM tags WHERE repo = ? AND digest = ?", (repo, reference))
            cursor = self._conn.execute(
                "DELETE FROM manifests WHERE repo = ? AND digest = ?", (repo, reference)
            )
        return cursor.rowcount > 0

    # -- uploads ---------------------------------------------------------------------

    def start_upload(self, repo: str, owner: str) -> Upload:
        """Open an empty upload session."""
        upload_id = secrets.token_hex(16)
        path = self._root / "uploads" / upload_id
        path.write_bytes(b"")
        upload = Upload(upload_id, repo, owner, path)
        with self._lock:
            self._uploads[upload_id] = upload
        return upload

    def upload(self, upload_id: str) -> Upload | None:
        """An open session by id."""
        with self._lock:
            return self._uploads.get(upload_id)

    def append(self, upload: Upload, chunks: Iterator[bytes]) -> None:
        """Append a request body to a session."""
        with upload.path.open("ab") as handle:
            for chunk in chunks:
                handle.write(chunk)
                upload.size += len(chunk)

    def finish_upload(self, upload: Upload, digest: str) -> bool:
        """Close a session: keep its bytes under ``digest`` if they hash to it.

        Returns whether they did; either way the session is gone.
        """
        with self._lock:
            self._uploads.pop(upload.id, None)
        algorithm = digest.partition(":")[0]
        hasher = hashlib.new(algorithm)
        with upload.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
        if f"{algorithm}:{hasher.hexdigest()}" != digest:
            upload.path.unlink(missing_ok=True)
            return False
        target = self.content_path(digest)
        if target.exists():
            upload.path.unlink(missing_ok=True)
        else:
            os.replace(upload.path, target)
        self.link_blob(upload.repo, digest, upload.size)
        return True

    def cancel_upload(self, upload: Upload) -> None:
        """Drop a session and its bytes."""
        with self._lock:
            self._uploads.pop(upload.id, None)
        upload.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the index."""
        with self._lock:
            self._conn.close()
