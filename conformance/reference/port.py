"""PORT 1.0: end-user data portability, as a module of the reference platform.

Handlers are thin: each checks the request, does its work in one store
transaction and renders the draft's body. The logic lives beside it:
records in :mod:`.port_records`, imports in :mod:`.port_imports`, exports
in :mod:`.port_exports`, the feed and deletes in :mod:`.port_changes`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from werkzeug.wrappers import Response

from .byteranges import serve_bytes
from .choices import DEFAULT, ChoiceSet
from .choices.port import (
    CHANGES_PAGE,
    CURSOR_STYLE,
    DOWNLOAD_URLS,
    EXPORT_STATES,
    EXPORT_TIMING,
    EXPORTS_PER_DAY,
    FOREIGN_STATUS,
    GONE_STATUS,
    MAX_IMPORT_RECORDS,
    MEDIA_REPEAT_STATUS,
    PART_SPLIT,
    REJECTION_CODES,
    SIGNED_URL_SECONDS,
)
from .clock import format_timestamp, utc_now
from .deprecation import Deprecation
from .port_changes import Cursors, PageSizes, delete_with_cascade, parse_limit, read_page
from .port_exports import ExportWorker
from .port_imports import apply_import, parse_archive, plan_import
from .port_render import IdMaker, RecordStyle, UrlStyle, request_origin
from .problems import Problem, ProblemCode
from .routing import Claim, Context, Route, json_response, read_body
from .signing import UrlSigner
from .store import ExportRow, Store, Tx

logger = logging.getLogger(__name__)

NDJSON: Final = "application/x-ndjson"
MAX_BODY_BYTES: Final = 64 * 1024 * 1024
EXPORT_LIFETIME: Final = timedelta(days=7)
DAY_SECONDS: Final = 86_400
_SHA256: Final = re.compile(r"[0-9a-fA-F]{64}")
_STATUS_CODES: Final[Mapping[int, ProblemCode]] = {
    401: "UNAUTHENTICATED",
    403: "DENIED",
    404: "NOT_FOUND",
    410: "GONE",
}


def _not_found(what: str, ident: str) -> Problem:
    return Problem(404, "NOT_FOUND", f"no {what} {ident!r} for this account")


def port_limits(choices: ChoiceSet) -> dict[str, int]:
    """The PORT limits a platform taking ``choices`` declares (and enforces)."""
    limits = {
        "port.max_export_seconds": int(choices[EXPORT_TIMING][0]),
        "port.exports_per_day": int(choices[EXPORTS_PER_DAY]),
        "port.max_import_records": int(choices[MAX_IMPORT_RECORDS]),
    }
    if choices[DOWNLOAD_URLS] == "signed":
        limits["port.signed_url_seconds"] = int(choices[SIGNED_URL_SECONDS])
    return limits


class PortModule:
    """The PORT routes over one store."""

    def __init__(
        self,
        store: Store,
        users: Mapping[str, str],
        started_at: datetime,
        part_size: int = 65536,
        clock: Callable[[], datetime] = utc_now,
        choices: ChoiceSet = DEFAULT,
    ) -> None:
        self._store = store
        self._clock = clock
        self._choices = choices
        self._limits = port_limits(choices)
        self._ids = IdMaker.of(choices)
        self._urls = UrlStyle.of(choices)
        self._style = RecordStyle(choices)
        self._signed = choices[DOWNLOAD_URLS] == "signed"
        self._signer = UrlSigner(int(choices[SIGNED_URL_SECONDS]))
        self._ready_after = float(choices[EXPORT_TIMING][1])
        self._cursors = Cursors(choices[CURSOR_STYLE])
        self._pages = PageSizes(choices[CHANGES_PAGE], choices.random("port.changes"))
        self._worker = ExportWorker(
            store,
            part_size,
            clock,
            split=choices[PART_SPLIT],
            style=self._style,
            urls=self._urls,
        )
        # Whole seconds, so the discovery document and the RFC 9745 header
        # (which counts seconds) name the same instant.
        start = started_at.replace(microsecond=0)
        self._jobs_list = Deprecation(
            "GET",
            "/port/v1/jobs",
            start - timedelta(days=30),
            start + timedelta(days=60),
            "/port/v1/exports",
        )
        self._jobs_item = Deprecation(
            "GET",
            "/port/v1/jobs/{id}",
            start - timedelta(days=45),
            start - timedelta(days=1),
            "/port/v1/exports/{id}",
        )
        with store.transaction() as tx:
            for name, user_id in users.items():
                self._ensure_profile(tx, name, user_id)
            resume = tx.pending_exports()
        self._worker.start(resume)

    # -- Module --------------------------------------------------------------
    def routes(self) -> Sequence[Route]:
        """Every PORT operation, plus the two deprecated job aliases."""
        return [
            Route("/port/v1/exports", ("POST",), self.create_export),
            Route("/port/v1/exports", ("GET",), self.list_exports),
            Route("/port/v1/exports/<id>", ("GET",), self.get_export),
            Route("/port/v1/exports/<id>", ("DELETE",), self.delete_export),
            Route("/port/v1/jobs", ("GET",), self.list_exports, deprecation=self._jobs_list),
            Route("/port/v1/jobs/<id>", ("GET",), self.get_export, deprecation=self._jobs_item),
            Route(
                "/port/v1/parts/<export_id>/<n>", ("GET",), self.get_part, anonymous=self._signed
            ),
            Route("/port/v1/media/<sha256>", ("PUT",), self.put_media),
            Route("/port/v1/media/<sha256>", ("GET",), self.get_media),
            Route("/port/v1/imports", ("POST",), self.create_import),
            Route("/port/v1/imports", ("GET",), self.list_imports),
            Route("/port/v1/imports/<id>", ("GET",), self.get_import),
            Route("/port/v1/changes", ("GET",), self.changes),
            Route("/port/v1/records/<id>", ("DELETE",), self.delete_record),
        ]

    def claims(self) -> Sequence[Claim]:
        """PORT 1.0 with all three profiles."""
        return [Claim("PORT", "1.0", ("core", "continuous", "resumable"))]

    def limits(self) -> Mapping[str, int]:
        """PORT's discovery limits, as the platform's choices set them."""
        return dict(self._limits)

    def close(self) -> None:
        """Stop the export worker."""
        self._worker.stop()

    def _ensure_profile(self, tx: Tx, name: str, user_id: str) -> None:
        # Every account has exactly one Profile from its creation on.
        if tx.records(user_id, "Profile"):
            return
        now = format_timestamp(self._clock())
        profile = {
            "type": "Profile",
            "id": self._ids.new("profile"),
            "created_at": now,
            "updated_at": now,
            "display_name": name.capitalize(),
            "bio": "",
            "locale": "en",
            "avatar_media_id": None,
        }
        tx.insert_record(user_id, profile, [])

    # -- exports -----------------------------------------------------------------
    def create_export(self, ctx: Context) -> Response:
        """POST /port/v1/exports: queue an export of the whole account."""
        now = self._clock()
        now_ts = now.timestamp()
        quota = self._limits["port.exports_per_day"]
        export_id = self._ids.new("exp")
        with self._store.transaction() as tx:
            recent = [
                job.created_ts
                for job in tx.exports(ctx.account, now_ts)
                if job.created_ts > now_ts - DAY_SECONDS
            ]
            if len(recent) >= quota:
                retry = max(1, math.ceil(min(recent) + DAY_SECONDS - now_ts))
                raise Problem(
                    429,
                    "TOO_MANY_REQUESTS",
                    f"{len(recent)} exports in the last 24 hours; {quota} are allowed",
                    {"Retry-After": str(retry)},
                )
            expires = now + EXPORT_LIFETIME
            tx.create_export(
                ctx.account,
                export_id,
                (format_timestamp(now), now_ts),
                (format_timestamp(expires), expires.timestamp()),
            )
        origin = request_origin(ctx.request)
        self._worker.submit(export_id, origin)
        return json_response(
            {"id": export_id, "status": "pending"},
            status=202,
            headers={"Location": self._urls.location(origin, "exports", export_id)},
        )

    def list_exports(self, ctx: Context) -> Response:
        """GET /port/v1/exports: live, unexpired jobs, newest first."""
        now_ts = self._clock().timestamp()
        with self._store.transaction() as tx:
            jobs = tx.exports(ctx.account, now_ts)
        return json_response(
            {
                "exports": [
                    {
                        "id": job.id,
                        "status": self._visible_status(job, now_ts),
                        "created_at": job.created_at,
                    }
                    for job in jobs
                ]
            }
        )

    def get_export(self, ctx: Context) -> Response:
        """GET /port/v1/exports/{id}: the job, with freshly signed part URLs."""
        job = self._live_export(ctx.account, ctx.args["id"])
        status = self._visible_status(job, self._clock().timestamp())
        body: dict[str, object] = {
            "id": job.id,
            "status": status,
            "created_at": job.created_at,
            "expires_at": job.expires_at,
            "parts": [],
        }
        if status == "ready":
            origin = request_origin(ctx.request)
            body["parts"] = [
                {
                    "url": self._part_url(origin, job.id, part.n),
                    "size": part.size,
                    "sha256": part.sha256,
                    "media_type": NDJSON,
                }
                for part in job.parts
            ]
        if status == "failed":
            body["error"] = job.error
        return json_response(body)

    def _visible_status(self, job: ExportRow, now_ts: float) -> str:
        # A built archive is shown ready only once the platform's build time
        # has passed since the POST: exports are as slow as it chose.
        if job.status in ("ready", "running") and (
            job.status == "running" or now_ts < job.created_ts + self._ready_after
        ):
            return (
                "running" if self._choices[EXPORT_STATES] == "pending-running-ready" else "pending"
            )
        return job.status

    def _part_url(self, origin: str, export_id: str, n: int) -> str:
        if not self._signed:
            return self._urls.part(origin, export_id, n, "")
        query = self._signer.sign(export_id, str(n)).partition("?")[2]
        return self._urls.part(origin, export_id, n, query)

    def _denied(self, what: str, ident: str) -> Problem:
        """The answer to a valid caller asking for another account's resource."""
        status = int(self._choices[FOREIGN_STATUS])
        code = _STATUS_CODES.get(status, "NOT_FOUND")
        if status == 404:
            return _not_found(what, ident)
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else {}
        return Problem(status, code, f"the {what} {ident!r} is not this account's", headers)

    def _gone(self, what: str, ident: str) -> Problem:
        """The answer for a deleted or expired resource of the caller's own account."""
        if int(self._choices[GONE_STATUS]) == 410:
            return Problem(410, "GONE", f"the {what} {ident!r} was deleted or has expired")
        return _not_found(what, ident)

    def delete_export(self, ctx: Context) -> Response:
        """DELETE /port/v1/exports/{id}: the job and its parts go."""
        export_id = ctx.args["id"]
        with self._store.transaction() as tx:
            if not tx.delete_export(ctx.account, export_id):
                raise self._export_missing(tx, ctx.account, export_id)
        self._store.remove_export_files(export_id)
        return Response(status=204)

    def get_part(self, ctx: Context) -> Response:
        """GET a signed part URL: the part's bytes, with ETag and Range."""
        export_id, raw_n = ctx.args["export_id"], ctx.args["n"]
        if self._signed:
            # The signature is checked first: an altered URL is refused whether
            # or not the part it now names exists.
            self._signer.verify(export_id, raw_n, ctx.request.args)
        elif ctx.request.args:
            raise Problem(403, "DENIED", "part URLs take no query parameters")
        with self._store.transaction() as tx:
            job = tx.export(export_id)
            if not self._signed and (job is None or job.account != ctx.account):
                raise self._export_missing(tx, ctx.account, export_id)
        part = None
        now_ts = self._clock().timestamp()
        if (
            job is not None
            and job.expires_ts > now_ts
            and self._visible_status(job, now_ts) == "ready"
        ):
            part = next((p for p in job.parts if str(p.n) == raw_n), None)
        if part is None:
            raise Problem(404, "NOT_FOUND", "the part no longer exists")
        data = self._store.part_path(export_id, part.n).read_bytes()
        return serve_bytes(ctx.request, data, part.sha256, NDJSON)

    def _live_export(self, account: str, export_id: str) -> ExportRow:
        with self._store.transaction() as tx:
            job = tx.export(export_id, account)
            if job is None:
                raise self._export_missing(tx, account, export_id)
        if job.expires_ts <= self._clock().timestamp():
            raise self._gone("export", export_id)
        return job

    def _export_missing(self, tx: Tx, account: str, export_id: str) -> Problem:
        owner = tx.export_owner(export_id)
        if owner is None:
            return _not_found("export", export_id)
        if owner[0] != account:
            return self._denied("export", export_id)
        return self._gone("export", export_id)

    # -- media -----------------------------------------------------------------
    def put_media(self, ctx: Context) -> Response:
        """PUT /port/v1/media/{sha256}: store bytes that hash to the path."""
        claimed = ctx.args["sha256"]
        if not _SHA256.fullmatch(claimed):
            raise Problem(422, "INVALID", f"{claimed!r} is not a sha256 in hex")
        data = read_body(ctx.request, MAX_BODY_BYTES)
        digest = hashlib.sha256(data).hexdigest()
        if digest != claimed.lower():
            raise Problem(
                422,
                "INVALID",
                f"the bytes hash to {digest}, not to {claimed.lower()}; nothing stored",
            )
        self._store.write_blob(digest, data)
        content_type = ctx.request.content_type or "application/octet-stream"
        with self._store.transaction() as tx:
            created = tx.add_media(ctx.account, digest, len(data), content_type)
        body = {"sha256": digest, "size": len(data)}
        location = {"Location": self._urls.media(request_origin(ctx.request), digest)}
        if created:
            return json_response(body, 201, location)
        return json_response(body, int(self._choices[MEDIA_REPEAT_STATUS]), location)

    def get_media(self, ctx: Context) -> Response:
        """GET /port/v1/media/{sha256}: the owner's bytes; 404 for anyone else."""
        sha = ctx.args["sha256"].lower()
        with self._store.transaction() as tx:
            held = tx.media(ctx.account, sha)
            others = tx.media_holders(sha) if held is None else 0
        if held is None:
            raise self._denied("media", sha) if others else _not_found("media", sha)
        data = self._store.blob_path(sha).read_bytes()
        return serve_bytes(ctx.request, data, sha, held.content_type)

    # -- imports -----------------------------------------------------------------
    def create_import(self, ctx: Context) -> Response:
        """POST /port/v1/imports: import an archive, synchronously."""
        body = read_body(ctx.request, MAX_BODY_BYTES)
        self._refuse_too_many_records(body)
        import_id = self._ids.new("imp")
        created_at = format_timestamp(self._clock())
        lines, rejected = parse_archive(body)
        by_reason = self._choices[REJECTION_CODES] == "by-reason"
        result: dict[str, object]
        try:
            with self._store.transaction() as tx:
                plan = plan_import(tx, ctx.account, lines, rejected)
                imported, id_map = apply_import(tx, ctx.account, plan, self._ids.new)
                result = {
                    "imported": imported,
                    "rejected": [
                        rejection.to_json() | ({} if by_reason else {"code": "INVALID"})
                        for rejection in plan.rejected
                    ],
                    "id_map": id_map,
                }
                tx.save_import(ctx.account, import_id, "completed", created_at, result)
            status = "completed"
        except Exception:
            # The transaction rolled back, so nothing of it was stored; the
            # job still exists to say so.
            logger.exception("import %s failed", import_id)
            status = "failed"
            result = {"imported": {}, "rejected": [], "id_map": {}, "error": "import failed"}
            with self._store.transaction() as tx:
                tx.save_import(ctx.account, import_id, status, created_at, result)
        return json_response(
            {"id": import_id, "status": status},
            status=202,
            headers={
                "Location": self._urls.location(request_origin(ctx.request), "imports", import_id)
            },
        )

    def _refuse_too_many_records(self, body: bytes) -> None:
        """413 for a body with more records than ``port.max_import_records`` (the floor)."""
        most = self._limits["port.max_import_records"]
        lines = body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)
        if lines <= most:
            return
        first = body.partition(b"\n")[0]
        records = lines - (1 if b'"Manifest"' in first else 0)
        if records > most:
            raise Problem(
                413,
                "TOO_LARGE",
                f"the archive holds {records} lines of records; at most {most} are imported at once",
            )

    def list_imports(self, ctx: Context) -> Response:
        """GET /port/v1/imports: the account's imports, newest first."""
        with self._store.transaction() as tx:
            jobs = tx.import_jobs(ctx.account)
        return json_response(
            {
                "imports": [
                    {"id": job.id, "status": job.status, "created_at": job.created_at}
                    for job in jobs
                ]
            }
        )

    def get_import(self, ctx: Context) -> Response:
        """GET /port/v1/imports/{id}: status, counts, rejections and id_map."""
        import_id = ctx.args["id"]
        with self._store.transaction() as tx:
            job = tx.import_job(ctx.account, import_id)
            owner = tx.import_owner(import_id) if job is None else None
        if job is None:
            raise self._denied("import", import_id) if owner else _not_found("import", import_id)
        return json_response(
            {"id": job.id, "status": job.status, "created_at": job.created_at, **job.result}
        )

    # -- changes and deletes -------------------------------------------------------
    def changes(self, ctx: Context) -> Response:
        """GET /port/v1/changes: one page of the account's feed."""
        after = self._cursors.decode(ctx.request.args.get("cursor"))
        limit = parse_limit(ctx.request.args.get("limit"))
        origin = request_origin(ctx.request)
        with self._store.transaction() as tx:
            page = read_page(
                tx,
                ctx.account,
                after,
                limit,
                size=self._pages.size(limit),
                encode=self._cursors.encode,
                render=lambda record: self._feed_record(origin, record),
            )
        return json_response(page)

    def _feed_record(self, origin: str, record: dict[str, Any]) -> dict[str, Any]:
        if record.get("type") == "Media" and isinstance(record.get("sha256"), str):
            record = {**record, "url": self._urls.media(origin, record["sha256"])}
        return self._style.record(record)

    def delete_record(self, ctx: Context) -> Response:
        """DELETE /port/v1/records/{id}: delete and cascade; 409 for the Profile."""
        record_id = ctx.args["id"]
        with self._store.transaction() as tx:
            owner = tx.record_owner(record_id)
            if owner is not None and owner[0] != ctx.account:
                raise self._denied("record", record_id)
            if owner is not None and owner[1]:
                raise self._gone("record", record_id)
            delete_with_cascade(tx, ctx.account, record_id, self._clock())
        return Response(status=204)
