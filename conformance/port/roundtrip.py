"""Import an archive, export the account, and pair what went in with what came out."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance._harness.errors import Finding, Mismatch
from conformance._harness.target import Role
from conformance.port.client import Export, PortClient
from conformance.port.equality import FIELD_RULES, Kind, compare_records
from conformance.port.strategies import ArchiveBatch, GeneratedArchive


@dataclass
class RoundTrip:
    """What one import-then-export cycle produced."""

    generated: GeneratedArchive
    import_job: Mapping[str, Any]
    export: Export
    differences: list[Mismatch]
    """Rows of :func:`~conformance.port.equality.compare_records` (subject: the archive id)."""


def import_and_export(port: PortClient, role: Role, generated: GeneratedArchive) -> RoundTrip:
    """Upload media, import, export, compare; then remove what the suite added."""
    return import_and_export_batch(port, role, ArchiveBatch((generated,)))[0]


def import_and_export_batch(port: PortClient, role: Role, batch: ArchiveBatch) -> list[RoundTrip]:
    """Import every archive of the batch, export once, compare each; then clean up.

    One export for the whole batch: the account's next export must hold
    every record of every import (PORT-004), so nothing is lost by it.
    """
    jobs: list[tuple[GeneratedArchive, Mapping[str, Any]]] = []
    try:
        for generated in batch.archives:
            port.put_media(role, generated.media)
            job = port.import_archive(role, generated.body())
            jobs.append((generated, job))
            _refuse_rejections(job)
        export = port.export(role)
    finally:
        for generated, job in jobs:
            cleanup(port, role, generated.records, job.get("id_map") or {})
    port.delete_export(role, export.location)
    assert export.archive is not None
    return [
        RoundTrip(
            generated,
            job,
            export,
            compare_records(generated.records, export.archive.records, job.get("id_map") or {}),
        )
        for generated, job in jobs
    ]


def _refuse_rejections(job: Mapping[str, Any]) -> None:
    rejected = [r for r in job.get("rejected") or [] if isinstance(r, dict)]
    if rejected:
        raise Finding(
            f"the platform rejected {len(rejected)} valid line(s) of a generated archive",
            mismatches=[
                Mismatch(f"line {r.get('line')}", "imported", r.get("code"), str(r.get("detail")))
                for r in rejected[:20]
            ],
        )


def cleanup(
    port: PortClient, role: Role, records: Sequence[Mapping[str, Any]], id_map: Mapping[str, str]
) -> None:
    """Delete what an import added (the Profile cannot be deleted; it stays replaced)."""
    for record in records:
        if record.get("type") != "Profile" and record.get("id") in id_map:
            port.probe.delete(f"/port/v1/records/{id_map[record['id']]}", role=role, validate=False)


def of_kind(
    differences: Sequence[Mismatch], records: Sequence[Mapping[str, Any]], kind: Kind
) -> list[Mismatch]:
    """The differences in fields of one kind (text fields are ``Kind.EXACT`` strings)."""
    types = {r.get("id"): r.get("type") for r in records}
    out = []
    for d in differences:
        field = re.sub(r"\[\d+\]", "[]", d.path.removeprefix("$.")).split(".", 1)
        name = (
            field[0] if len(field) == 1 or not field[0].endswith("[]") else f"{field[0]}.{field[1]}"
        )
        rules = FIELD_RULES.get(str(types.get(d.subject)), {})
        if rules.get(name) is kind and (kind is not Kind.EXACT or isinstance(d.expected, str)):
            out.append(d)
    return out


def fail_on(differences: Sequence[Mismatch], what: str) -> None:
    """Raise a finding listing the differences, if any."""
    if differences:
        raise Finding(f"{what}: {len(differences)} difference(s)", mismatches=differences)
