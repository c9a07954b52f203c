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
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, problem, with_json_body
from conformance.port.archive import JsonObject, read_archive, serialize

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
        chunks = []
        for part in job.get("parts", []):
            url = str(part["url"])
            path, _, query = url.partition("?")
            if path.startswith("http"):
                path = "/" + path.split("/", 3)[3]
            fetched = exchange.forward(ProxyRequest("GET", path, query, dict(request.headers), b""))
            chunks.append(fetched.body)
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
        location = response.header("Location") or ""
        match = _JOB.match(location.split("?")[0]) if location.startswith("/") else None
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
}
