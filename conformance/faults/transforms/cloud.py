"""Transforms that break CLOUD's switching and OCI requirements (CLOUD-001…006, 201…204).

Each one changes what a platform says or serves in one way a real platform
could get wrong, and nothing more. None depends on the reference's own
paths beyond the draft's: the switching API's paths are the spec's, the
registry's are the distribution spec's, and an ``export_url`` is recognised
because the inventory named it.
"""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.transforms.common import json_body, with_json_body

SWITCHING_DOCUMENT = "/.well-known/cloud-switching"
INVENTORY = "/cloud/v1/inventory"
_EXPORT_JOB = re.compile(r"^/cloud/v1/switch-exports/[^/]+$")
_MANIFEST = re.compile(r"^/v2/.+/manifests/[^/]+$")
_BLOB = re.compile(r"^/v2/.+/blobs/[a-z0-9+._-]+:[a-zA-Z0-9=_-]+$")


class SwitchingDocumentFields(Transform):
    """CLOUD-001, 002, 005: the switching document's members replaced (``fields``), removed
    (``drop``), or media types added to its ``export_formats`` (``add_formats``)."""

    def __init__(
        self,
        fields: dict[str, Any] | None = None,
        drop: list[str] | None = None,
        add_formats: list[str] | None = None,
    ) -> None:
        self.fields = dict(fields or {})
        self.drop = list(drop or [])
        self.add_formats = list(add_formats or [])

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path != SWITCHING_DOCUMENT or not isinstance(body, dict):
            return response
        body.update(self.fields)
        for name in self.drop:
            body.pop(name, None)
        if self.add_formats and isinstance(body.get("export_formats"), list):
            body["export_formats"] += self.add_formats
        return with_json_body(response, body)


class InventoryWithout(Transform):
    """CLOUD-003: object resources whose SHA-256 begins with an even hex digit are left out.

    Chosen by content, so every read of the inventory leaves out the same
    ones (the empty object, ``e3b0…``, among them).
    """

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path != INVENTORY or not isinstance(body, dict):
            return response
        resources = body.get("resources")
        if isinstance(resources, list):
            body["resources"] = [r for r in resources if not _left_out(r)]
        return with_json_body(response, body)


def _left_out(resource: Any) -> bool:
    if not isinstance(resource, dict) or resource.get("kind") != "object":
        return False
    digest = str(resource.get("sha256", "")).lower()
    return bool(digest) and digest[0] in "02468ace"


class InventoryWrongSha256(Transform):
    """CLOUD-003, 004: every resource's ``sha256`` has its last hex digit changed."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path != INVENTORY or not isinstance(body, dict):
            return response
        for resource in body.get("resources") or []:
            digest = resource.get("sha256") if isinstance(resource, dict) else None
            if isinstance(digest, str) and digest:
                resource["sha256"] = digest[:-1] + ("0" if digest[-1] != "0" else "1")
        return with_json_body(response, body)


class ExportUrlsGzipped(Transform):
    """CLOUD-004: what an ``export_url`` serves is gzip-compressed, and no header says so.

    The paths the inventory names as ``export_url`` (on the proxy's origin)
    are remembered; their 200 answers are compressed on the way back.
    """

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if request.path == INVENTORY and isinstance(body, dict):
            with exchange.lock:
                paths = exchange.state.setdefault(("cloud", "export-paths"), set())
                for resource in body.get("resources") or []:
                    url = resource.get("export_url") if isinstance(resource, dict) else None
                    if isinstance(url, str):
                        parts = urlsplit(urljoin(request.path, url))
                        if not parts.netloc or parts.netloc == request.header("Host"):
                            paths.add(parts.path)
            return response
        with exchange.lock:
            known = request.path in exchange.state.get(("cloud", "export-paths"), set())
        if known and request.method == "GET" and response.status == 200:
            response.body = gzip.compress(response.body, mtime=0)
            response.drop_header("Content-Encoding")
        return response


class SwitchExportFields(Transform):
    """CLOUD-006: a switch-export states ``eta_days`` (``eta_days``) or a ``retrievable_until``
    only ``retrievable_days`` ahead of now (once it is set)."""

    def __init__(
        self, eta_days: float | None = None, retrievable_days: float | None = None
    ) -> None:
        self.eta_days = eta_days
        self.retrievable_days = retrievable_days

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        body = json_body(response)
        if not (request.method == "GET" and _EXPORT_JOB.match(request.path)):
            return response
        if not isinstance(body, dict) or response.status != 200:
            return response
        if self.eta_days is not None:
            body["eta_days"] = self.eta_days
        if self.retrievable_days is not None and body.get("retrievable_until") is not None:
            until = datetime.now(UTC) + timedelta(days=self.retrievable_days)
            body["retrievable_until"] = until.isoformat(timespec="seconds").replace("+00:00", "Z")
        return with_json_body(response, body)


class ManifestBytesChanged(Transform):
    """CLOUD-202: a manifest is served with a byte more than the digest its header states.

    As a registry that re-serialises manifests on the way out would: the
    JSON means the same, its digest does not.
    """

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if request.method == "GET" and response.status == 200 and _MANIFEST.match(request.path):
            response.body += b"\n"
        return response


class BlobShortened(Transform):
    """CLOUD-203: a blob's last byte is not sent (a transfer cut short)."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if request.method == "GET" and response.status == 200 and _BLOB.match(request.path):
            response.body = response.body[:-1]
        return response


class RegistryPlain404(Transform):
    """CLOUD-204: the registry's 404s are a web server's plain-text page, not OCI errors."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if response.status == 404 and request.path.startswith("/v2/"):
            response.drop_header("Content-Type")
            response.headers["Content-Type"] = "text/plain; charset=utf-8"
            response.body = b"404 page not found\n"
        return response


class VersionCheckRefused(Transform):
    """CLOUD-201: ``GET /v2/`` answers 401 with no ``WWW-Authenticate`` to say how to log in."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.path == "/v2/" and request.method in ("GET", "HEAD"):
            body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
            return ProxyResponse(401, {"Content-Type": "application/json"}, body)
        return None


TRANSFORMS: dict[str, type[Transform]] = {
    "cloud_switching_document": SwitchingDocumentFields,
    "cloud_inventory_without": InventoryWithout,
    "cloud_inventory_wrong_sha256": InventoryWrongSha256,
    "cloud_export_urls_gzipped": ExportUrlsGzipped,
    "cloud_switch_export_fields": SwitchExportFields,
    "cloud_manifest_bytes_changed": ManifestBytesChanged,
    "cloud_blob_shortened": BlobShortened,
    "cloud_registry_plain_404": RegistryPlain404,
    "cloud_version_check_refused": VersionCheckRefused,
}
