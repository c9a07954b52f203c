"""CLOUD's ``oci`` profile: a container registry under ``/v2/`` on the main application.

It serves the OCI distribution spec's Pull category (``GET /v2/``, manifests
and blobs by tag and digest, ``HEAD`` of both) and the Push endpoints the
suite and real clients (skopeo) seed images through: upload sessions
(``POST`` → ``202`` + ``Location``, ``PATCH`` chunks, ``PUT ?digest=``),
monolithic and cross-repository-mount uploads, ``PUT`` of manifests, tag
lists and deletes. Repository names may hold ``/``, so the whole path after
``/v2/`` is one route the registry parses itself; every answer, errors
included, is the registry's own (``{"errors": [{"code", "message",
"detail"}]}``), never a problem body. Bytes are served streamed, so nothing
between the registry and the socket re-encodes them.

Who may read and push is ``cloud.registry_auth``'s business
(:mod:`.cloud_oci_auth`); where owners are enforced, a repository belongs
to the account that first pushes to it with credentials, and only it may
push or delete there. The token endpoint of distribution's token flow
(``GET /cloud/v1/registry-token``, :meth:`RegistryAuth.token_endpoint`) is
part of the platform's JSON API, and answers its errors as problem details.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

from werkzeug.wrappers import Request, Response

from .choices import ChoiceSet
from .choices.cloud import BLOB_DELIVERY, LOCATIONS
from .cloud_export_urls import Signer
from .cloud_locations import locate
from .cloud_oci_auth import (
    TOKEN_PATH,
    BadCredentials,
    RegistryAuth,
    RegistryUser,
)
from .cloud_oci_http import (
    API_VERSION,
    MAX_BLOB_BYTES,
    MAX_MANIFEST_BYTES,
    NAME,
    TAG,
    OciError,
    content_response,
    file_chunks,
    request_body,
    supported_digest,
)
from .cloud_oci_manifests import ManifestRefused, read_manifest
from .cloud_oci_store import RegistryStore, StoredManifest, Upload, digest_of
from .problems import Problem
from .routing import Context, Route, json_response

METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_PATH: Final = re.compile(
    r"(?P<name>.+)/(?:manifests/(?P<reference>[^/]+)|blobs/uploads/(?P<upload>[^/]*)"
    r"|blobs/(?P<digest>[^/]+)|tags/(?P<tags>list))"
)
_CONTENT_RANGE: Final = re.compile(r"(?:bytes[ =])?(\d+)-(\d+)(?:/\d+|/\*)?")

BLOB_URL_SECONDS: Final = 300

_Operation = Callable[[Context, str, str], Response]
"""A registry operation: the request, the repository and the reference, digest or session."""


class Registry:
    """The ``/v2/`` routes over a :class:`RegistryStore`."""

    def __init__(self, store: RegistryStore, auth: RegistryAuth, choices: ChoiceSet) -> None:
        self._store = store
        self._auth = auth
        self._locations = choices[LOCATIONS]
        self._redirect = choices[BLOB_DELIVERY] == "redirect"
        self._signer = Signer()

    def routes(self) -> Sequence[Route]:
        """``/v2/`` and everything under it, and the token endpoint; the registry
        authenticates on its own."""
        return [
            Route(TOKEN_PATH, ("GET",), self._auth.token_endpoint, anonymous=True),
            Route("/v2/", METHODS, self.base, anonymous=True),
            Route("/v2/<path:rest>", METHODS, self.dispatch, anonymous=True),
        ]

    # -- plumbing --------------------------------------------------------------------

    def _location(self, request: Request, path: str) -> str:
        return locate(request, path, self._locations)

    def _user(self, ctx: Context, repo: str | None, push: bool) -> RegistryUser | None:
        """The caller; a 401 challenge if its credentials are wrong or do not allow this."""
        try:
            user = self._auth.identify(ctx.request, ctx.caller)
        except BadCredentials as exc:
            raise self._unauthorized(ctx.request, repo, push, str(exc)) from None
        allowed = self._auth.may_write(user) if push else self._auth.may_read(user)
        if not allowed:
            why = "authentication required" if user is None else "these credentials cannot push"
            raise self._unauthorized(ctx.request, repo, push, why)
        return user

    def _unauthorized(self, request: Request, repo: str | None, push: bool, why: str) -> OciError:
        challenge = self._auth.challenge(request, repo, push)
        return OciError(401, "UNAUTHORIZED", why, None, {"WWW-Authenticate": challenge})

    def _writer(self, ctx: Context, repo: str) -> str:
        """The pushing account ("" when anonymous), if it may push to ``repo``.

        A new repository belongs to the account that first pushes to it.
        """
        user = self._user(ctx, repo, push=True)
        if not NAME.fullmatch(repo) or len(repo) > 255:
            raise OciError(400, "NAME_INVALID", f"{repo!r} is not a repository name")
        account = user.account if user is not None else ""
        owner = self._store.claim(repo, account)
        if self._auth.owners_enforced and owner != account:
            raise OciError(403, "DENIED", f"{repo} belongs to another account")
        return account

    def _reader(self, ctx: Context, repo: str) -> None:
        """Refuse a read the caller may not make, or of a repository that does not exist."""
        self._user(ctx, repo, push=False)
        if not NAME.fullmatch(repo) or self._store.owner(repo) is None:
            raise OciError(404, "NAME_UNKNOWN", f"no repository {repo!r}", {"name": repo})

    # -- routes ----------------------------------------------------------------------

    def base(self, ctx: Context) -> Response:
        """``GET /v2/``: 200 to whoever may read, else the challenge."""
        try:
            self._user(ctx, None, push=False)
        except OciError as error:
            return error.response()
        return json_response({}, 200, API_VERSION)

    def dispatch(self, ctx: Context) -> Response:
        """Route a ``/v2/<name>/…`` request to its operation."""
        try:
            return self._dispatch(ctx)
        except OciError as error:
            return error.response()

    def _dispatch(self, ctx: Context) -> Response:
        match = _PATH.fullmatch(ctx.args["rest"])
        method = ctx.request.method
        if match is None:
            raise OciError(404, "NAME_UNKNOWN", "no registry operation at this path")
        repo = match["name"]
        handlers: dict[str, _Operation]
        if match["reference"] is not None:
            handlers = {
                "GET": self.get_manifest,
                "HEAD": self.get_manifest,
                "PUT": self.put_manifest,
                "DELETE": self.delete_manifest,
            }
            argument = match["reference"]
        elif match["upload"] is not None:
            handlers = {
                "POST": self.start_upload,
                "PATCH": self.patch_upload,
                "PUT": self.finish_upload,
                "GET": self.upload_status,
                "DELETE": self.cancel_upload,
            }
            argument = match["upload"]
        elif match["digest"] is not None:
            handlers = {"GET": self.get_blob, "HEAD": self.get_blob, "DELETE": self.delete_blob}
            argument = match["digest"]
        else:
            handlers = {"GET": self.list_tags, "HEAD": self.list_tags}
            argument = ""
        handler = handlers.get(method)
        if handler is None:
            raise OciError(
                405,
                "UNSUPPORTED",
                f"{method} is not supported here",
                None,
                {"Allow": ", ".join(sorted(handlers))},
            )
        return handler(ctx, repo, argument)

    # -- manifests -------------------------------------------------------------------

    def _manifest(self, repo: str, reference: str) -> StoredManifest:
        known = TAG.fullmatch(reference) or supported_digest(reference)
        manifest = self._store.manifest(repo, reference) if known else None
        if manifest is None:
            raise OciError(
                404,
                "MANIFEST_UNKNOWN",
                f"no manifest {reference!r} in {repo}",
                {"name": repo, "reference": reference},
            )
        return manifest

    def get_manifest(self, ctx: Context, repo: str, reference: str) -> Response:
        """GET/HEAD ``/v2/<name>/manifests/<tag or digest>``: the bytes as pushed."""
        self._reader(ctx, repo)
        manifest = self._manifest(repo, reference)
        data = self._store.read_content(manifest.digest)
        head = ctx.request.method == "HEAD"
        return content_response(
            head, manifest.size, manifest.media_type, manifest.digest, iter((data,))
        )

    def put_manifest(self, ctx: Context, repo: str, reference: str) -> Response:
        """PUT ``/v2/<name>/manifests/<tag or digest>``: 201 with its digest."""
        self._writer(ctx, repo)
        by_digest = ":" in reference
        if by_digest and supported_digest(reference) is None:
            raise OciError(400, "DIGEST_INVALID", f"{reference!r} is not a supported digest")
        if not by_digest and not TAG.fullmatch(reference):
            raise OciError(400, "MANIFEST_INVALID", f"{reference!r} is not a valid tag")
        data = b"".join(request_body(ctx.request, MAX_MANIFEST_BYTES))
        try:
            refs = read_manifest(data, ctx.request.headers.get("Content-Type"))
        except ManifestRefused as refused:
            raise OciError(400, refused.code, refused.message, refused.detail) from None
        for blob in refs.blobs:
            if supported_digest(blob) is None or self._store.blob_size(repo, blob) is None:
                raise OciError(
                    400,
                    "MANIFEST_BLOB_UNKNOWN",
                    f"the manifest references blob {blob}, which {repo} does not hold",
                    {"digest": blob},
                )
        for child in refs.manifests:
            if supported_digest(child) is None or self._store.manifest(repo, child) is None:
                raise OciError(
                    400,
                    "MANIFEST_BLOB_UNKNOWN",
                    f"the index references manifest {child}, which {repo} does not hold",
                    {"digest": child},
                )
        algorithm = reference.partition(":")[0] if by_digest else "sha256"
        digest = digest_of(data, algorithm)
        if by_digest and digest != reference:
            raise OciError(
                400,
                "DIGEST_INVALID",
                f"the manifest's bytes hash to {digest}, not {reference}",
                {"expected": reference, "received": digest},
            )
        stored = StoredManifest(repo, digest, refs.media_type, len(data), digest_of(data)[7:])
        self._store.put_manifest(stored, data, None if by_digest else reference)
        location = self._location(ctx.request, f"/v2/{repo}/manifests/{digest}")
        headers = {"Location": location, "Docker-Content-Digest": digest, **API_VERSION}
        return Response(b"", status=201, headers=headers)

    def delete_manifest(self, ctx: Context, repo: str, reference: str) -> Response:
        """DELETE a manifest by digest, or a tag: 202."""
        self._writer(ctx, repo)
        if not self._store.delete_manifest(repo, reference):
            raise OciError(404, "MANIFEST_UNKNOWN", f"no manifest {reference!r} in {repo}")
        return Response(b"", status=202, headers=API_VERSION)

    # -- blobs -----------------------------------------------------------------------

    def _blob_size(self, repo: str, digest: str) -> int:
        size = self._store.blob_size(repo, digest) if supported_digest(digest) else None
        if size is None:
            raise OciError(404, "BLOB_UNKNOWN", f"no blob {digest!r} in {repo}", {"digest": digest})
        return size

    def get_blob(self, ctx: Context, repo: str, digest: str) -> Response:
        """GET/HEAD ``/v2/<name>/blobs/<digest>``: the bytes, their length and digest.

        With ``cloud.blob_delivery`` ``redirect`` a GET answers 307 to the same
        blob URL signed (``?expires=…&sig=…``), which serves the bytes to
        whoever holds it, as a registry's storage does.
        """
        head = ctx.request.method == "HEAD"
        signed = "sig" in ctx.request.args
        if signed:
            try:
                self._signer.verify(f"blob/{repo}/{digest}", ctx.request.args)
            except Problem as refused:
                raise OciError(403, "DENIED", refused.detail) from None
        else:
            self._reader(ctx, repo)
        size = self._blob_size(repo, digest)
        if self._redirect and not head and not signed:
            query = self._signer.query(f"blob/{repo}/{digest}", BLOB_URL_SECONDS)
            location = self._location(ctx.request, f"/v2/{repo}/blobs/{digest}?{query}")
            headers = {"Location": location, "Docker-Content-Digest": digest, **API_VERSION}
            return Response(b"", status=307, headers=headers)
        path = self._store.content_path(digest)
        return content_response(head, size, "application/octet-stream", digest, file_chunks(path))

    def delete_blob(self, ctx: Context, repo: str, digest: str) -> Response:
        """DELETE a blob from a repository: 202."""
        self._writer(ctx, repo)
        self._blob_size(repo, digest)
        self._store.unlink_blob(repo, digest)
        return Response(b"", status=202, headers=API_VERSION)

    # -- uploads ---------------------------------------------------------------------

    def _blob_created(self, request: Request, repo: str, digest: str) -> Response:
        headers = {
            "Location": self._location(request, f"/v2/{repo}/blobs/{digest}"),
            "Docker-Content-Digest": digest,
            **API_VERSION,
        }
        return Response(b"", status=201, headers=headers)

    def _session_headers(self, request: Request, upload: Upload) -> dict[str, str]:
        return {
            "Location": self._location(request, f"/v2/{upload.repo}/blobs/uploads/{upload.id}"),
            "Range": f"0-{max(upload.size - 1, 0)}",
            "Docker-Upload-UUID": upload.id,
            **API_VERSION,
        }

    def _finish(self, request: Request, upload: Upload, digest: str | None) -> Response:
        if digest is None or supported_digest(digest) is None:
            self._store.cancel_upload(upload)
            raise OciError(
                400, "DIGEST_INVALID", "the upload needs ?digest= with a sha256 or sha512 digest"
            )
        if not self._store.finish_upload(upload, digest):
            raise OciError(
                400, "DIGEST_INVALID", f"the uploaded bytes do not hash to {digest}", digest
            )
        return self._blob_created(request, upload.repo, digest)

    def start_upload(self, ctx: Context, repo: str, session: str) -> Response:
        """POST ``/v2/<name>/blobs/uploads/``: a session (202), a mount or a whole blob (201)."""
        if session:
            raise OciError(405, "UNSUPPORTED", "POST opens a session at .../blobs/uploads/")
        account = self._writer(ctx, repo)
        query = ctx.request.args
        mount, source = query.get("mount"), query.get("from")
        if mount is not None and source is not None and supported_digest(mount):
            size = self._store.blob_size(source, mount)
            if size is not None:
                self._store.link_blob(repo, mount, size)
                return self._blob_created(ctx.request, repo, mount)
        upload = self._store.start_upload(repo, account)
        digest = query.get("digest")
        if digest is not None:
            self._store.append(upload, request_body(ctx.request, MAX_BLOB_BYTES))
            return self._finish(ctx.request, upload, digest)
        return Response(b"", status=202, headers=self._session_headers(ctx.request, upload))

    def _session(self, ctx: Context, repo: str, session: str) -> Upload:
        account = self._writer(ctx, repo)
        upload = self._store.upload(session)
        foreign = upload is not None and upload.owner != account and self._auth.owners_enforced
        if upload is None or upload.repo != repo or foreign:
            raise OciError(404, "BLOB_UPLOAD_UNKNOWN", f"no upload session {session!r} in {repo}")
        return upload

    def patch_upload(self, ctx: Context, repo: str, session: str) -> Response:
        """PATCH a chunk into a session: 202 with the range received so far."""
        upload = self._session(ctx, repo, session)
        content_range = ctx.request.headers.get("Content-Range")
        if content_range is not None:
            match = _CONTENT_RANGE.fullmatch(content_range.strip())
            if match is None or int(match[1]) != upload.size:
                raise OciError(
                    416,
                    "BLOB_UPLOAD_INVALID",
                    f"the chunk must start at byte {upload.size}",
                    None,
                    self._session_headers(ctx.request, upload),
                )
        self._store.append(upload, request_body(ctx.request, MAX_BLOB_BYTES - upload.size))
        return Response(b"", status=202, headers=self._session_headers(ctx.request, upload))

    def finish_upload(self, ctx: Context, repo: str, session: str) -> Response:
        """PUT ``<location>?digest=``: the last chunk (if any), then 201 with the digest."""
        upload = self._session(ctx, repo, session)
        self._store.append(upload, request_body(ctx.request, MAX_BLOB_BYTES - upload.size))
        return self._finish(ctx.request, upload, ctx.request.args.get("digest"))

    def upload_status(self, ctx: Context, repo: str, session: str) -> Response:
        """GET a session: 204 with the range received so far."""
        upload = self._session(ctx, repo, session)
        return Response(b"", status=204, headers=self._session_headers(ctx.request, upload))

    def cancel_upload(self, ctx: Context, repo: str, session: str) -> Response:
        """DELETE a session: 204."""
        self._store.cancel_upload(self._session(ctx, repo, session))
        return Response(b"", status=204, headers=API_VERSION)

    # -- tags ------------------------------------------------------------------------

    def list_tags(self, ctx: Context, repo: str, _: str) -> Response:
        """GET ``/v2/<name>/tags/list?n=&last=``: tags in lexical order, paged by ``n``."""
        self._reader(ctx, repo)
        tags = self._store.tags(repo)
        last = ctx.request.args.get("last")
        if last is not None:
            tags = [t for t in tags if t > last]
        raw_n = ctx.request.args.get("n")
        headers = dict(API_VERSION)
        if raw_n is not None:
            if not raw_n.isdigit() or len(raw_n) > 9:
                raise OciError(400, "PAGINATION_NUMBER_INVALID", "n must be a whole number")
            n = int(raw_n)
            if len(tags) > n:
                next_url = f"/v2/{repo}/tags/list?n={n}&last={tags[n - 1]}" if n else None
                if next_url is not None:
                    headers["Link"] = f'<{next_url}>; rel="next"'
                tags = tags[:n]
        return json_response({"name": repo, "tags": tags}, 200, headers)
