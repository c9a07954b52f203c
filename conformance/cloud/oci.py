"""A container registry's distribution API (OCI distribution spec) as the CLOUD checks use it.

Requests go through the check's ``Probe`` (guarded, paced, recorded). A
``401`` is answered as the registry's challenge asks (RFC 9110 §11.6.1):
``Basic`` with the configured login, or ``Bearer`` by fetching a token from
the challenge's ``realm`` (the distribution token protocol: ``service`` and
``scope`` as query parameters, the login as Basic credentials when there is
one) and retrying once. The token realm must be the registry's origin or one
of the target's ``allowed_origins``: the probe contacts nothing else.

The suite seeds its own image (``seed_image``): a config blob and layers of
seeded random bytes pushed as blobs (POST then PUT with ``digest``), then an
OCI image manifest pushed by tag. Deleting it afterwards may be refused
(deletion is optional in the distribution spec): that is not judged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from conformance._harness import bounded_json
from conformance._harness.cloud_target import OciSettings
from conformance._harness.errors import ConformanceError, Finding, Mismatch, ResponseTooLarge
from conformance._harness.probe import Probe, Response

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST))
"""What the suite accepts for a manifest: OCI's and Docker's image manifests and indexes."""

_CHALLENGE = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')


@dataclass(frozen=True)
class Blob:
    """A blob the suite pushed: its digest, size and bytes."""

    digest: str
    size: int
    data: bytes


@dataclass(frozen=True)
class SeededImage:
    """An image the suite pushed: its manifest (bytes and digest) and every blob."""

    tag: str
    manifest_digest: str
    manifest: bytes
    media_type: str
    blobs: list[Blob] = field(default_factory=list)


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_challenge(value: str) -> tuple[str, dict[str, str]]:
    """The scheme and parameters of a ``WWW-Authenticate`` value (its first challenge)."""
    scheme, _, rest = value.strip().partition(" ")
    params = {}
    for match in _CHALLENGE.finditer(rest):
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        params[match.group(1).lower()] = re.sub(r"\\(.)", r"\1", raw or "")
    return scheme.lower(), params


class OciClient:
    """The registry of ``settings`` on one check's probe."""

    def __init__(self, probe: Probe, settings: OciSettings) -> None:
        self.probe = probe
        self.settings = settings
        self._authorization: str | None = None

    @property
    def repository(self) -> str:
        """The repository the suite pushes into and pulls from (named by ``oci_of``)."""
        if self.settings.repository is None:
            raise ConformanceError(
                "OciClient needs OciSettings with a repository: "
                "conformance.cloud.surfaces.oci_of names one when the target file does not"
            )
        return self.settings.repository

    def url(self, path: str) -> str:
        """An absolute URL of the registry."""
        return self.settings.endpoint + path

    # -- one request, with the challenge answered --------------------------------------------

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        follow_redirects: bool = True,
    ) -> Response:
        """Send a request; a 401 is answered as its challenge asks, then retried once."""
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        response = self._send(method, url, headers, content, follow_redirects)
        if response.status != 401:
            return response
        challenge = response.headers.get("WWW-Authenticate", "")
        if not challenge or not self._authenticate(challenge, response):
            return response
        return self._send(method, url, headers, content, follow_redirects)

    def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        follow_redirects: bool,
    ) -> Response:
        sent = dict(headers or {})
        if self._authorization:
            sent["Authorization"] = self._authorization
        return self.probe.request(
            method,
            url,
            headers=sent,
            content=content,
            validate=False,  # the distribution API's bodies are judged by the checks
            follow_redirects=follow_redirects,
            identity=f"oci:{self.settings.username or 'anonymous'}",
        )

    def _authenticate(self, challenge: str, refusal: Response) -> bool:
        """Get credentials the challenge asks for; False when the suite has none to give."""
        scheme, params = parse_challenge(challenge)
        login = self._basic()
        if scheme == "basic":
            if login is None or self._authorization == login:
                return False
            self._authorization = login
            return True
        if scheme != "bearer" or not params.get("realm"):
            return False
        query = {k: params[k] for k in ("service", "scope") if params.get(k)}
        realm = urljoin(refusal.url, params["realm"])
        token_url = realm + ("&" if "?" in realm else "?") + urlencode(query) if query else realm
        response = self.probe.request(
            "GET",
            token_url,
            headers={"Authorization": login} if login else {},
            validate=False,
            identity=f"oci:{self.settings.username or 'anonymous'}",
        )
        if response.status != 200:
            return False
        try:
            body = bounded_json.loads(response.content, response.json_limit)
        except (ValueError, ResponseTooLarge):
            return False
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            return False
        authorization = f"Bearer {token}"
        if authorization == self._authorization:
            return False
        self._authorization = authorization
        return True

    def _basic(self) -> str | None:
        settings = self.settings
        if settings.username is None or settings.password is None:
            return None
        pair = f"{settings.username}:{settings.password.reveal()}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    # -- the API ---------------------------------------------------------------------------

    def ping(self) -> Response:
        """``GET /v2/`` (the API version check), with the challenge answered."""
        return self.request("GET", "/v2/")

    def _repo(self, rest: str) -> str:
        return f"/v2/{self.repository}/{rest}"

    def get_manifest(self, reference: str, *, accept: str = MANIFEST_ACCEPT) -> Response:
        """``GET`` a manifest by tag or digest."""
        return self.request(
            "GET", self._repo(f"manifests/{quote(reference, safe=':')}"), headers={"Accept": accept}
        )

    def head_manifest(self, reference: str, *, accept: str = MANIFEST_ACCEPT) -> Response:
        """``HEAD`` a manifest by tag or digest."""
        return self.request(
            "HEAD",
            self._repo(f"manifests/{quote(reference, safe=':')}"),
            headers={"Accept": accept},
        )

    def get_blob(self, digest: str) -> Response:
        """``GET`` a blob (a redirect to the registry's storage is followed if allowed)."""
        return self.request("GET", self._repo(f"blobs/{quote(digest, safe=':')}"))

    def push_blob(self, data: bytes) -> str:
        """Push a blob (POST an upload, PUT its bytes with the digest); its digest."""
        digest = sha256_digest(data)
        started = self.request("POST", self._repo("blobs/uploads/"), content=b"")
        self._require(started, (202,), "starting a blob upload")
        location = started.headers.get("Location")
        if not location:
            raise Finding(
                "a blob upload was started without a Location to send it to",
                operation="POST /v2/<name>/blobs/uploads/",
                mismatches=[Mismatch("header Location", "the upload's URL", None)],
                evidence=[started.exchange],
            )
        upload = urljoin(started.url, location)
        upload += ("&" if "?" in upload else "?") + urlencode({"digest": digest})
        finished = self.request(
            "PUT",
            upload,
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        self._require(finished, (201,), "finishing a blob upload")
        return digest

    def push_manifest(self, reference: str, body: bytes, media_type: str) -> Response:
        """``PUT`` a manifest under a tag or digest."""
        response = self.request(
            "PUT",
            self._repo(f"manifests/{quote(reference, safe=':')}"),
            content=body,
            headers={"Content-Type": media_type},
        )
        self._require(response, (201,), "pushing a manifest")
        return response

    def seed_image(self, tag: str, rng: random.Random, *, layers: int = 2) -> SeededImage:
        """Push a small image of seeded random layers under ``tag``."""
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": []},
                "config": {"Labels": {"org.opencontainers.image.revision": tag}},
            },
            sort_keys=True,
        ).encode()
        contents = [rng.randbytes(rng.randint(1, 64 * 1024)) for _ in range(layers)]
        blobs = [Blob(self.push_blob(data), len(data), data) for data in (config, *contents)]
        manifest_doc: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": blobs[0].digest, "size": blobs[0].size},
            "layers": [
                {"mediaType": OCI_LAYER, "digest": b.digest, "size": b.size} for b in blobs[1:]
            ],
        }
        manifest = json.dumps(manifest_doc, sort_keys=True, separators=(",", ":")).encode()
        self.push_manifest(tag, manifest, OCI_MANIFEST)
        return SeededImage(tag, sha256_digest(manifest), manifest, OCI_MANIFEST, blobs)

    def cleanup(self, image: SeededImage) -> None:
        """Delete a seeded image's manifest and blobs; a refusal or an error is not judged."""
        paths = [self._repo(f"manifests/{image.manifest_digest}")]
        paths += [self._repo(f"blobs/{b.digest}") for b in image.blobs]
        for path in paths:
            try:
                self.request("DELETE", path, follow_redirects=False)
            except ConformanceError:
                return

    def _require(self, response: Response, statuses: tuple[int, ...], doing: str) -> None:
        if response.status in statuses:
            return
        raise Finding(
            f"{doing} in {self.repository} failed: {response.status}",
            operation=f"{response.method} {urlsplit(response.url).path}",
            mismatches=[
                Mismatch(
                    "status",
                    " or ".join(map(str, statuses)),
                    response.status,
                    _oci_errors(response),
                )
            ],
            evidence=[response.exchange],
        )


def _oci_errors(response: Response) -> str:
    """The codes of an OCI error body, for a message (empty when there are none)."""
    try:
        body = bounded_json.loads(response.content, response.json_limit)
    except (ValueError, ResponseTooLarge):
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ""
    codes = [str(e.get("code")) for e in errors if isinstance(e, dict)]
    return "errors: " + ", ".join(codes) if codes else ""
