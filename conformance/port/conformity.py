"""PORT-003: whether an exported archive follows ``port/1.0``, line by line.

Pure: it looks at records and answers with mismatches, so every rule is
unit-tested without a platform. The editorial choices it applies are those of
the PORT spec's description (PORT-003).

:class:`ArchiveCheck` reads an archive as it streams (one record at a time)
with memory bounded whatever the archive's size: ids and references, which
only the whole archive can settle (a reply may name a later post), go to an
on-disk index (:mod:`conformance.port.id_index`); at most
:data:`MISMATCHES_KEPT` rows are kept, the rest counted.
:func:`archive_mismatches` runs it over an archive already held.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from conformance._harness.errors import Mismatch
from conformance._harness.schemas import ComponentSchemas
from conformance.port.archive import MANIFEST_TYPE, Archive, JsonObject
from conformance.port.id_index import IdIndex

RECORD_TYPES = ("Profile", "Post", "Contact", "Order", "Review", "Media")
# Which record type each reference field must point to.
REFERENCES: Mapping[str, tuple[str, str]] = {
    "avatar_media_id": ("Profile", "Media"),
    "media_ids": ("Post", "Media"),
    "in_reply_to": ("Post", "Post"),
}
_REFERENCES_OF: Mapping[str, tuple[tuple[str, str], ...]] = {
    owner: tuple((f, t) for f, (o, t) in REFERENCES.items() if o == owner)
    for owner in {o for o, _ in REFERENCES.values()}
}
"""Per record type, its reference fields and the type each must name."""
_RECORD_TYPES = frozenset(RECORD_TYPES)
MISMATCHES_KEPT = 1000
"""Rows a finding keeps; a broken export of millions of records is told by the first."""


def archive_mismatches(archive: Archive, schemas: ComponentSchemas, subject: str) -> list[Mismatch]:
    """Every way the archive breaks ``port/1.0``: manifest, records, ids, references."""
    first = 2 if archive.manifest is not None else 1
    lines = archive.record_lines or list(range(first, first + len(archive.records)))
    with ArchiveCheck(schemas, subject) as check:
        check.manifest = archive.manifest
        for line, record in zip(lines, archive.records, strict=True):
            check.record(line, record)
        return check.mismatches()


class ArchiveCheck:
    """PORT-003 over an archive given one line at a time (:meth:`add`), in order.

    Use it as a context manager (the id index is a temporary file); call
    :meth:`mismatches` once every line was added.
    """

    def __init__(self, schemas: ComponentSchemas, subject: str) -> None:
        self._schemas = schemas
        self._subject = subject
        self.manifest: JsonObject | None = None
        self.records = 0
        self.counts: Counter[str] = Counter()
        """Records per type ``port/1.0`` defines (the manifest's counts are held to it)."""
        self._rows: list[tuple[int, Mismatch]] = []
        """A record's own rows (type, schema), by line."""
        self._references: list[tuple[int, Mismatch]] = []
        """References that are not strings, so name no record whatever the archive holds."""
        self._dropped = 0
        self._index = IdIndex()

    def __enter__(self) -> ArchiveCheck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the id index."""
        self._index.close()

    def add(self, line: int, obj: JsonObject) -> None:
        """One decoded line: the manifest if it is line 1, else a record (as ``Archive.add``)."""
        if line == 1 and obj.get("type") == MANIFEST_TYPE:
            self.manifest = obj
        else:
            self.record(line, obj)

    def record(self, line: int, record: JsonObject) -> None:
        """Check one record; its id and references are settled by :meth:`mismatches`."""
        self.records += 1
        kind = record.get("type")
        if not isinstance(kind, str) or kind not in _RECORD_TYPES:
            self._keep(
                line,
                Mismatch(
                    f"line {line} $.type",
                    f"one of {', '.join(RECORD_TYPES)}",
                    kind,
                    "every line after the manifest is a record of a type port/1.0 defines",
                ),
            )
            return
        self.counts[kind] += 1
        rows = self._schemas.check("PORT", kind, record)
        if rows:
            for m in rows:
                self._keep(line, replace(m, path=f"line {line} ({kind}) {m.path}"))
        rid = record.get("id")
        if isinstance(rid, str):
            self._index.add_id(rid, kind, line)
        references = _REFERENCES_OF.get(kind)
        if references:
            self._add_references(line, record, references)

    def _add_references(
        self, line: int, record: JsonObject, references: tuple[tuple[str, str], ...]
    ) -> None:
        """Index each reference of the record; one that is not a string names no record."""
        for field, target in references:
            value = record.get(field)
            if isinstance(value, str):  # the common case first: one id
                self._index.add_ref(line, field, value, target)
                continue
            for ref in value if isinstance(value, list) else [value]:
                if ref is None:
                    continue
                if isinstance(ref, str):
                    self._index.add_ref(line, field, ref, target)
                else:  # no id is anything but a string: it names no record
                    self._keep(line, _dangling(line, field, target, ref, None), self._references)

    def _keep(
        self, line: int, row: Mismatch, into: list[tuple[int, Mismatch]] | None = None
    ) -> None:
        kept = self._rows if into is None else into
        if len(self._rows) + len(self._references) < MISMATCHES_KEPT:
            kept.append((line, row))
        else:
            self._dropped += 1

    def mismatches(self) -> list[Mismatch]:
        """Every mismatch found: manifest, records (ids included), references, the Profile."""
        rows = [(line, 0, row) for line, row in self._rows]
        duplicates, total = self._index.duplicates(MISMATCHES_KEPT)
        dropped = self._dropped + total - len(duplicates)
        for line, rid in duplicates:
            rows.append((line, 1, Mismatch(f"line {line} $.id", "an id no other record has", rid)))
        rows.sort(key=lambda t: (t[0], t[1]))  # a record's own rows, then its duplicate id
        references = list(self._references)
        unresolved, total = self._index.unresolved(MISMATCHES_KEPT)
        dropped += total - len(unresolved)
        for line, field, ref, target, named in unresolved:
            references.append((line, _dangling(line, field, target, ref, named)))
        references.sort(key=lambda t: t[0])
        out = self._manifest() + [r for _, _, r in rows] + [r for _, r in references]
        if self.counts["Profile"] != 1:
            out.append(Mismatch("$", "exactly one Profile record", self.counts["Profile"]))
        return _capped(out, dropped)

    def _manifest(self) -> list[Mismatch]:
        manifest = self.manifest
        if manifest is None:
            return [Mismatch("line 1", "the Manifest", "a record or nothing")]
        out = [
            replace(m, path=f"line 1 {m.path}")
            for m in self._schemas.check("PORT", "Manifest", manifest)
        ]
        counts: Any = manifest.get("counts")
        if isinstance(counts, dict):
            # Keys that are not record types are the platform's own (C5): ignored.
            for kind in RECORD_TYPES:
                if counts.get(kind, 0) != self.counts.get(kind, 0):
                    out.append(
                        Mismatch(
                            f"line 1 $.counts.{kind}",
                            self.counts.get(kind, 0),
                            counts.get(kind, 0),
                            "records of that type present",
                        )
                    )
        if manifest.get("subject") != self._subject:
            out.append(
                Mismatch(
                    "line 1 $.subject", self._subject, manifest.get("subject"), "the user exported"
                )
            )
        return out


def _dangling(line: int, field: str, target: str, ref: Any, named: str | None) -> Mismatch:
    return Mismatch(
        f"line {line} $.{field}",
        f"the id of a {target} in this archive",
        ref,
        f"it names {named or 'no record'}",
    )


def _capped(rows: list[Mismatch], dropped: int) -> list[Mismatch]:
    if len(rows) <= MISMATCHES_KEPT and not dropped:
        return rows
    more = max(0, len(rows) - MISMATCHES_KEPT) + dropped
    return [
        *rows[:MISMATCHES_KEPT],
        Mismatch("$", "no further mismatch", f"{more} more not listed", "the first are shown"),
    ]
