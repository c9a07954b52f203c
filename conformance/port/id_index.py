"""The ids and references of an archive, on disk: PORT-003 over any size in bounded memory.

Whether an id is unique, and whether a reference names a record of the right
type, is known only once the whole archive was read (a reply may come before
the post it answers). Holding every id in a dict costs memory in proportion
to the archive; :class:`IdIndex` writes them, in batches, to SQLite's private
temporary database (``sqlite3.connect("")``: a file SQLite deletes on close,
with a page cache of :data:`CACHE_KIB`), and settles both questions with two
queries at the end. The first record with an id is the one a reference names,
as a reader taking the archive in order would resolve it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

BATCH = 20_000
CACHE_KIB = 32 * 1024


class IdIndex:
    """Record ids (with type and line) and the references to settle against them."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE ids (id TEXT NOT NULL, kind TEXT NOT NULL, line INTEGER)")
        self._db.execute(
            "CREATE TABLE refs (line INTEGER, field TEXT, ref TEXT NOT NULL, target TEXT)"
        )
        self._ids: list[tuple[str, str, int]] = []
        self._refs: list[tuple[int, str, str, str]] = []
        self._indexed = False

    def add_id(self, rid: str, kind: str, line: int) -> None:
        """A record of ``kind`` with id ``rid`` at ``line``."""
        self._ids.append((rid, kind, line))
        if len(self._ids) >= BATCH:
            self._flush()

    def add_ref(self, line: int, field: str, ref: str, target: str) -> None:
        """``field`` of the record at ``line`` names ``ref``, which must be a ``target``."""
        self._refs.append((line, field, ref, target))
        if len(self._refs) >= BATCH:
            self._flush()

    def duplicates(self, limit: int) -> tuple[list[tuple[int, str]], int]:
        """(line, id) of each record whose id an earlier record has, by line: the first
        ``limit`` of them, and how many there are."""
        self._index()
        query = (
            "FROM ids a JOIN (SELECT id, MIN(line) AS first FROM ids GROUP BY id "
            "HAVING COUNT(*) > 1) d ON a.id = d.id AND a.line > d.first"
        )
        rows = self._db.execute(
            f"SELECT a.line, a.id {query} ORDER BY a.line LIMIT ?", (limit,)
        ).fetchall()
        return rows, self._total(query, rows, limit)

    def unresolved(self, limit: int) -> tuple[list[tuple[int, str, str, str, str | None]], int]:
        """(line, field, ref, target, what it names) of each reference not naming a
        ``target``, in the order they were added: the first ``limit``, and how many."""
        self._index()
        query = (
            "FROM (SELECT rowid AS n, line, field, ref, target, (SELECT kind FROM ids WHERE "
            "ids.id = refs.ref ORDER BY ids.line LIMIT 1) AS named FROM refs) "
            "WHERE named IS NOT target"
        )
        rows = self._db.execute(
            f"SELECT line, field, ref, target, named {query} ORDER BY n LIMIT ?", (limit,)
        ).fetchall()
        return rows, self._total(query, rows, limit)

    def _total(self, query: str, rows: list[Any], limit: int) -> int:
        if len(rows) < limit:
            return len(rows)
        (count,) = self._db.execute(f"SELECT COUNT(*) {query}").fetchone()
        return int(count)

    def close(self) -> None:
        """Drop the database (SQLite deletes its file)."""
        self._db.close()

    def _flush(self) -> None:
        if self._ids:
            self._db.executemany("INSERT INTO ids VALUES (?, ?, ?)", self._ids)
            self._ids.clear()
        if self._refs:
            self._db.executemany("INSERT INTO refs VALUES (?, ?, ?, ?)", self._refs)
            self._refs.clear()

    def _index(self) -> None:
        """Index the ids once, after the last one (one sort beats a b-tree kept all along)."""
        self._flush()
        if not self._indexed:
            self._db.execute("CREATE INDEX ids_by_id ON ids (id, line)")
            self._indexed = True
