"""CLOUD 1.0: cloud switching and migration, as a module of the reference platform.

Three profiles (CLOUD.md): ``s3`` is served by its own listener over the
object store this module reads (``ctx.objects``); ``oci`` is the registry
under ``/v2/`` on this application (:mod:`.cloud_oci`); ``switching`` is
here: the anonymous switching document, the account's inventory (its
objects, its images and optionally a config snapshot, each with an
``export_url``) and switch-exports that complete and stay retrievable.
Where the draft leaves a choice open the module takes the option of its
``ChoiceSet`` (see ``choices/cloud.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from .choices import DEFAULT, ChoiceSet
from .choices.cloud import EXPORT_BODY, EXPORT_URLS, LOCATIONS, PRELOADED_IMAGE, REGISTRY_AUTH
from .clock import format_timestamp, utc_now
from .cloud_export_urls import AUTHENTICATED_PREFIX, SIGNED_PREFIX, ExportUrls
from .cloud_exports import SwitchExports
from .cloud_inventory import Inventory, ObjectSource, Resource
from .cloud_locations import locate
from .cloud_oci import Registry
from .cloud_oci_auth import RegistryAuth
from .cloud_oci_http import stored_bytes
from .cloud_oci_manifests import preload_welcome
from .cloud_oci_store import RegistryStore
from .cloud_switching import switching_document
from .identities import Identities
from .problems import Problem
from .routing import Claim, Context, Route, json_response, read_body

if TYPE_CHECKING:
    from .standards import ModuleContext

EXPORTS_PATH: Final = "/cloud/v1/switch-exports"
INVENTORY_URL_SECONDS: Final = 3600
WELCOME_OWNER: Final = "alice"


class CloudModule:
    """The switching routes and the registry, over the object store and the registry store."""

    def __init__(
        self,
        objects: ObjectSource,
        registry: RegistryStore,
        identities: Identities,
        choices: ChoiceSet = DEFAULT,
    ) -> None:
        self._choices = choices
        self._registry_store = registry
        self._auth = RegistryAuth(choices[REGISTRY_AUTH], identities.users, identities.tokens)
        self._registry = Registry(registry, self._auth, choices)
        self._inventory = Inventory(objects, registry, choices)
        self._urls = ExportUrls(choices[EXPORT_URLS] == "signed")
        self._exports = SwitchExports(choices)
        self._locations = choices[LOCATIONS]

    def routes(self) -> Sequence[Route]:
        """The switching operations, export downloads, the registry and its token endpoint."""
        return [
            Route("/.well-known/cloud-switching", ("GET",), self.switching, anonymous=True),
            Route("/cloud/v1/inventory", ("GET",), self.inventory),
            Route(EXPORTS_PATH, ("POST",), self.create_export),
            Route(EXPORTS_PATH + "/<id>", ("GET",), self.get_export),
            Route(EXPORTS_PATH + "/<id>/manifest", ("GET",), self.export_manifest),
            Route(SIGNED_PREFIX + "<account>/<id>", ("GET",), self.signed_content, anonymous=True),
            Route(AUTHENTICATED_PREFIX + "<id>/content", ("GET",), self.content),
            *self._registry.routes(),
        ]

    def claims(self) -> Sequence[Claim]:
        """CLOUD 1.0 with its three profiles."""
        return [Claim("CLOUD", "1.0", ("s3", "oci", "switching"))]

    def limits(self) -> Mapping[str, int]:
        """CLOUD declares no discovery limits (its numbers are in the switching document)."""
        return {}

    def close(self) -> None:
        """Close the registry's index."""
        self._registry_store.close()

    def _location(self, request: Request, path: str) -> str:
        return locate(request, path, self._locations)

    # -- switching -------------------------------------------------------------------

    def switching(self, ctx: Context) -> Response:
        """GET /.well-known/cloud-switching (anonymous)."""
        return json_response(switching_document(self._choices, utc_now()))

    def _resource_json(
        self, request: Request, account: str, resource: Resource, lifetime: float
    ) -> dict[str, Any]:
        return {
            "id": resource.id,
            "kind": resource.kind,
            "size": resource.size,
            "sha256": resource.sha256,
            "media_type": resource.media_type,
            "export_url": self._location(request, self._urls.url(account, resource.id, lifetime)),
        }

    def inventory(self, ctx: Context) -> Response:
        """GET /cloud/v1/inventory?cursor=: one page of the account's resources."""
        account = ctx.account
        resources = self._inventory.resources(account)
        page, next_cursor = self._inventory.page(resources, ctx.request.args.get("cursor"))
        return json_response(
            {
                "resources": [
                    self._resource_json(ctx.request, account, r, INVENTORY_URL_SECONDS)
                    for r in page
                ],
                "next_cursor": next_cursor,
            }
        )

    def _content_response(self, ctx: Context, account: str, resource_id: str) -> Response:
        resource, data = self._inventory.content(account, resource_id)
        head = ctx.request.method == "HEAD"
        response = stored_bytes(head, len(data), resource.media_type, iter((data,)))
        response.headers["ETag"] = f'"{resource.sha256}"'
        return response

    def signed_content(self, ctx: Context) -> Response:
        """GET a signed export URL: the resource's bytes, no credentials needed."""
        if not self._urls.signed:
            raise Problem(
                404, "NOT_FOUND", "this platform serves exports under /cloud/v1/resources/"
            )
        account, resource_id = ctx.args["account"], ctx.args["id"]
        self._urls.verify(account, resource_id, ctx.request.args)
        return self._content_response(ctx, account, resource_id)

    def content(self, ctx: Context) -> Response:
        """GET /cloud/v1/resources/{id}/content: the bytes, for the account's own token."""
        return self._content_response(ctx, ctx.account, ctx.args["id"])

    # -- switch-exports --------------------------------------------------------------

    def _export_path(self, export_id: str) -> str:
        return f"{EXPORTS_PATH}/{quote(export_id, safe='')}"

    def create_export(self, ctx: Context) -> Response:
        """POST /cloud/v1/switch-exports: 202 with the export's Location."""
        account = ctx.account
        raw = read_body(ctx.request, 64 * 1024)
        if raw.strip():
            try:
                body = json.loads(raw)
            except (UnicodeDecodeError, ValueError, RecursionError):
                raise Problem(422, "INVALID", "the body is not JSON") from None
            if not isinstance(body, dict):
                raise Problem(422, "INVALID", "the body must be a JSON object (or empty)")
        export = self._exports.create(account, self._inventory.resources(account))
        headers = {"Location": self._location(ctx.request, self._export_path(export.id))}
        if self._choices[EXPORT_BODY] == "representation":
            response = self._export_response(ctx.request, export.id, account, 202)
        else:
            body = {"id": export.id, "status": self._exports.status(export)}
            response = json_response(body, 202)
        response.headers.update(headers)
        return response

    def _export_response(
        self, request: Request, export_id: str, account: str, status: int = 200
    ) -> Response:
        """The export as GET shows it, with ``Retry-After`` while it runs."""
        export = self._exports.get(account, export_id)
        manifest = self._location(request, self._export_path(export.id) + "/manifest")
        response = json_response(self._exports.view(export, manifest), status)
        retry_after = self._exports.retry_after(export)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    def get_export(self, ctx: Context) -> Response:
        """GET /cloud/v1/switch-exports/{id}."""
        return self._export_response(ctx.request, ctx.args["id"], ctx.account)

    def export_manifest(self, ctx: Context) -> Response:
        """GET the manifest of a completed export: every resource and where to fetch it."""
        account = ctx.account
        export = self._exports.get(account, ctx.args["id"])
        until = self._exports.retrievable_until(export)
        if until is None:
            raise Problem(409, "CONFLICT", "the export is not completed yet")
        lifetime = (until - utc_now()).total_seconds()
        if lifetime <= 0:
            raise Problem(410, "GONE", "the export is no longer retrievable")
        return json_response(
            {
                "export_id": export.id,
                "created_at": format_timestamp(export.created_at),
                "retrievable_until": format_timestamp(until),
                "resources": [
                    self._resource_json(ctx.request, account, r, lifetime) for r in export.resources
                ],
            }
        )


def create(ctx: ModuleContext) -> CloudModule:
    """The CLOUD module, its registry kept under ``<data dir>/oci``."""
    registry = RegistryStore(ctx.store.data_dir / "oci")
    owner = ctx.identities.users.get(WELCOME_OWNER)
    if owner is not None:
        preload_welcome(registry, owner, ctx.choices[PRELOADED_IMAGE])
    return CloudModule(ctx.objects, registry, ctx.identities, ctx.choices)
