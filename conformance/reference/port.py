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
from typing import Final

from werkzeug.wrappers import Response

from .byteranges import serve_bytes
from .clock import format_timestamp, new_id, utc_now
from .deprecation import Deprecation
from .port_changes import decode_cursor, delete_with_cascade, parse_limit, read_page
from .port_exports import ExportWorker
from .port_imports import apply_import, parse_archive, plan_import
from .problems import Problem
from .routing import Claim, Context, Route, json_response, read_body
from .signing import UrlSigner
from .store import ExportRow, Store, Tx

logger = logging.getLogger(__name__)

NDJSON: Final = "application/x-ndjson"
MAX_BODY_BYTES: Final = 64 * 1024 * 1024
EXPORT_LIFETIME: Final = timedelta(days=7)
DAY_SECONDS: Final = 86_400
LIMITS: Final[Mapping[str, int]] = {
    "port.max_export_seconds": 10,
    "port.exports_per_day": 50,
    "port.max_import_records": 10_000,
    "port.signed_url_seconds": 900,
}
_SHA256: Final = re.compile(r"[0-9a-fA-F]{64}")


def _not_found(what: str, ident: str) -> Problem:
    # One answer for "absent", "deleted", "expired" and "someone else's":
    # telling them apart would reveal other accounts' ids.
    return Problem(404, "NOT_FOUND", f"no {what} {ident!r} for this account")


class PortModule:
    """The PORT routes over one store."""

    def __init__(
        self,
        store: Store,
        users: Mapping[str, str],
        started_at: datetime,
        part_size: int = 65536,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._clock = clock
        self._signer = UrlSigner(LIMITS["port.signed_url_seconds"])
        self._worker = ExportWorker(store, part_size, clock)
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
            Route("/port/v1/parts/<export_id>/<n>", ("GET",), self.get_part, anonymous=True),
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
        """PORT's discovery limits."""
        return dict(LIMITS)

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
            "id": new_id("profile"),
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
        quota = LIMITS["port.exports_per_day"]
        export_id = new_id("exp")
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
        self._worker.submit(export_id)
        return json_response(
            {"id": export_id, "status": "pending"},
            status=202,
            headers={"Location": f"/port/v1/exports/{export_id}"},
        )

    def list_exports(self, ctx: Context) -> Response:
        """GET /port/v1/exports: live, unexpired jobs, newest first."""
        with self._store.transaction() as tx:
            jobs = tx.exports(ctx.account, self._clock().timestamp())
        return json_response(
            {
                "exports": [
                    {"id": job.id, "status": job.status, "created_at": job.created_at}
                    for job in jobs
                ]
            }
        )

    def get_export(self, ctx: Context) -> Response:
        """GET /port/v1/exports/{id}: the job, with freshly signed part URLs."""
        job = self._live_export(ctx.account, ctx.args["id"])
        body: dict[str, object] = {
            "id": job.id,
            "status": job.status,
            "created_at": job.created_at,
            "expires_at": job.expires_at,
            "parts": [],
        }
        if job.status == "ready":
            body["parts"] = [
                {
                    "url": self._signer.sign(job.id, str(part.n)),
                    "size": part.size,
                    "sha256": part.sha256,
                    "media_type": NDJSON,
                }
                for part in job.parts
            ]
        if job.status == "failed":
            body["error"] = job.error
        return json_response(body)

    def delete_export(self, ctx: Context) -> Response:
        """DELETE /port/v1/exports/{id}: the job and its parts go."""
        export_id = ctx.args["id"]
        with self._store.transaction() as tx:
            if not tx.delete_export(ctx.account, export_id):
                raise _not_found("export", export_id)
        self._store.remove_export_files(export_id)
        return Response(status=204)

    def get_part(self, ctx: Context) -> Response:
        """GET a signed part URL: the part's bytes, with ETag and Range."""
        export_id, raw_n = ctx.args["export_id"], ctx.args["n"]
        # The signature is checked first: an altered URL is refused whether
        # or not the part it now names exists.
        self._signer.verify(export_id, raw_n, ctx.request.args)
        with self._store.transaction() as tx:
            job = tx.export(export_id)
        part = None
        if job is not None and job.expires_ts > self._clock().timestamp():
            part = next((p for p in job.parts if str(p.n) == raw_n), None)
        if part is None:
            raise Problem(404, "NOT_FOUND", "the part no longer exists")
        data = self._store.part_path(export_id, part.n).read_bytes()
        return serve_bytes(ctx.request, data, part.sha256, NDJSON)

    def _live_export(self, account: str, export_id: str) -> ExportRow:
        with self._store.transaction() as tx:
            job = tx.export(export_id, account)
        if job is None or job.expires_ts <= self._clock().timestamp():
            raise _not_found("export", export_id)
        return job

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
        if created:
            return json_response(body, 201, {"Location": f"/port/v1/media/{digest}"})
        return json_response(body, 200)

    def get_media(self, ctx: Context) -> Response:
        """GET /port/v1/media/{sha256}: the owner's bytes; 404 for anyone else."""
        sha = ctx.args["sha256"].lower()
        with self._store.transaction() as tx:
            held = tx.media(ctx.account, sha)
        if held is None:
            raise _not_found("media", sha)
        data = self._store.blob_path(sha).read_bytes()
        return serve_bytes(ctx.request, data, sha, held.content_type)

    # -- imports -----------------------------------------------------------------
    def create_import(self, ctx: Context) -> Response:
        """POST /port/v1/imports: import an archive, synchronously."""
        body = read_body(ctx.request, MAX_BODY_BYTES)
        import_id = new_id("imp")
        created_at = format_timestamp(self._clock())
        lines, rejected = parse_archive(body)
        result: dict[str, object]
        try:
            with self._store.transaction() as tx:
                plan = plan_import(tx, ctx.account, lines, rejected)
                imported, id_map = apply_import(tx, ctx.account, plan)
                result = {
                    "imported": imported,
                    "rejected": [rejection.to_json() for rejection in plan.rejected],
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
            headers={"Location": f"/port/v1/imports/{import_id}"},
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
        if job is None:
            raise _not_found("import", import_id)
        return json_response(
            {"id": job.id, "status": job.status, "created_at": job.created_at, **job.result}
        )

    # -- changes and deletes -------------------------------------------------------
    def changes(self, ctx: Context) -> Response:
        """GET /port/v1/changes: one page of the account's feed."""
        after = decode_cursor(ctx.request.args.get("cursor"))
        limit = parse_limit(ctx.request.args.get("limit"))
        with self._store.transaction() as tx:
            page = read_page(tx, ctx.account, after, limit)
        return json_response(page)

    def delete_record(self, ctx: Context) -> Response:
        """DELETE /port/v1/records/{id}: delete and cascade; 409 for the Profile."""
        with self._store.transaction() as tx:
            delete_with_cascade(tx, ctx.account, ctx.args["id"], self._clock())
        return Response(status=204)
