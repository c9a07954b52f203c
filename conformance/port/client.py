"""The PORT operations as the checks use them, on top of the probe.

Each method does one protocol step and turns a broken answer into a
``Finding`` that says what was expected and what arrived; the requirement in
force is the check's.

Exports are planned within what PORT-007 guarantees: a platform must accept
an export while ``GET /port/v1/exports`` lists fewer than
``port.exports_per_day`` exports of the last 24 hours (at least 4), and only
listed exports count. So before each POST the suite reads the account's list
and, when it is full, deletes exports it created itself (never anyone
else's); every export it creates is deleted once used, the rest at the end
of the run (:meth:`PortRun.cleanup`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from conformance._harness.errors import ConformanceError, DeadlineExceeded, Finding, Mismatch
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Role
from conformance._harness.units import human_duration, human_size
from conformance.common.claims import Claims
from conformance.common.ratelimits import parse_policies
from conformance.port.archive import (
    Archive,
    ArchiveFormatError,
    LineSink,
    NdjsonReader,
    parse_raw,
)

SUITE_EXPORT_CEILING = 600.0  # seconds, whatever the platform declares (COMMON C1)
SUITE_EXPORT_FLOOR = 4  # PORT: port.exports_per_day is at least 4
_DAY = timedelta(hours=24)
_NEAR_DEADLINE = 0.05  # seconds before an export's deadline when the last poll is sent
_STALLED_PAGES = 5  # empty pages in a row with has_more: true before the feed counts as stuck


class ExportUnavailable(ConformanceError):
    """The suite could not get an export for a check, for a reason that is not the check's."""


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
                Mismatch(
                    f"$.parts[{index}].size",
                    _bytes(self.declared_size),
                    human_size(self.size),
                    "the bytes downloaded",
                )
            )
        declared = self.declared_sha256
        if not isinstance(declared, str) or declared.lower() != self.sha256:
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
    """A ready export job, its parts as downloaded and the archive they make.

    ``fetched_at`` is when (``time.monotonic``) the job answer that carried
    the part URLs was received: a signed URL's lifetime counts from there.
    """

    job: Mapping[str, Any]
    location: str
    seconds_to_ready: float
    parts: list[PartCheck] = field(default_factory=list)
    archive: Archive | None = None
    format_errors: list[ArchiveFormatError] = field(default_factory=list)
    fetched_at: float = 0.0
    job_exchange: str = ""


def declared_exports_per_day(claims: Claims) -> int:
    """``port.exports_per_day`` as declared, or the draft's floor (4) when absent or below it."""
    declared = claims.limits().get("port.exports_per_day")
    if isinstance(declared, int) and not isinstance(declared, bool) and declared >= 4:
        return declared
    return SUITE_EXPORT_FLOOR


@dataclass
class PortRun:
    """What the PORT checks share over one run against one target.

    ``created`` holds, per user, the exports the suite created and has not
    deleted yet (the only ones it may delete to make room); ``keep`` those
    still needed by later checks (the baseline), deleted only at the end;
    ``cursors`` the cursor after the last change the suite read, per role,
    so a feed is read once per run rather than from its beginning each time.
    """

    per_day: int
    created: dict[str, list[str]] = field(default_factory=dict)
    keep: set[str] = field(default_factory=set)
    cursors: dict[Role, str | None] = field(default_factory=dict)
    rates: dict[Role, float | None] = field(default_factory=dict)

    def made(self, user: str, location: str) -> None:
        """Note an export the suite created."""
        self.created.setdefault(user, []).append(location)

    def gone(self, user: str, location: str) -> None:
        """Note that an export the suite created was deleted."""
        if location in self.created.get(user, []):
            self.created[user].remove(location)
        self.keep.discard(location)

    def cleanup(self, probe: Probe, roles: Mapping[str, Role]) -> None:
        """Delete every export the suite created and still holds (end of the run)."""
        for user, locations in self.created.items():
            role = roles.get(user)
            if role is None:
                continue
            for location in list(locations):
                probe.delete(location, role=role, validate=False)
                self.gone(user, location)


class PortClient:
    """PORT operations for one check."""

    def __init__(self, probe: Probe, claims: Claims, run: PortRun) -> None:
        self.probe = probe
        self.claims = claims
        self.run = run

    # -- limits ------------------------------------------------------------------------------

    def export_ceiling(self) -> float:
        """Seconds an export may take: the platform's promise, capped by the suite's."""
        declared = self.claims.limits().get("port.max_export_seconds")
        if isinstance(declared, (int, float)) and not isinstance(declared, bool) and declared > 0:
            return min(float(declared), SUITE_EXPORT_CEILING)
        return SUITE_EXPORT_CEILING

    # -- exports -----------------------------------------------------------------------------

    def create_export(self, role: Role) -> tuple[Response, float]:
        """POST an export, after making room for it; returns the 202 and when it was sent.

        A refusal while the account lists fewer exports than PORT-007
        guarantees is that requirement's failure (its own check judges it);
        for the check at hand it is :class:`ExportUnavailable`.
        """
        listed = self.make_room(role)
        sent = time.monotonic()
        try:
            response = self.probe.post("/port/v1/exports", role=role)
        except DeadlineExceeded as exc:
            if self.probe.remaining() <= 1:
                raise
            raise ExportUnavailable(
                f"the export for {role} was refused while {listed} export(s) of the last 24 h "
                f"were listed (port.exports_per_day: {self.run.per_day}), and waiting as "
                f"asked does not fit in the check's time ({exc}); PORT-007 judges the refusal"
            ) from None
        if response.status == 429:
            raise ExportUnavailable(
                f"the export for {role} was refused with 429 while {listed} export(s) of the "
                f"last 24 h were listed (port.exports_per_day: {self.run.per_day}); PORT-007 "
                "judges the refusal, this check cannot go on without an export"
            )
        if response.status != 202 or not response.headers.get("Location"):
            raise _not_accepted(response, "the export job")
        self.run.made(role.user, self.probe.url(response.headers["Location"], base=response.url))
        # When it left, not when it was asked for: the probe may first wait for the quota.
        return response, response.sent_at or sent

    def make_room(self, role: Role) -> int:
        """Make sure the account lists fewer exports of the last 24 h than the quota.

        Deletes exports the suite itself created (oldest first, those later
        checks need last) until there is room; returns how many are listed.
        """
        jobs = self.recent_exports_listed(role)
        if len(jobs) < self.run.per_day:
            return len(jobs)
        ours = {
            self._job_id(location): location for location in self.run.created.get(role.user, [])
        }
        # Oldest first (the list is newest first); the baseline only as a last resort.
        candidates = [j for j in reversed(jobs) if str(j.get("id")) in ours]
        candidates.sort(key=lambda j: ours[str(j.get("id"))] in self.run.keep)
        listed = len(jobs)
        for job in candidates:
            if listed < self.run.per_day:
                break
            self.delete_export(role, ours[str(job.get("id"))])
            listed -= 1
        if listed >= self.run.per_day:
            raise ExportUnavailable(
                f"{role.user}'s account lists {listed} export(s) created in the last 24 h, "
                f"port.exports_per_day is {self.run.per_day}, and none of them is the suite's "
                "own to delete: the platform may refuse another export now. Delete them, or "
                "run again once they are a day old"
            )
        return listed

    @staticmethod
    def _job_id(location: str) -> str:
        return location.split("?")[0].rstrip("/").rsplit("/", 1)[-1]

    def wait_ready(self, role: Role, location: str, sent: float) -> tuple[Mapping[str, Any], float]:
        """Poll the job until ``ready``; ``failed``, or not ready by the deadline, is a finding.

        The deadline counts from sending the POST; the export passes if a
        poll sent no later than the deadline answers ``ready``, so the last
        poll before it is sent just before it.
        """
        ceiling = self.export_ceiling()
        deadline = sent + ceiling
        delay = 0.05
        last = "not asked"
        while True:
            job, answer = self._job(role, location)
            asked = answer.sent_at  # when the poll left (after any wait for the quota)
            status = job.get("status")
            if status == "ready" and asked > deadline:
                raise Finding(
                    "the export was not ready in time",
                    mismatches=[
                        _late(
                            ceiling,
                            f"{last} at the last poll sent in time; ready when asked "
                            f"{human_duration(asked - sent)} after the POST",
                        )
                    ],
                )
            if status == "ready":
                return job, asked - sent
            last = str(status)
            if status == "failed":
                raise Finding(
                    "the export failed",
                    mismatches=[
                        Mismatch("$.status", "ready", status, f"error: {job.get('error')}")
                    ],
                )
            if asked > deadline:
                raise Finding(
                    "the export was not ready in time",
                    mismatches=[
                        _late(ceiling, f"{status} {human_duration(asked - sent)} after the POST")
                    ],
                )
            now = time.monotonic()
            wake = now + delay
            if now < deadline - _NEAR_DEADLINE < wake:
                wake = deadline - _NEAR_DEADLINE
            time.sleep(max(0.0, wake - now))
            delay = min(delay * 1.6, 2.0)

    def job(self, role: Role, location: str) -> Mapping[str, Any]:
        """GET an export job (validated against the spec)."""
        return self._job(role, location)[0]

    def _job(self, role: Role, location: str) -> tuple[Mapping[str, Any], Response]:
        response = self.probe.get(location, role=role)
        return _object(response, "the export job"), response

    def export(self, role: Role, *, download: bool = True) -> Export:
        """Create an export, wait for it, and (by default) download its archive."""
        response, sent = self.create_export(role)
        location = self.probe.url(response.headers["Location"], base=response.url)
        job, elapsed = self.wait_ready(role, location, sent)
        export = Export(job, location, elapsed, fetched_at=time.monotonic())
        if download:
            self.download(role, export)
        return export

    def part_urls(self, export: Export) -> list[str]:
        """The export's part URLs as its job answer carried them, resolved."""
        return [
            self.probe.url(str(part.get("url", "")), base=export.location)
            for part in _parts(export.job)
        ]

    def fresh_part_urls(self, role: Role, export: Export) -> tuple[list[str], float]:
        """GET the job again for part URLs that are fresh (signed URLs expire); and when."""
        job, _ = self._job(role, export.location)
        fetched = time.monotonic()
        urls = [self.probe.url(str(p.get("url", "")), base=export.location) for p in _parts(job)]
        return urls, fetched

    def download(self, role: Role, export: Export, into: LineSink | None = None) -> None:
        """Stream every part through one reader: bounded memory, per-part hashes.

        The decoded lines go to ``into`` when given (a check that streams, for an
        export too large to hold), else to ``export.archive``.
        """
        reader = NdjsonReader()
        archive = Archive(None, [], [])
        sink: LineSink = archive if into is None else into
        for part in _parts(export.job):
            url = self.probe.url(str(part.get("url", "")), base=export.location)
            check = PartCheck(url, part.get("size"), part.get("sha256"))
            with self.probe.stream(url, role=role) as stream:
                check.status = stream.status
                check.exchange = stream.exchange
                for chunk in stream.chunks:
                    if stream.status == 200:
                        first = reader.lines_read + 1
                        _take_all(reader.feed_raw(chunk), first, sink, export)
                # Hashed once, as the chunks passed through the probe.
                check.size, check.sha256 = stream.size, stream.sha256
            export.parts.append(check)
        for line in reader.close():
            _take_all([line.raw], line.number, sink, export)
        export.archive = archive if into is None else None

    def delete_export(self, role: Role, location: str) -> Response:
        """Delete an export job; cleanup, so its outcome is not judged here."""
        response = self.probe.delete(location, role=role, validate=False)
        self.run.gone(role.user, location)
        return response

    def list_exports(self, role: Role) -> list[Mapping[str, Any]]:
        """The jobs ``GET /port/v1/exports`` lists."""
        response = self.probe.get("/port/v1/exports", role=role)
        if response.status != 200:
            raise _unexpected(response, 200)
        self._note_rate(role, response)
        body = response.json()
        exports = body.get("exports") if isinstance(body, dict) else None
        return [j for j in exports or [] if isinstance(j, dict)]

    def requests_per_second(self, role: Role) -> float | None:
        """The request rate the platform states for this credential, None if it states none."""
        if role not in self.run.rates:
            self.list_exports(role)
        return self.run.rates.get(role)

    def _note_rate(self, role: Role, response: Response) -> None:
        policies = parse_policies(response.headers.get("RateLimit-Policy")) or []
        rates = [p.quota / p.window for p in policies if p.window]
        self.run.rates[role] = min(rates) if rates else None

    def recent_exports(self, role: Role) -> int:
        """How many listed exports were created in the last 24 hours."""
        return len(self.recent_exports_listed(role))

    def recent_exports_listed(self, role: Role) -> list[Mapping[str, Any]]:
        """The listed exports created in the last 24 hours (newest first, as listed)."""
        since = datetime.now(UTC) - _DAY
        return [j for j in self.list_exports(role) if _after(j.get("created_at"), since)]

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
                raise _unexpected(response, "200 or 201")

    def import_archive(self, role: Role, body: bytes) -> Mapping[str, Any]:
        """POST an archive and wait for the import to complete; returns the import job."""
        return self.import_archive_at(role, body)[0]

    def import_archive_at(self, role: Role, body: bytes) -> tuple[Mapping[str, Any], str]:
        """POST an archive and wait for the import to complete; the job and its URL."""
        response = self.probe.post(
            "/port/v1/imports", role=role, content=body, content_type="application/x-ndjson"
        )
        if response.status != 202 or not response.headers.get("Location"):
            raise _not_accepted(response, "the import job")
        location = self.probe.url(response.headers["Location"], base=response.url)
        delay = 0.05
        while True:
            job = _object(self.probe.get(location, role=role), "the import job")
            if job.get("status") in ("completed", "failed"):
                return job, location
            if self.probe.remaining() < 1:
                raise Finding(
                    "the import did not complete",
                    mismatches=[
                        Mismatch(
                            "$.status",
                            "completed or failed",
                            job.get("status"),
                            "still so at the check's time limit",
                        )
                    ],
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

        A page may hold fewer changes than ``limit``, even none. A cursor
        handed back again after a page that held changes is a loop, a finding
        at once; more than five pages in a row that hold nothing yet say
        ``has_more`` is a feed that never ends, and so is one longer than
        ``max_pages`` pages (callers size the bound from what they expect).
        A last page whose ``next_cursor`` is null means "resume with the
        cursor you sent" (the PORT spec).
        """
        seen: set[str | None] = {cursor}
        stalled = 0
        for _ in range(max_pages):
            params = {"limit": str(limit)} | ({"cursor": cursor} if cursor is not None else {})
            response = self.probe.get("/port/v1/changes", role=role, params=params)
            page = _object(response, "a page of changes")
            yield page, response
            if not page.get("has_more"):
                return
            held = [c for c in page.get("changes") or [] if isinstance(c, dict)]
            following = page.get("next_cursor")
            if held and following in seen:
                raise _endless(
                    response,
                    Mismatch(
                        "$.next_cursor",
                        "a cursor not read before (has_more is true)",
                        following,
                        "that cursor was already read",
                    ),
                )
            stalled = 0 if held else stalled + 1
            if stalled > _STALLED_PAGES:
                raise _endless(
                    response,
                    Mismatch(
                        "$.has_more",
                        "false once no change is left",
                        f"true on {stalled} pages in a row that held no change",
                    ),
                )
            seen.add(following)
            cursor = following
        raise Finding(
            "the changes feed does not end",
            mismatches=[
                Mismatch("$.has_more", f"false within {max_pages} pages", "true on every one")
            ],
        )

    def end_cursor(self, role: Role, *, max_pages: int = 10_000) -> str | None:
        """The cursor after the last change of the account now.

        Reads on from the last cursor the suite read for this role in the
        run (a cursor stays usable for the run, the PORT spec), from the
        beginning the first time.
        """
        start = self.run.cursors.get(role)
        cursor = start
        for page, _ in self.changes(role, start, max_pages=max_pages, limit=1000):
            following = page.get("next_cursor")
            if isinstance(following, str):
                cursor = following
        self.run.cursors[role] = cursor
        return cursor


def _parts(job: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    parts = job.get("parts")
    if not isinstance(parts, list):
        raise Finding(
            "the ready export has no parts list", mismatches=[Mismatch("$.parts", "a list", parts)]
        )
    return [p if isinstance(p, dict) else {} for p in parts]


def _take_all(raws: list[bytes], first: int, sink: LineSink, export: Export) -> None:
    """Decode lines ``first``, ``first + 1``... for ``sink``; one that is not a JSON
    object is a format error. One loop per chunk, not a call per line: an export
    may hold millions of lines."""
    add = sink.add
    for number, raw in enumerate(raws, first):
        try:
            obj = parse_raw(raw, number)
        except ArchiveFormatError as exc:
            export.format_errors.append(exc)
            continue
        add(number, obj)


def _after(value: Any, since: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) >= since
    except ValueError:
        return True  # an unreadable timestamp counts, so the suite never overspends


def resolve_media_url(probe: Probe, url: str) -> str:
    """A Media record's url, resolved against the target's base URL (PORT spec choice)."""
    return probe.url(url, base=probe.target.base_url + "/")


def _late(ceiling: float, received: str) -> Mismatch:
    return Mismatch(
        "$.status",
        f"ready within {human_duration(ceiling)} of the POST",
        received,
        f"port.max_export_seconds (at most the suite's {human_duration(SUITE_EXPORT_CEILING)})",
    )


def _bytes(count: Any) -> Any:
    return human_size(count) if isinstance(count, int) and not isinstance(count, bool) else count


def _unexpected(response: Response, documented: object) -> Finding:
    """A step of the protocol answered with another status than the one it needs."""
    return Finding(
        f"{response.method} {urlsplit(response.url).path} did not answer as PORT documents",
        mismatches=[Mismatch("status", documented, response.status)],
        evidence=[response.exchange],
    )


def _not_accepted(response: Response, job: str) -> Finding:
    """A POST that should answer 202 with the job's URL in Location."""
    rows = [Mismatch("status", 202, response.status)] if response.status != 202 else []
    if not response.headers.get("Location"):
        rows.append(Mismatch("header Location", f"the URL of {job}", None))
    return Finding(
        f"{response.method} {urlsplit(response.url).path} was not accepted as PORT documents",
        mismatches=rows,
        evidence=[response.exchange],
    )


def _object(response: Response, what: str) -> dict[str, Any]:
    """The JSON object a 200 carries, or a finding that says what arrived instead."""
    if response.status != 200:
        raise _unexpected(response, 200)
    body = response.json()
    if not isinstance(body, dict):
        raise Finding(
            f"{response.method} {urlsplit(response.url).path} answered something else than {what}",
            mismatches=[Mismatch("body", f"a JSON object ({what})", body)],
            evidence=[response.exchange],
        )
    return body


def _endless(response: Response, row: Mismatch) -> Finding:
    return Finding("the changes feed never ends", mismatches=[row], evidence=[response.exchange])
