"""The ids and references of an archive, on disk: PORT-003 over any size in bounded memory.

Whether an id is unique, and whether a reference names a record of the right
type, is known only once the whole archive was read (a reply may come before
the post it answers). Holding every id in a dict costs memory in proportion
to the archive; :class:`IdIndex` writes them, in batches, to SQLite's private
temporary database (``sqlite3.connect("")``: a file SQLite deletes on close,
with a page cache of :data:`CACHE_KIB`), and settles both questions at the
end: building a unique index of the ids answers the first when no id repeats
(the common case), a query when one does; a second query the other. The first
record with an id is the one a reference names, as a reader taking the archive
in order would resolve it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

BATCH = 20_000
"""Rows of each table held in memory before they are written."""
CACHE_KIB = 32 * 1024
ROWS_PER_INSERT = 200
"""Rows one ``INSERT`` statement carries: one statement of many rows costs SQLite
about 0.3 µs a row, ``executemany`` 0.7 µs (a step per row). 200 rows of 4 values
stay within the lowest limit SQLite builds have on a statement's parameters (999)."""


class IdIndex:
    """Record ids (with type and line) and the references to settle against them.

    Rows are buffered flat (one list of values per table, no tuple per row:
    millions of small tuples would also wake the garbage collector).
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("")
        # journal_mode MEMORY, not OFF: the unique index of _index() may fail, and only
        # with a journal does SQLite undo that statement (without one, its schema is left
        # naming an index that is not there). All rows are written in one transaction to
        # pages that are new, which SQLite does not journal: the journal stays small.
        for pragma in ("journal_mode=MEMORY", "synchronous=OFF", f"cache_size=-{CACHE_KIB}"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE ids (id TEXT NOT NULL, kind TEXT NOT NULL, line INTEGER)")
        self._db.execute(
            "CREATE TABLE refs (line INTEGER, field TEXT, ref TEXT NOT NULL, target TEXT)"
        )
        self._ids: list[Any] = []
        self._refs: list[Any] = []
        self._indexed = False
        self._unique = False

    def add_id(self, rid: str, kind: str, line: int) -> None:
        """A record of ``kind`` with id ``rid`` at ``line``."""
        ids = self._ids
        ids += (rid, kind, line)
        if len(ids) >= 3 * BATCH:
            self._flush()

    def add_ref(self, line: int, field: str, ref: str, target: str) -> None:
        """``field`` of the record at ``line`` names ``ref``, which must be a ``target``."""
        refs = self._refs
        refs += (line, field, ref, target)
        if len(refs) >= 4 * BATCH:
            self._flush()

    def duplicates(self, limit: int) -> tuple[list[tuple[int, str]], int]:
        """(line, id) of each record whose id an earlier record has, by line: the first
        ``limit`` of them, and how many there are."""
        self._index()
        if self._unique:  # the index SQLite built as unique says it: there are none
            return [], 0
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
        _insert(self._db, "ids", 3, self._ids)
        _insert(self._db, "refs", 4, self._refs)

    def _index(self) -> None:
        """Index the ids once, after the last one (one sort beats a b-tree kept all along).

        Tried as a unique index first: in a conformant archive no id repeats, and then
        building the index has answered :meth:`duplicates` without a query. Only when
        SQLite refuses it is the index of (id, line) built that finds them.
        """
        self._flush()
        if self._indexed:
            return
        self._indexed = True
        try:
            self._db.execute("CREATE UNIQUE INDEX ids_by_id ON ids (id)")
            self._unique = True
        except sqlite3.IntegrityError:
            self._db.execute("CREATE INDEX ids_by_id ON ids (id, line)")


def _insert(db: sqlite3.Connection, table: str, width: int, values: list[Any]) -> None:
    """Write ``values`` (rows of ``width`` values, flat) to ``table`` and empty the list."""
    step = width * ROWS_PER_INSERT
    whole = len(values) - len(values) % step
    if whole:
        statement = _insert_statement(table, width, ROWS_PER_INSERT)
        for start in range(0, whole, step):
            db.execute(statement, values[start : start + step])
    if whole < len(values):
        rows = (len(values) - whole) // width
        db.execute(_insert_statement(table, width, rows), values[whole:])
    values.clear()


def _insert_statement(table: str, width: int, rows: int) -> str:
    row = "(" + ", ".join("?" * width) + ")"
    return f"INSERT INTO {table} VALUES " + ", ".join([row] * rows)
