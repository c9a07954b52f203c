"""The PORT operations as the checks use them, on top of the probe.

Each method does one protocol step and turns a broken answer into a
``Finding`` that says what was expected and what arrived; the requirement in
force is the check's. Exports are budgeted per account, because a platform
may allow as few as four a day (PORT-007).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume

from conformance.claims import Claims
from conformance.errors import Finding, Mismatch
from conformance.port.archive import Archive, ArchiveFormatError, Line, NdjsonReader, parse_line
from conformance.probe import Probe, Response
from conformance.target import Role

SUITE_EXPORT_CEILING = 600.0  # seconds, whatever the platform declares (COMMON C1)
SUITE_EXPORT_FLOOR = 4  # PORT: port.exports_per_day is at least 4
_BUDGET_RESERVE = 1


@dataclass
class PartCheck:
    """One part as declared and as downloaded."""

    url: str
    declared_size: Any
    declared_sha256: Any
    size: int = 0
    sha256: str = ""
    status: int = 0
    exchange: str = ""

    def mismatches(self, index: int) -> list[Mismatch]:
        """Where the download differs from the declaration."""
        out = []
        if self.status != 200:
            out.append(Mismatch(f"$.parts[{index}]", "status 200", self.status, f"GET {self.url}"))
        if self.declared_size != self.size:
            out.append(
                Mismatch(f"$.parts[{index}].size", self.declared_size, self.size, "bytes received")
            )
        if self.declared_sha256 != self.sha256:
            out.append(
                Mismatch(
                    f"$.parts[{index}].sha256",
                    self.declared_sha256,
                    self.sha256,
                    "SHA-256 of the bytes received",
                )
            )
        return out


@dataclass
class Export:
    """A ready export job, its parts as downloaded and the archive they make."""

    job: Mapping[str, Any]
    location: str
    seconds_to_ready: float
    parts: list[PartCheck] = field(default_factory=list)
    archive: Archive | None = None
    format_errors: list[ArchiveFormatError] = field(default_factory=list)


@dataclass
class ExportBudget:
    """How many more exports the suite may create for each account today."""

    per_day: int
    used: dict[str, int] = field(default_factory=dict)
    listed_at_start: dict[str, int] = field(default_factory=dict)

    def left(self, user: str) -> int:
        """Exports still allowed for this user, keeping a reserve."""
        return (
            self.per_day
            - self.listed_at_start.get(user, 0)
            - self.used.get(user, 0)
            - _BUDGET_RESERVE
        )


class PortClient:
    """PORT operations for one check."""

    def __init__(self, probe: Probe, claims: Claims, budget: ExportBudget) -> None:
        self.probe = probe
        self.claims = claims
        self.budget = budget

    # -- limits ------------------------------------------------------------------------------

    def export_ceiling(self) -> float:
        """Seconds an export may take: the platform's promise, capped by the suite's."""
        declared = self.claims.limits().get("port.max_export_seconds")
        if isinstance(declared, (int, float)) and not isinstance(declared, bool) and declared > 0:
            return min(float(declared), SUITE_EXPORT_CEILING)
        return SUITE_EXPORT_CEILING

    # -- exports -----------------------------------------------------------------------------

    def create_export(self, role: Role) -> tuple[Response, float]:
        """POST an export; returns the 202 response and the time it was sent."""
        self._spend(role)
        sent = time.monotonic()
        response = self.probe.post("/port/v1/exports", role=role)
        if response.status != 202:
            raise Finding(
                f"POST /port/v1/exports answered {response.status}, expected 202",
                evidence=[response.exchange],
            )
        if not response.headers.get("Location"):
            raise Finding(
                "POST /port/v1/exports answered 202 without a Location header",
                evidence=[response.exchange],
            )
        return response, sent

    def wait_ready(self, role: Role, location: str, sent: float) -> tuple[Mapping[str, Any], float]:
        """Poll the job until ``ready``; a failure or the ceiling is a finding."""
        ceiling = self.export_ceiling()
        delay = 0.05
        while True:
            job = self.job(role, location)
            elapsed = time.monotonic() - sent
            status = job.get("status")
            if status == "ready":
                if elapsed > ceiling:
                    raise Finding(
                        f"the export became ready after {elapsed:.1f} s, past the "
                        f"{ceiling:.0f} s allowed (port.max_export_seconds / suite ceiling)"
                    )
                return job, elapsed
            if status == "failed":
                raise Finding(f"the export failed: {job.get('error')!r}")
            if elapsed > ceiling:
                raise Finding(
                    f"the export was still {status!r} after {elapsed:.1f} s; it must be ready "
                    f"within {ceiling:.0f} s (port.max_export_seconds / suite ceiling)"
                )
            time.sleep(min(delay, max(0.0, ceiling - elapsed) + 0.01))
            delay = min(delay * 1.6, 2.0)

    def job(self, role: Role, location: str) -> Mapping[str, Any]:
        """GET an export job (validated against the spec)."""
        response = self.probe.get(location, role=role)
        if response.status != 200:
            raise Finding(
                f"GET {location} answered {response.status}, expected 200",
                evidence=[response.exchange],
            )
        body = response.json()
        if not isinstance(body, dict):
            raise Finding(
                f"GET {location}: the job is not a JSON object", evidence=[response.exchange]
            )
        return body

    def export(self, role: Role, *, download: bool = True) -> Export:
        """Create an export, wait for it, and (by default) download its archive."""
        response, sent = self.create_export(role)
        location = self.probe.url(response.headers["Location"], base=response.url)
        job, elapsed = self.wait_ready(role, location, sent)
        export = Export(job, location, elapsed)
        if download:
            self.download(role, export)
        return export

    def download(self, role: Role, export: Export) -> None:
        """Stream every part through one reader: bounded memory, per-part hashes."""
        reader = NdjsonReader()
        archive = Archive(None, [], [])
        for part in _parts(export.job):
            url = self.probe.url(str(part.get("url", "")), base=export.location)
            check = PartCheck(url, part.get("size"), part.get("sha256"))
            with self.probe.stream(url, role=role) as stream:
                check.status = stream.status
                check.exchange = stream.exchange
                digest = _Digest()
                for chunk in stream.chunks:
                    digest.add(chunk)
                    if stream.status == 200:
                        for line in reader.feed(chunk):
                            _take(line, archive, export)
            check.size, check.sha256 = digest.size, digest.hexdigest()
            export.parts.append(check)
        for line in reader.close():
            _take(line, archive, export)
        export.archive = archive

    def delete_export(self, role: Role, location: str) -> None:
        """Delete an export job; cleanup, so its outcome is not judged."""
        self.probe.delete(location, role=role, validate=False)

    def list_exports(self, role: Role) -> list[Mapping[str, Any]]:
        """The jobs ``GET /port/v1/exports`` lists."""
        response = self.probe.get("/port/v1/exports", role=role)
        if response.status != 200:
            raise Finding(
                f"GET /port/v1/exports answered {response.status}", evidence=[response.exchange]
            )
        return [j for j in response.json().get("exports", []) if isinstance(j, dict)]

    def recent_exports(self, role: Role) -> int:
        """How many listed exports were created in the last 24 hours."""
        since = datetime.now(UTC) - timedelta(hours=24)
        return sum(1 for j in self.list_exports(role) if _after(j.get("created_at"), since))

    def _spend(self, role: Role) -> None:
        user = role.user
        if user not in self.budget.listed_at_start:
            self.budget.listed_at_start[user] = self.recent_exports(role)
        if self.budget.left(user) <= 0:
            # Inside a property this rejects the example instead of exhausting the
            # platform's quota while shrinking; outside one it is an error.
            assume(False)
        self.budget.used[user] = self.budget.used.get(user, 0) + 1

    # -- media and imports ---------------------------------------------------------------------

    def put_media(self, role: Role, media: Mapping[str, bytes]) -> None:
        """Upload media bytes by their hash; 200 and 201 both mean stored."""
        for sha, data in media.items():
            response = self.probe.put(
                f"/port/v1/media/{sha}",
                role=role,
                content=data,
                content_type="application/octet-stream",
            )
            if response.status not in (200, 201):
                raise Finding(
                    f"PUT /port/v1/media/{sha[:12]}… answered {response.status}, expected "
                    "200 or 201",
                    evidence=[response.exchange],
                )

    def import_archive(self, role: Role, body: bytes) -> Mapping[str, Any]:
        """POST an archive and wait for the import to complete; returns the import job."""
        response = self.probe.post(
            "/port/v1/imports", role=role, content=body, content_type="application/x-ndjson"
        )
        if response.status != 202 or not response.headers.get("Location"):
            raise Finding(
                f"POST /port/v1/imports answered {response.status} "
                f"(Location {response.headers.get('Location')!r}); expected 202 with Location",
                evidence=[response.exchange],
            )
        location = self.probe.url(response.headers["Location"], base=response.url)
        delay = 0.05
        while True:
            job_response = self.probe.get(location, role=role)
            if job_response.status != 200:
                raise Finding(
                    f"GET {location} answered {job_response.status}",
                    evidence=[job_response.exchange],
                )
            job = job_response.json()
            if job.get("status") in ("completed", "failed"):
                return job  # type: ignore[no-any-return]
            if self.probe.remaining() < 1:
                raise Finding(
                    f"the import was still {job.get('status')!r} at the check's time limit"
                )
            time.sleep(delay)
            delay = min(delay * 1.6, 2.0)

    def delete_record(self, role: Role, record_id: str) -> Response:
        """DELETE a record."""
        return self.probe.delete(f"/port/v1/records/{record_id}", role=role)

    # -- changes -------------------------------------------------------------------------------

    def changes(
        self, role: Role, cursor: str | None, *, max_pages: int, limit: int = 100
    ) -> Iterator[tuple[Mapping[str, Any], Response]]:
        """Page through the feed from ``cursor``.

        A cursor handed back twice is a loop, a finding at once; a feed longer
        than ``max_pages`` pages is a finding too (callers size the bound from
        what they expect to read).
        """
        seen: set[str | None] = {cursor}
        for _ in range(max_pages):
            params = {"limit": str(limit)} | ({"cursor": cursor} if cursor is not None else {})
            response = self.probe.get("/port/v1/changes", role=role, params=params)
            if response.status != 200:
                raise Finding(
                    f"GET /port/v1/changes answered {response.status}", evidence=[response.exchange]
                )
            page = response.json()
            yield page, response
            if not page.get("has_more"):
                return
            cursor = page.get("next_cursor")
            if cursor in seen:
                raise Finding(
                    f"the changes feed loops: has_more is true but next_cursor {cursor!r} was "
                    "already read, so paging never ends",
                    evidence=[response.exchange],
                )
            seen.add(cursor)
        raise Finding(f"the changes feed did not end with has_more: false within {max_pages} pages")

    def end_cursor(self, role: Role, *, max_pages: int = 1_000) -> str | None:
        """The cursor after the last change of the account now (up to a million changes)."""
        cursor = None
        for page, _ in self.changes(role, None, max_pages=max_pages, limit=1000):
            cursor = page.get("next_cursor", cursor)
        return cursor


class _Digest:
    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self._h.update(chunk)
        self.size += len(chunk)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def _parts(job: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    parts = job.get("parts")
    if not isinstance(parts, list):
        raise Finding(f"the ready export has no parts list (got {type(parts).__name__})")
    return [p if isinstance(p, dict) else {} for p in parts]


def _take(line: Line, archive: Archive, export: Export) -> None:
    """Add one line to the archive being read: the manifest if it is line 1, else a record."""
    try:
        obj = parse_line(line)
    except ArchiveFormatError as exc:
        export.format_errors.append(exc)
        return
    if line.number == 1 and obj.get("type") == "Manifest":
        archive.manifest = obj
    else:
        archive.records.append(obj)
        archive.record_lines.append(line.number)


def _after(value: Any, since: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) >= since
    except ValueError:
        return True  # an unreadable timestamp counts, so the suite never overspends


def resolve_media_url(probe: Probe, url: str) -> str:
    """A Media record's url, resolved against the target's base URL (PORT spec choice)."""
    return probe.url(url, base=probe.target.base_url + "/")


def differences_as_mismatches(differences: Sequence[Any]) -> list[Mismatch]:
    """``equality.Difference`` rows as the ``Mismatch`` rows findings carry."""
    return [Mismatch(f"{d.record} {d.path}", d.expected, d.actual, d.reason) for d in differences]
