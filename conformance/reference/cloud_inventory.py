"""The switching inventory: every resource an account holds, and its bytes.

Resources are read live from where they are kept, never copied: the
account's objects from the S3 surface's store (``ctx.objects``), the
manifests of the registry repositories it owns, and (``cloud.inventory_extras``)
a ``config`` resource, a JSON snapshot of the account's buckets and
repositories kept in memory by content. Ids are derived from what a
resource is (bucket and key, repository and digest, the snapshot's hash),
so the same resource has the same id on every page and every read; the
listing is sorted by id, and a cursor names where the next page starts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from .choices import ChoiceSet
from .choices.cloud import INVENTORY_CURSOR, INVENTORY_EXTRAS, INVENTORY_PAGE
from .cloud_oci_store import RegistryStore
from .problems import Problem

_SNAPSHOTS_KEPT: Final = 256


class ObjectInfo(Protocol):
    """What the inventory reads of a stored object (``cloud_store.StoredObject``)."""

    @property
    def bucket(self) -> str:
        """The bucket."""
        ...

    @property
    def key(self) -> str:
        """The key."""
        ...

    @property
    def size(self) -> int:
        """Bytes."""
        ...

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes."""
        ...

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` it was written with."""
        ...


class ObjectSource(Protocol):
    """The S3 surface's store as the inventory uses it (``cloud_store.ObjectStore``)."""

    def objects_of(self, account: str) -> Sequence[ObjectInfo]:
        """Every object in the buckets ``account`` owns."""
        ...

    def read(self, bucket: str, key: str) -> bytes:
        """An object's bytes."""
        ...


@dataclass(frozen=True)
class Resource:
    """One inventory entry; ``locator`` says where its bytes are (by kind)."""

    id: str
    kind: str
    size: int
    sha256: str
    media_type: str
    locator: tuple[str, str]


def _id(prefix: str, *parts: str) -> str:
    text = "\0".join(parts).encode("utf-8", "surrogatepass")
    return f"{prefix}_{hashlib.sha256(text).hexdigest()[:32]}"


class Inventory:
    """Enumerate, page and read one account's resources."""

    def __init__(self, objects: ObjectSource, registry: RegistryStore, choices: ChoiceSet) -> None:
        self._objects = objects
        self._registry = registry
        self._extras = choices[INVENTORY_EXTRAS]
        self._page_size = choices[INVENTORY_PAGE]
        self._cursor_style = choices[INVENTORY_CURSOR]
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[str, bytes] = OrderedDict()

    def resources(self, account: str) -> list[Resource]:
        """Every resource of ``account``, sorted by id."""
        found = [
            Resource(
                _id("obj", o.bucket, o.key),
                "object",
                o.size,
                o.sha256,
                o.content_type or "application/octet-stream",
                (o.bucket, o.key),
            )
            for o in self._objects.objects_of(account)
        ]
        repositories = self._registry.repositories_of(account)
        if self._extras != "objects-only":
            for repo in repositories:
                found += [
                    Resource(
                        _id("img", repo, m.digest),
                        "image",
                        m.size,
                        m.sha256,
                        m.media_type,
                        (repo, m.digest),
                    )
                    for m in self._registry.manifests_of(repo)
                ]
        if self._extras == "images-and-config":
            found.append(
                self._config(
                    sorted({r.locator[0] for r in found if r.kind == "object"}), repositories
                )
            )
        return sorted(found, key=lambda r: r.id)

    def _config(self, buckets: list[str], repositories: list[str]) -> Resource:
        data = json.dumps(
            {"buckets": buckets, "repositories": repositories}, indent=2, sort_keys=True
        ).encode()
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._snapshots[digest] = data
            self._snapshots.move_to_end(digest)
            while len(self._snapshots) > _SNAPSHOTS_KEPT:
                self._snapshots.popitem(last=False)
        return Resource(
            _id("cfg", digest), "config", len(data), digest, "application/json", ("", digest)
        )

    def content(self, account: str, resource_id: str) -> tuple[Resource, bytes]:
        """A resource of ``account`` and its bytes; 404 if the account holds no such one."""
        for resource in self.resources(account):
            if resource.id == resource_id:
                return resource, self._read(resource)
        raise Problem(404, "NOT_FOUND", f"this account holds no resource {resource_id!r}")

    def _read(self, resource: Resource) -> bytes:
        first, second = resource.locator
        try:
            if resource.kind == "object":
                return self._objects.read(first, second)
            if resource.kind == "image":
                return self._registry.read_content(second)
        except (KeyError, FileNotFoundError):
            raise Problem(404, "NOT_FOUND", "the resource was deleted") from None
        with self._lock:
            data = self._snapshots.get(second)
        if data is None:
            raise Problem(404, "NOT_FOUND", "the config snapshot is no longer kept")
        return data

    def page(
        self, resources: list[Resource], cursor: str | None
    ) -> tuple[list[Resource], str | None]:
        """The page that ``cursor`` starts (the first when None) and the next cursor."""
        start = 0 if cursor is None else self._start(resources, cursor)
        chunk = resources[start : start + self._page_size]
        end = start + len(chunk)
        if end >= len(resources):
            return chunk, None
        if self._cursor_style == "offset":
            return chunk, str(end)
        return chunk, base64.urlsafe_b64encode(chunk[-1].id.encode()).decode().rstrip("=")

    def _start(self, resources: list[Resource], cursor: str) -> int:
        invalid = Problem(400, "INVALID", "the cursor is not one this inventory handed out")
        if self._cursor_style == "offset":
            if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 12:
                raise invalid
            return int(cursor)
        try:
            after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise invalid from None
        return sum(1 for r in resources if r.id <= after)
