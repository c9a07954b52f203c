"""The inventory (``GET /cloud/v1/inventory``): reading every page, and CLOUD-003's match.

Resources carry no bucket or key, so completeness is judged on the multiset
of ``(size, sha256)``: every object the account holds through ``s3`` must
match a distinct resource of kind ``object`` (two objects with equal bytes
need two resources). Other kinds, and object resources beyond the account's
objects, are allowed.

Hashing an object costs a download, so an object's SHA-256 is only asked
for when an object resource of its size exists (if none does, it is
missing whatever its bytes), and only within a budget; objects past the
budget are matched on size alone, and the check says how many were.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from conformance import ConformanceError, Finding, Mismatch, human_size

OBJECT: Final = "object"
PAGE_LIMIT: Final = 200
"""Pages of inventory the suite reads at most (a bound, so a cursor that never ends cannot hold it)."""


class InventoryTooLarge(ConformanceError):
    """The inventory has more pages than the suite reads: completeness cannot be decided."""


@dataclass(frozen=True)
class Resource:
    """One inventory entry, as listed (values not yet judged)."""

    index: int
    id: Any
    kind: Any
    size: Any
    sha256: Any
    media_type: Any
    export_url: Any

    @classmethod
    def from_json(cls, index: int, entry: Any) -> Resource:
        """Read an entry; what is missing becomes None (the schema judges presence)."""
        e = entry if isinstance(entry, dict) else {}
        return cls(
            index,
            e.get("id"),
            e.get("kind"),
            e.get("size"),
            e.get("sha256"),
            e.get("media_type"),
            e.get("export_url"),
        )

    @property
    def path(self) -> str:
        """Where it is in the (concatenated) inventory."""
        return f"$.resources[{self.index}]"

    def pair(self) -> tuple[int, str] | None:
        """``(size, sha256)`` when both are usable."""
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            return None
        if not isinstance(self.sha256, str):
            return None
        return self.size, self.sha256.lower()


@dataclass
class Inventory:
    """Every resource over every page, and the exchanges that carried them."""

    resources: list[Resource] = field(default_factory=list)
    pages: int = 0
    exchanges: list[str] = field(default_factory=list)

    def objects(self) -> list[Resource]:
        """The resources of kind ``object``."""
        return [r for r in self.resources if r.kind == OBJECT]


Fetch = Callable[[str | None], tuple[Any, str]]
"""Read one page: cursor (None for the first) → (parsed body, exchange id)."""


def read_inventory(fetch: Fetch, *, page_limit: int = PAGE_LIMIT) -> Inventory:
    """Follow ``next_cursor`` to the end; a cursor seen twice is a finding (paging never ends)."""
    inventory = Inventory()
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        if inventory.pages >= page_limit:
            raise InventoryTooLarge(
                f"the inventory still had a next_cursor after {page_limit} pages "
                f"({len(inventory.resources)} resources); the suite reads at most {page_limit}"
            )
        body, exchange = fetch(cursor)
        inventory.pages += 1
        inventory.exchanges.append(exchange)
        entries = body.get("resources") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            raise Finding(
                "an inventory page has no resources list",
                mismatches=[Mismatch("$.resources", "an array", _type_of(entries))],
                evidence=[exchange],
            )
        start = len(inventory.resources)
        inventory.resources += [Resource.from_json(start + i, e) for i, e in enumerate(entries)]
        following = body.get("next_cursor")
        if following is None or following == "":
            return inventory
        if not isinstance(following, str):
            raise Finding(
                "an inventory page's next_cursor is neither a string nor null",
                mismatches=[
                    Mismatch("$.next_cursor", "a string, or null on the last page", following)
                ],
                evidence=[exchange],
            )
        if following in seen or following == cursor:
            raise Finding(
                "the inventory's paging does not end: a next_cursor came back a second time",
                mismatches=[
                    Mismatch(
                        "$.next_cursor",
                        "a cursor not given before, or null on the last page",
                        following,
                        f"page {inventory.pages} repeats a cursor, so following it loops",
                    )
                ],
                evidence=inventory.exchanges[-2:],
            )
        seen.add(following)
        cursor = following


@dataclass(frozen=True)
class HeldObject:
    """An object the account holds through ``s3``; ``sha256`` None while not hashed."""

    bucket: str
    key: str
    size: int
    sha256: str | None = None

    @property
    def label(self) -> str:
        """``bucket/key`` for a report."""
        return f"{self.bucket}/{self.key}"


def needs_hash(obj: HeldObject, resources: Iterable[Resource]) -> bool:
    """Whether the object's hash decides anything: it is unknown and a resource has its size."""
    if obj.sha256 is not None:
        return False
    return any(r.kind == OBJECT and r.pair() is not None and r.size == obj.size for r in resources)


@dataclass
class Completeness:
    """How the account's objects matched the inventory's object resources."""

    by_hash: int = 0
    by_size: int = 0
    missing: list[HeldObject] = field(default_factory=list)

    def mismatches(self) -> list[Mismatch]:
        """One row per object no distinct resource matches."""
        return [
            Mismatch(
                "$.resources[?(@.kind=='object')]",
                f"a resource of {human_size(o.size)}"
                + (f" with sha256 {o.sha256}" if o.sha256 else ""),
                "no such resource left, once the other objects took theirs",
                "every object the account holds through s3 matches a distinct object resource",
                o.label,
            )
            for o in self.missing
        ]


def match(objects: Sequence[HeldObject], resources: Sequence[Resource]) -> Completeness:
    """Match each object to a distinct object resource: by (size, sha256), then by size alone.

    Objects whose hash is known take their exact pair first, so an object
    matched on size alone never takes the resource a hashed one needs.
    """
    exact: Counter[tuple[int, str]] = Counter(
        pair for r in resources if r.kind == OBJECT and (pair := r.pair()) is not None
    )
    result = Completeness()
    unhashed: list[HeldObject] = []
    for obj in objects:
        if obj.sha256 is None:
            unhashed.append(obj)
            continue
        wanted = (obj.size, obj.sha256.lower())
        if exact[wanted] > 0:
            exact[wanted] -= 1
            result.by_hash += 1
        else:
            result.missing.append(obj)
    sizes: Counter[int] = Counter()
    for (size, _), count in exact.items():
        sizes[size] += count
    for obj in unhashed:
        if sizes[obj.size] > 0:
            sizes[obj.size] -= 1
            result.by_size += 1
        else:
            result.missing.append(obj)
    return result


def _type_of(value: Any) -> str:
    return "absent" if value is None else type(value).__name__
