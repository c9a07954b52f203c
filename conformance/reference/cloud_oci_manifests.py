"""Manifests the registry accepts, what they reference, and the image it starts with.

The registry stores a manifest's bytes as pushed and serves them with the
media type it was pushed with; it reads a manifest only to refuse one that
is not JSON, contradicts its ``Content-Type``, or references blobs (or, for
an index, manifests) the repository does not hold, as the OCI distribution
spec lets a registry do (``MANIFEST_INVALID``, ``MANIFEST_BLOB_UNKNOWN``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from typing import Any, Final

from .cloud_oci_store import RegistryStore, StoredManifest, digest_of

OCI_MANIFEST: Final = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX: Final = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST: Final = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST: Final = "application/vnd.docker.distribution.manifest.list.v2+json"
IMAGE_TYPES: Final = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEX_TYPES: Final = frozenset({OCI_INDEX, DOCKER_LIST})

OCI_CONFIG: Final = "application/vnd.oci.image.config.v1+json"
OCI_LAYER: Final = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_CONFIG: Final = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER: Final = "application/vnd.docker.image.rootfs.diff.tar.gzip"

WELCOME_REPOSITORY: Final = "reference/welcome"
"""Where the registry holds an image from the start (tag ``latest``)."""


class ManifestRefused(Exception):
    """A manifest the registry will not store: ``code`` is the OCI error code."""

    def __init__(self, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class ManifestReferences:
    """What a pushed manifest is, and what must already be in its repository."""

    media_type: str
    blobs: tuple[str, ...]
    manifests: tuple[str, ...]


def _descriptor_digest(value: Any, where: str) -> str:
    if not isinstance(value, dict) or not isinstance(value.get("digest"), str):
        raise ManifestRefused("MANIFEST_INVALID", f"{where} is not a descriptor with a digest")
    digest: str = value["digest"]
    return digest


def read_manifest(data: bytes, content_type: str | None) -> ManifestReferences:
    """Read a pushed manifest; raise :class:`ManifestRefused` if it cannot be stored."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ManifestRefused("MANIFEST_INVALID", "the manifest is not JSON") from None
    if not isinstance(body, dict):
        raise ManifestRefused("MANIFEST_INVALID", "the manifest is not a JSON object")
    declared = body.get("mediaType")
    header = (content_type or "").split(";")[0].strip().lower() or None
    if header is not None and declared is not None and header != declared:
        raise ManifestRefused(
            "MANIFEST_INVALID",
            f"the Content-Type {header} differs from the manifest's mediaType {declared}",
        )
    media_type = header or declared
    if media_type not in IMAGE_TYPES | INDEX_TYPES:
        raise ManifestRefused(
            "MANIFEST_INVALID",
            f"the media type {media_type!r} is not an image manifest or index this registry stores",
            {"accepted": sorted(IMAGE_TYPES | INDEX_TYPES)},
        )
    if body.get("schemaVersion") != 2:
        raise ManifestRefused("MANIFEST_INVALID", "schemaVersion must be 2")
    if media_type in INDEX_TYPES:
        children = body.get("manifests")
        if not isinstance(children, list):
            raise ManifestRefused("MANIFEST_INVALID", "an index needs a manifests array")
        digests = tuple(_descriptor_digest(c, f"manifests[{i}]") for i, c in enumerate(children))
        return ManifestReferences(media_type, (), digests)
    layers = body.get("layers")
    if not isinstance(layers, list):
        raise ManifestRefused("MANIFEST_INVALID", "an image manifest needs a layers array")
    blobs = [_descriptor_digest(body.get("config"), "config")]
    for i, layer in enumerate(layers):
        digest = _descriptor_digest(layer, f"layers[{i}]")
        if not layer.get("urls"):  # a foreign layer is fetched from its URLs, not from here
            blobs.append(digest)
    return ManifestReferences(media_type, tuple(blobs), ())


@dataclass(frozen=True)
class Image:
    """An image ready to store: its blobs and its manifest."""

    blobs: tuple[bytes, ...]
    manifest: bytes
    media_type: str


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer() -> tuple[bytes, bytes]:
    """A tiny reproducible layer: (the tar, its gzip) with one text file."""
    text = b"This image was on the reference registry from the start.\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo("welcome.txt")
        info.size = len(text)
        info.mtime = 0
        archive.addfile(info, io.BytesIO(text))
    tar = buffer.getvalue()
    return tar, gzip.compress(tar, mtime=0)


def welcome_image(style: str) -> Image:
    """The image the registry holds from the start, as OCI (``oci``) or Docker (``docker``)."""
    docker = style == "docker"
    tar, layer = _layer()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["cat", "/welcome.txt"]},
            "rootfs": {"type": "layers", "diff_ids": [_sha256(tar)]},
        },
        separators=(",", ":"),
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
            "config": {
                "mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
                "digest": _sha256(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": DOCKER_LAYER if docker else OCI_LAYER,
                    "digest": _sha256(layer),
                    "size": len(layer),
                }
            ],
        },
        indent=3,
    ).encode()
    return Image((config, layer), manifest, DOCKER_MANIFEST if docker else OCI_MANIFEST)


def preload_welcome(store: RegistryStore, account: str, style: str) -> None:
    """Put the welcome image into ``reference/welcome:latest`` for ``account``."""
    if store.claim(WELCOME_REPOSITORY, account) != account:
        return
    image = welcome_image(style)
    for blob in image.blobs:
        digest = digest_of(blob)
        store.put_content(digest, blob)
        store.link_blob(WELCOME_REPOSITORY, digest, len(blob))
    digest = digest_of(image.manifest)
    manifest = StoredManifest(
        WELCOME_REPOSITORY, digest, image.media_type, len(image.manifest), digest[7:]
    )
    store.put_manifest(manifest, image.manifest, "latest")
