"""PORT-003: whether an exported archive follows ``port/1.0``, line by line.

Pure: it looks at a parsed archive and answers with mismatches, so every
rule is unit-tested without a platform. The editorial choices it applies are
those of the PORT spec's description (PORT-003).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from conformance._harness.errors import Mismatch
from conformance._harness.schemas import ComponentSchemas
from conformance.port.archive import Archive

RECORD_TYPES = ("Profile", "Post", "Contact", "Order", "Review", "Media")
# Which record type each reference field must point to.
REFERENCES: Mapping[str, tuple[str, str]] = {
    "avatar_media_id": ("Profile", "Media"),
    "media_ids": ("Post", "Media"),
    "in_reply_to": ("Post", "Post"),
}


def archive_mismatches(archive: Archive, schemas: ComponentSchemas, subject: str) -> list[Mismatch]:
    """Every way the archive breaks ``port/1.0``: manifest, records, ids, references."""
    out = _manifest(archive, schemas, subject)
    first = 2 if archive.manifest is not None else 1
    lines = archive.record_lines or list(range(first, first + len(archive.records)))
    types: dict[str, str] = {}
    for line, record in zip(lines, archive.records, strict=True):
        kind = record.get("type")
        if kind not in RECORD_TYPES:
            out.append(
                Mismatch(
                    f"line {line} $.type",
                    f"one of {', '.join(RECORD_TYPES)}",
                    kind,
                    "every line after the manifest is a record of a type port/1.0 defines",
                )
            )
            continue
        out += [
            replace(m, path=f"line {line} ({kind}) {m.path}")
            for m in schemas.check("PORT", str(kind), record)
        ]
        rid = record.get("id")
        if isinstance(rid, str):
            if rid in types:
                out.append(Mismatch(f"line {line} $.id", "an id no other record has", rid))
            types.setdefault(rid, str(kind))
    out += _references(archive, lines, types)
    profiles = sum(1 for r in archive.records if r.get("type") == "Profile")
    if profiles != 1:
        out.append(Mismatch("$", "exactly one Profile record", profiles))
    return out


def _manifest(archive: Archive, schemas: ComponentSchemas, subject: str) -> list[Mismatch]:
    manifest = archive.manifest
    if manifest is None:
        return [Mismatch("line 1", "the Manifest", "a record or nothing")]
    out = [replace(m, path=f"line 1 {m.path}") for m in schemas.check("PORT", "Manifest", manifest)]
    counts: Any = manifest.get("counts")
    if isinstance(counts, dict):
        present = Counter(str(r.get("type")) for r in archive.records)
        # Keys that are not record types are the platform's own (C5): ignored.
        for kind in RECORD_TYPES:
            if counts.get(kind, 0) != present.get(kind, 0):
                out.append(
                    Mismatch(
                        f"line 1 $.counts.{kind}",
                        present.get(kind, 0),
                        counts.get(kind, 0),
                        "records of that type present",
                    )
                )
    if manifest.get("subject") != subject:
        out.append(
            Mismatch("line 1 $.subject", subject, manifest.get("subject"), "the user exported")
        )
    return out


def _references(archive: Archive, lines: list[int], types: Mapping[str, str]) -> list[Mismatch]:
    out = []
    for line, record in zip(lines, archive.records, strict=True):
        for field, (owner, target) in REFERENCES.items():
            if record.get("type") != owner:
                continue
            value = record.get(field)
            for ref in value if isinstance(value, list) else [value]:
                if ref is not None and types.get(ref) != target:
                    out.append(
                        Mismatch(
                            f"line {line} $.{field}",
                            f"the id of a {target} in this archive",
                            ref,
                            f"it names {types.get(ref, 'no record')}",
                        )
                    )
    return out
