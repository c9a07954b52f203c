"""The catalogue: every standard, profile and requirement the specs define.

Requirement IDs, levels and texts live in the specs' ``x-requirements``
once; this module reads them and nothing else copies them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import SpecError, UsageError
from conformance.resources import data_dir
from conformance.results import RequirementInfo

_LEVELS = ("MUST", "MUST NOT", "SHOULD")
_REQUIRED_KEYS = ("id", "level", "profile", "text", "source")
# COMMON applies to every target; it is claimed by claiming any standard.
COMMON = "COMMON"


@dataclass(frozen=True)
class LimitInfo:
    """A discovery limit key a standard defines, and how the suite holds it."""

    key: str
    kind: str
    minimum: float | None
    maximum: float | None
    suite_bound: float | None


@dataclass(frozen=True)
class Spec:
    """One standard at one version: its OpenAPI document and requirements."""

    standard: str
    version: str
    path: Path
    document: Mapping[str, Any]
    requirements: tuple[RequirementInfo, ...]
    limits: tuple[LimitInfo, ...]

    @property
    def profiles(self) -> tuple[str, ...]:
        """The profiles in the order their requirements first appear."""
        return tuple(dict.fromkeys(r.profile for r in self.requirements))

    @cached_property
    def sha256(self) -> str:
        """The hash of the spec file as shipped, recorded in every report."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def operation_ids(self) -> set[str]:
        """Every operationId the document defines."""
        found = set()
        for item in self.document.get("paths", {}).values():
            for op in item.values():
                if isinstance(op, dict) and "operationId" in op:
                    found.add(op["operationId"])
        return found


class Catalogue:
    """Every spec under a specs directory, indexed by standard and requirement."""

    def __init__(self, specs: list[Spec]) -> None:
        self.specs = {s.standard: s for s in specs}
        self._requirements = {r.id: r for s in specs for r in s.requirements}

    @classmethod
    def load(cls, root: Path | None = None) -> Catalogue:
        """Load ``<root>/<STANDARD>/<version>/openapi.yaml`` for every standard (once per process)."""
        return _load_catalogue((root or data_dir("specs")).resolve())

    def __iter__(self) -> Iterator[RequirementInfo]:
        return iter(self._requirements.values())

    def requirement(self, rid: str) -> RequirementInfo:
        """The requirement with this ID, or a UsageError that suggests close IDs."""
        try:
            return self._requirements[rid]
        except KeyError:
            close = [r for r in self._requirements if r.split("-")[0] == rid.split("-")[0]]
            hint = f" Known: {', '.join(sorted(close)[:5])}..." if close else ""
            raise UsageError(f"unknown requirement {rid!r}.{hint}") from None

    def spec(self, standard: str) -> Spec:
        """The spec of a standard, or a UsageError listing the known ones."""
        try:
            return self.specs[standard.upper()]
        except KeyError:
            known = ", ".join(sorted(self.specs))
            raise UsageError(f"unknown standard {standard!r}; known standards: {known}") from None

    def select(
        self,
        standards: tuple[str, ...] = (),
        profiles: tuple[str, ...] = (),
        requirements: tuple[str, ...] = (),
    ) -> list[RequirementInfo]:
        """The requirements a run covers; COMMON comes with any standard."""
        for s in standards:
            self.spec(s)
        for rid in requirements:
            self.requirement(rid)
        wanted = {s.upper() for s in standards}
        if wanted:
            wanted.add(COMMON)
        chosen = []
        for r in self:
            if wanted and r.standard not in wanted:
                continue
            if profiles and r.profile not in profiles and r.standard != COMMON:
                continue
            if requirements and r.id not in requirements:
                continue
            chosen.append(r)
        return chosen


@cache
def _load_catalogue(root: Path) -> Catalogue:
    # The specs are files shipped with the suite: one parse per process is enough.
    specs = [_load_spec(p) for p in sorted(root.glob("*/*/openapi.yaml"))]
    if not specs:
        raise SpecError(f"no spec found under {root} (expected <STANDARD>/<version>/openapi.yaml)")
    return Catalogue(specs)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file safely, with libyaml's C parser when it is there."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def _load_spec(path: Path) -> Spec:
    try:
        document = load_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise SpecError(f"{path}: not an OpenAPI document (top level is not a mapping)")
    info = document.get("info") or {}
    standard = info.get("x-standard") or path.parent.parent.name
    version = str(info.get("version") or path.parent.name)
    requirements = tuple(
        _requirement(path, standard, version, i, raw)
        for i, raw in enumerate(document.get("x-requirements") or [])
    )
    limits = tuple(
        LimitInfo(
            key=raw["key"],
            kind=raw.get("kind", "ceiling"),
            minimum=raw.get("minimum"),
            maximum=raw.get("maximum"),
            suite_bound=raw.get("suite_bound"),
        )
        for raw in info.get("x-limits") or []
    )
    return Spec(standard, version, path, document, requirements, limits)


def _requirement(path: Path, standard: str, version: str, i: int, raw: Any) -> RequirementInfo:
    where = f"{path}: x-requirements[{i}]"
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: must be a mapping with keys {', '.join(_REQUIRED_KEYS)}")
    missing = [k for k in _REQUIRED_KEYS if k not in raw]
    if missing:
        raise SpecError(f"{where}: missing {', '.join(missing)}")
    if raw["level"] not in _LEVELS:
        raise SpecError(f"{where}: level {raw['level']!r} is not one of {', '.join(_LEVELS)}")
    return RequirementInfo(
        id=str(raw["id"]),
        standard=standard,
        version=version,
        level=str(raw["level"]),
        profile=str(raw["profile"]),
        text=" ".join(str(raw["text"]).split()),
        source=str(raw["source"]),
    )
