"""The transforms faults are built from, one small class each.

Each class breaks one behaviour a standard requires, and nothing more than
it must, so a fault's declared ``breaks`` is a claim the sensitivity test
can hold it to. Archive rewrites re-serve the changed archive from the
proxy with a correct size and hash, so a content fault is not mistaken for a
transport one.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin, urlsplit

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, problem, with_json_body
from conformance.faults.transforms.port_access import ACCESS_TRANSFORMS, location_path
from conformance.port.archive import JsonObject, read_archive, serialize
from conformance.port.equality import FIELD_RULES

_JOB = re.compile(r"^/port/v1/exports/([^/]+)$")
_PARTS_PREFIX = "/__fault__/parts/"


class StallExports(Transform):
    """PORT-001: an export job never leaves ``running``."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.method == "GET" and _JOB.match(request.path) and isinstance(body, dict):
            if body.get("status") == "ready":
                body["status"], body["parts"] = "running", []
                return with_json_body(response, body)
        return response


class CorruptPartBytes(Transform):
    """PORT-002: one byte of every NDJSON part is flipped on the way out."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        media_type = (response.header("Content-Type") or "").lower()
        if (
            request.method == "GET"
            and "ndjson" in media_type
            and response.status == 200
            and response.body
        ):
            data = bytearray(response.body)
            middle = len(data) // 2
            data[middle] = data[middle] ^ 0x01 if data[middle] not in (0x0A, 0x0B) else 0x20
            response.body = bytes(data)
        return response


class RewriteArchive(Transform):
    """Rewrites every ready export's archive, then serves it from the proxy as one part."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def rewrite(self, manifest: JsonObject | None, records: list[JsonObject]) -> bytes:
        """The archive's new bytes; subclasses change records or the manifest."""
        raise NotImplementedError

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.path.startswith(_PARTS_PREFIX):
            data = exchange.state.get(("part", request.path[len(_PARTS_PREFIX) :]))
            if data is None:
                return problem(404, "no such part")
            return ProxyResponse(200, {"Content-Type": "application/x-ndjson"}, data)
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        match = _JOB.match(request.path)
        body = json_body(response)
        if not (
            request.method == "GET"
            and match
            and isinstance(body, dict)
            and body.get("status") == "ready"
        ):
            return response
        with exchange.lock:
            key = ("job", match.group(1))
            if key not in exchange.state:
                exchange.state[key] = self._rewritten_parts(exchange, request, body)
            body["parts"] = exchange.state[key]
        return with_json_body(response, body)

    def _rewritten_parts(
        self, exchange: Exchange, request: ProxyRequest, job: JsonObject
    ) -> list[JsonObject]:
        chunks = [
            fetch_part(exchange, request, str(part["url"])).body for part in job.get("parts", [])
        ]
        archive = read_archive(chunks)
        data = self.rewrite(archive.manifest, archive.records)
        token = secrets.token_hex(8)
        exchange.state[("part", token)] = data
        return [
            {
                "url": _PARTS_PREFIX + token,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "media_type": "application/x-ndjson",
            }
        ]


def fetch_part(exchange: Exchange, request: ProxyRequest, url: str) -> ProxyResponse:
    """GET a part URL as the job's reader would (absolute or relative to the job's URL)."""
    resolved = urlsplit(urljoin(request.path, url))
    return exchange.forward(
        ProxyRequest("GET", resolved.path, resolved.query, dict(request.headers), b"")
    )


def _subject(manifest: JsonObject | None) -> str | None:
    return manifest.get("subject") if manifest else None


class DropRecords(RewriteArchive):
    """PORT-004: every n-th record (never the Profile) vanishes; the manifest is kept consistent."""

    def rewrite(self, manifest: JsonObject | None, records: list[JsonObject]) -> bytes:
        every = int(self.options.get("every", 10))
        kept, n = [], 0
        for record in records:
            if record.get("type") != "Profile":
                n += 1
                if n % every == 0:
                    continue
            kept.append(record)
        return serialize(kept, subject=_subject(manifest))


class MiscountManifest(RewriteArchive):
    """PORT-003: the manifest claims one more Post than the archive holds."""

    def rewrite(self, manifest: JsonObject | None, records: list[JsonObject]) -> bytes:
        data = serialize(records, subject=_subject(manifest))
        head, _, rest = data.partition(b"\n")
        line = json.loads(head)
        line["counts"]["Post"] = line["counts"].get("Post", 0) + 1
        return json.dumps(line, ensure_ascii=False).encode() + b"\n" + rest


class NormaliseText(RewriteArchive):
    """PORT-013: every string in the archive is Unicode-normalised (NFC by default)."""

    def rewrite(self, manifest: JsonObject | None, records: list[JsonObject]) -> bytes:
        form = str(self.options.get("form", "NFC"))
        return serialize(
            [_map_strings(r, lambda s: unicodedata.normalize(form, s)) for r in records],  # type: ignore[arg-type]
            subject=_subject(manifest),
        )


class DecimalsAsFloats(RewriteArchive):
    """PORT-014: money becomes binary floating point JSON numbers."""

    def rewrite(self, manifest: JsonObject | None, records: list[JsonObject]) -> bytes:
        for record in records:
            if record.get("type") == "Order":
                for item in record.get("items", []):
                    item["unit_price"] = float(Decimal(item["unit_price"])) * 1.0000000000000002
                record["total"] = float(Decimal(record["total"]))
        return serialize(records, subject=_subject(manifest))


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, change) for k, v in value.items()}
    return value


class LeakExports(Transform):
    """PORT-006: an export job is served to anyone who knows its id (an IDOR)."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        match = _JOB.match(request.path)
        if match and request.method == "GET":
            owner = exchange.state.get(("owner", match.group(1)))
            if owner is not None:
                request.headers["Authorization"] = owner
        return None

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        match = (
            _JOB.match(location_path(request, response)) if response.header("Location") else None
        )
        if request.method == "POST" and request.path == "/port/v1/exports" and match:
            exchange.state[("owner", match.group(1))] = request.header("Authorization")
        return response


class ThrottleExports(Transform):
    """PORT-007: exports refused after ``after`` per credential, whatever the quota says."""

    def __init__(self, after: int = 2) -> None:
        self.after = after

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.method == "POST" and request.path == "/port/v1/exports":
            key = ("count", request.header("Authorization"))
            with exchange.lock:
                exchange.state[key] = exchange.state.get(key, 0) + 1
                if exchange.state[key] > self.after:
                    return problem(429, "export quota reached", {"Retry-After": "3600"})
        return None


class LoopChangesCursor(Transform):
    """PORT-009: the changes feed always says there is more, and sends the cursor back."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path == "/port/v1/changes" and isinstance(body, dict):
            query = dict(p.split("=", 1) for p in request.query.split("&") if "=" in p)
            body["has_more"] = True
            body["next_cursor"] = query.get("cursor") or body.get("next_cursor") or "0"
            return with_json_body(response, body)
        return response


class HideRejections(Transform):
    """PORT-010: an import reports no rejected line, whatever it dropped."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if (
            request.method == "GET"
            and request.path.startswith("/port/v1/imports/")
            and isinstance(body, dict)
        ):
            body["rejected"] = []
            return with_json_body(response, body)
        return response


class CorruptMedia(Transform):
    """PORT-011: media downloads lose their last byte."""

    def __init__(self, path_prefix: str = "/port/v1/media/") -> None:
        self.prefix = path_prefix

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if (
            request.method == "GET"
            and request.path.startswith(self.prefix)
            and response.status == 200
        ):
            response.body = response.body[:-1]
        return response


class IgnoreRange(Transform):
    """PORT-012: the Range header never reaches the platform."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        request.headers = {k: v for k, v in request.headers.items() if k.lower() != "range"}
        return None


class ForgetDeletes(Transform):
    """PORT-015: DELETE of a record answers 204 and does nothing."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.method == "DELETE" and request.path.startswith("/port/v1/records/"):
            return ProxyResponse(204, {}, b"")
        return None


class TrustMediaPath(Transform):
    """PORT-016: bytes that do not hash to the path are stored under their own hash, 201."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.method == "PUT" and request.path.startswith("/port/v1/media/"):
            actual = hashlib.sha256(request.body).hexdigest()
            if request.path.rsplit("/", 1)[-1] != actual:
                request.path = f"/port/v1/media/{actual}"
                stored = exchange.forward(request)
                stored.status = 201 if stored.status in (200, 201) else stored.status
                return stored
        return None


class ResetImportTimestamps(Transform):
    """PORT-004/005: an import stamps records with the time of import, not the archive's."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.method == "POST" and request.path == "/port/v1/imports":
            lines = []
            for raw in request.body.split(b"\n"):
                try:
                    record = json.loads(raw)
                except ValueError:
                    lines.append(raw)
                    continue
                if isinstance(record, dict) and record.get("type") != "Manifest":
                    record["created_at"] = record["updated_at"] = "2001-01-01T00:00:00Z"
                lines.append(json.dumps(record, ensure_ascii=False).encode())
            request.body = b"\n".join(lines)
        return None


class IgnoreForeignProfile(Transform):
    """PORT-005: an archive exported from another account imports without its Profile."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.method == "POST" and request.path == "/port/v1/imports":
            lines = request.body.split(b"\n")
            try:
                head = json.loads(lines[0])
            except ValueError:
                return None
            if isinstance(head, dict) and head.get("type") == "Manifest" and head.get("subject"):
                request.body = b"\n".join(line for line in lines if b'"type":"Profile"' not in line)
        return None


class DropTypeBeyond(RewriteArchive):
    """PORT-004: records of one type past the first ``after`` of them vanish (a paging bug).

    The manifest is kept consistent, so only a check that imported more than
    ``after`` records of that type, and looked for each, sees it.
    """

    def rewrite(self, manifest: JsonObject | None, records: list[JsonObject]) -> bytes:
        kind = str(self.options.get("type", "Contact"))
        after = int(self.options.get("after", 25))
        kept, seen = [], 0
        for record in records:
            if record.get("type") == kind:
                seen += 1
                if seen > after:
                    continue
            kept.append(record)
        return serialize(kept, subject=_subject(manifest))


class ThirdPartySubset(RewriteArchive):
    """PORT-008: third-party exports lack one type of record once the account is big enough.

    First-party exports are untouched; a third-party export of an account
    holding more than ``min_records`` records loses every record of ``type``.
    """

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if "(third-party)" not in (request.header("User-Agent") or ""):
            return response
        return super().on_response(exchange, request, response)

    def rewrite(self, manifest: JsonObject | None, records: list[JsonObject]) -> bytes:
        kind = str(self.options.get("type", "Contact"))
        if len(records) > int(self.options.get("min_records", 20)):
            records = [r for r in records if r.get("type") != kind]
        return serialize(records, subject=_subject(manifest))


def _body_lines(body: bytes) -> list[bytes]:
    pieces = body.split(b"\n")
    return pieces[:-1] if pieces and pieces[-1] == b"" else pieces


_IMPORT = re.compile(r"^/port/v1/imports/([^/]+)$")


class RenumberRejections(Transform):
    """PORT-010: rejected lines are named by other numbers than the body's.

    ``mode: from-zero`` counts from 0; ``mode: skip-empty`` does not count
    empty lines, so every line after one is named one too low.
    """

    def __init__(self, mode: str = "skip-empty") -> None:
        self.mode = mode

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if request.method == "POST" and request.path == "/port/v1/imports":
            if response.status == 202 and response.header("Location"):
                empties = [n for n, raw in enumerate(_body_lines(request.body), 1) if raw == b""]
                with exchange.lock:
                    exchange.state[("empties", location_path(request, response))] = empties
            return response
        body = json_body(response)
        if request.method != "GET" or not _IMPORT.match(request.path) or not isinstance(body, dict):
            return response
        empties = exchange.state.get(("empties", request.path), [])
        for rejection in body.get("rejected") or []:
            if isinstance(rejection, dict) and isinstance(rejection.get("line"), int):
                line = rejection["line"]
                rejection["line"] = (
                    line - 1 if self.mode == "from-zero" else line - sum(e < line for e in empties)
                )
        return with_json_body(response, body)


_REFERENCES = ("media_ids", "in_reply_to", "avatar_media_id")


def _targets(record: JsonObject) -> set[str]:
    found = {str(t) for t in record.get("media_ids") or [] if isinstance(t, str)}
    found |= {
        str(record[k]) for k in ("in_reply_to", "avatar_media_id") if isinstance(record.get(k), str)
    }
    return found


def _without(record: JsonObject, gone: set[str]) -> JsonObject:
    stripped = dict(record)
    if isinstance(record.get("media_ids"), list):
        stripped["media_ids"] = [t for t in record["media_ids"] if t not in gone]
    for key in ("in_reply_to", "avatar_media_id"):
        if record.get(key) in gone:
            stripped[key] = None
    return stripped


class ImportReferrersOfRejected(Transform):
    """PORT-010: a line that refers to a rejected line is imported anyway, the reference dropped.

    The proxy imports the body, then imports again the rejected lines whose
    only fault may be a reference to a rejected line (those references
    removed), and reports both imports as one.
    """

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.method != "POST" or request.path != "/port/v1/imports":
            return None
        first = exchange.forward(request)
        if first.status != 202 or not first.header("Location"):
            return first
        path = location_path(request, first)
        job = _finished_import(exchange, request, path)
        if job is not None:
            merged = self._second_pass(exchange, request, job)
            if merged is not None:
                with exchange.lock:
                    exchange.state[("import", path)] = merged
        return first

    def _second_pass(
        self, exchange: Exchange, request: ProxyRequest, job: JsonObject
    ) -> JsonObject | None:
        lines = _body_lines(request.body)
        rejected = {r.get("line") for r in job.get("rejected") or [] if isinstance(r, dict)}
        parsed: dict[int, JsonObject] = {}
        for number in rejected:
            if isinstance(number, int) and 1 <= number <= len(lines):
                try:
                    value = json.loads(lines[number - 1])
                except ValueError:
                    continue
                if isinstance(value, dict) and isinstance(value.get("id"), str):
                    parsed[number] = value
        gone = {str(record["id"]) for record in parsed.values()}
        retried = [(n, r) for n, r in sorted(parsed.items()) if _targets(r) & gone]
        if not retried:
            return None
        body = b"".join(
            json.dumps(_without(r, gone), ensure_ascii=False).encode() + b"\n" for _, r in retried
        )
        second = exchange.forward(
            ProxyRequest("POST", request.path, request.query, dict(request.headers), body)
        )
        if second.status != 202 or not second.header("Location"):
            return None
        again = _finished_import(exchange, request, location_path(request, second))
        if again is None:
            return None
        still = {r.get("line") for r in again.get("rejected") or [] if isinstance(r, dict)}
        taken = {retried[i - 1][0] for i in range(1, len(retried) + 1) if i not in still}
        merged = dict(job)
        merged["rejected"] = [
            r
            for r in job.get("rejected") or []
            if not (isinstance(r, dict) and r.get("line") in taken)
        ]
        merged["id_map"] = {**(job.get("id_map") or {}), **(again.get("id_map") or {})}
        imported = dict(job.get("imported") or {})
        for kind, count in (again.get("imported") or {}).items():
            imported[kind] = imported.get(kind, 0) + count
        merged["imported"] = imported
        return merged

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        merged = exchange.state.get(("import", request.path))
        if request.method == "GET" and merged is not None and response.status == 200:
            return with_json_body(response, merged)
        return response


def _finished_import(exchange: Exchange, request: ProxyRequest, path: str) -> JsonObject | None:
    for _ in range(50):
        answer = exchange.forward(ProxyRequest("GET", path, "", dict(request.headers), b""))
        job = json_body(answer)
        if answer.status != 200 or not isinstance(job, dict):
            return None
        if job.get("status") in ("completed", "failed"):
            return job
        time.sleep(0.1)
    return None


class CascadeMissingFromFeed(Transform):
    """PORT-015: a record that lost a reference because of a delete never shows in the feed.

    The proxy remembers each record's last upsert in the feed and drops a
    later upsert that differs from it only by fewer references (and its
    ``updated_at``): exactly the change a delete makes to the records that
    referred to the deleted one.
    """

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path != "/port/v1/changes" or not isinstance(body, dict):
            return response
        kept = []
        with exchange.lock:
            for change in body.get("changes") or []:
                record = change.get("record") if isinstance(change, dict) else None
                if change.get("op") == "upsert" and isinstance(record, dict):
                    key = ("snapshot", str(change.get("id")))
                    before = exchange.state.get(key)
                    if before is not None and _lost_references_only(before, record):
                        continue
                    exchange.state[key] = record
                kept.append(change)
        body["changes"] = kept
        return with_json_body(response, body)


def _lost_references_only(before: JsonObject, after: JsonObject) -> bool:
    kind = str(after.get("type"))
    fields = set(FIELD_RULES.get(kind, {})) - set(_REFERENCES) - {"updated_at"}
    if any(before.get(f) != after.get(f) for f in fields if "[]" not in f):
        return False
    return _targets(after) < _targets(before)


TRANSFORMS: dict[str, type[Transform]] = {
    "ignore_foreign_profile": IgnoreForeignProfile,
    "stall_exports": StallExports,
    "corrupt_part_bytes": CorruptPartBytes,
    "drop_records": DropRecords,
    "miscount_manifest": MiscountManifest,
    "normalise_text": NormaliseText,
    "decimals_as_floats": DecimalsAsFloats,
    "leak_exports": LeakExports,
    "throttle_exports": ThrottleExports,
    "loop_changes_cursor": LoopChangesCursor,
    "hide_rejections": HideRejections,
    "corrupt_media": CorruptMedia,
    "ignore_range": IgnoreRange,
    "forget_deletes": ForgetDeletes,
    "trust_media_path": TrustMediaPath,
    "reset_import_timestamps": ResetImportTimestamps,
    "drop_type_beyond": DropTypeBeyond,
    "third_party_subset": ThirdPartySubset,
    "renumber_rejections": RenumberRejections,
    "import_referrers_of_rejected": ImportReferrersOfRejected,
    "cascade_missing_from_feed": CascadeMissingFromFeed,
    **ACCESS_TRANSFORMS,
}
