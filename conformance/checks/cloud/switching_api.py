"""What the switching checks share: the switching document, the inventory, seeded objects.

The document is read once per run, anonymously and without holding it to the
schema (CLOUD-001 validates it itself, so a broken field fails CLOUD-001, not
every requirement that reads another field). The inventory is read afresh by
each check that needs it, after its own objects are in place.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance import ALICE, Finding, Harness, Mismatch, Probe, Response, Role, Spec
from conformance.cloud.inventory import Inventory, read_inventory
from conformance.cloud.s3 import S3Client


@dataclass(frozen=True)
class SwitchingDocument:
    """The switching document as received."""

    body: Mapping[str, Any]
    exchange: str


@dataclass(frozen=True)
class SeededObject:
    """An object the suite put into a scratch bucket, with the facts the inventory must show."""

    bucket: str
    key: str
    data: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def pair(self) -> tuple[int, str]:
        """``(size, sha256)``, as an inventory resource states them."""
        return len(self.data), self.sha256


def cloud_spec(harness: Harness) -> Spec:
    """CLOUD's spec (the operations are named there, not here)."""
    return harness.catalogue.spec("CLOUD")


def claims_profile(harness: Harness, profile: str) -> bool:
    """Whether the platform claims a CLOUD profile."""
    return profile in harness.claims().profiles.get("CLOUD", ())


def fetch_document(probe: Probe, harness: Harness, *, validate: bool) -> SwitchingDocument:
    """GET the switching document anonymously; an absent or unreadable one is a finding."""
    response = probe.get(cloud_spec(harness).path_of("getSwitchingDocument"), validate=validate)
    if response.status != 200:
        raise Finding(
            "the switching document cannot be read",
            operation="getSwitchingDocument",
            mismatches=[Mismatch("status", 200, response.status, "GET anonymously, as anyone may")],
            evidence=[response.exchange],
        )
    body = response.json()
    if not isinstance(body, dict):
        raise Finding(
            "the switching document is not a JSON object",
            operation="getSwitchingDocument",
            mismatches=[Mismatch("body", "a JSON object", type(body).__name__)],
            evidence=[response.exchange],
        )
    return SwitchingDocument(body, response.exchange)


def switching_document(probe: Probe, harness: Harness) -> SwitchingDocument:
    """The document, read once per run (its exchange is cited by every check using it)."""
    return harness.memo(
        "cloud.switching.document", lambda: fetch_document(probe, harness, validate=False)
    )


def inventory_path(harness: Harness) -> str:
    """The inventory's path."""
    return cloud_spec(harness).path_of("listInventory")


def read_inventory_as(probe: Probe, harness: Harness, role: Role = ALICE) -> Inventory:
    """Every page of ``role``'s inventory; a page that is not a 200 is a finding."""
    path = inventory_path(harness)

    def fetch(cursor: str | None) -> tuple[Any, str]:
        response = probe.get(path, role=role, params={"cursor": cursor} if cursor else None)
        _require_200(response, "listInventory", f"the inventory of {role.user}")
        return response.json(), response.exchange

    return read_inventory(fetch)


def seed_objects(client: S3Client, bucket: str, rng: random.Random) -> list[SeededObject]:
    """Put three objects of seeded bytes: two with equal bytes (they need two resources), one empty."""
    data = rng.randbytes(rng.randint(1, 4096))
    wanted = [
        SeededObject(bucket, "switching/a.bin", data, "application/octet-stream"),
        SeededObject(bucket, "switching/b copy.bin", data, "application/octet-stream"),
        SeededObject(bucket, "switching/empty.txt", b"", "text/plain"),
    ]
    for obj in wanted:
        client.require_success(
            client.put_object(bucket, obj.key, obj.data, content_type=obj.content_type),
            "PutObject",
        )
    return wanted


def _require_200(response: Response, operation: str, what: str) -> None:
    if response.status != 200:
        raise Finding(
            f"{what} cannot be read",
            operation=operation,
            mismatches=[Mismatch("status", 200, response.status, f"GET {response.url}")],
            evidence=[response.exchange],
        )
