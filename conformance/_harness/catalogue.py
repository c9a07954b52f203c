"""The catalogue: every standard, profile and requirement the specs define.

Requirement IDs, levels and texts live in the specs' ``x-requirements``
once; this module reads them and nothing else copies them.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.errors import SpecError, UsageError
from conformance._harness.resources import data_dir
from conformance._harness.results import RequirementInfo

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

    def path_of(self, operation_id: str, **params: str) -> str:
        """The path of an operation, its ``{templates}`` filled from ``params``.

        Checks that probe another standard's operations (COMMON's) name them
        by operationId, so the spec stays the one place a path is written.
        """
        for path, item in self.document.get("paths", {}).items():
            for op in item.values():
                if isinstance(op, dict) and op.get("operationId") == operation_id:
                    return re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], path)
        raise SpecError(f"{self.path}: no operation {operation_id!r}")


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
        """The requirement with this ID (any case), or a UsageError that suggests close IDs."""
        wanted = rid.strip().upper()
        try:
            return self._requirements[wanted]
        except KeyError:
            raise UsageError(
                f"unknown requirement {rid!r}.{self._requirement_hint(wanted)} "
                "Fix: `conformance specs` lists every requirement"
            ) from None

    def _requirement_hint(self, wanted: str) -> str:
        prefixes = sorted({r.split("-")[0] for r in self._requirements})
        prefix, _, number = wanted.partition("-")
        close = prefix if prefix in prefixes else next(iter(_close(prefix, prefixes)), "")
        if close and number.isdigit():
            guess = f"{close}-{int(number):03d}"
            if guess in self._requirements and guess != wanted:
                return f" Did you mean {guess!r}?"
        if close:
            same = sorted(r for r in self._requirements if r.split("-")[0] == close)
            return f" {close} defines {same[0]}…{same[-1]}."
        guesses = _close(wanted, list(self._requirements))
        return f" Did you mean {guesses[0]!r}?" if guesses else ""

    def spec(self, standard: str) -> Spec:
        """The spec of a standard, or a UsageError listing the known ones."""
        try:
            return self.specs[standard.strip().upper()]
        except KeyError:
            known = ", ".join(sorted(self.specs))
            hint = _did_you_mean(standard.strip().upper(), list(self.specs))
            raise UsageError(
                f"unknown standard {standard!r}.{hint} Fix: use one of the known standards: {known}"
            ) from None

    def select(
        self,
        standards: tuple[str, ...] = (),
        profiles: tuple[str, ...] = (),
        requirements: tuple[str, ...] = (),
    ) -> list[RequirementInfo]:
        """The requirements a run covers; COMMON comes with any standard.

        Every name is checked against the catalogue first: an unknown standard,
        profile or requirement, a profile none of the chosen standards defines,
        or a selection that matches nothing is a ``UsageError`` (with a "did you
        mean" where one fits), never a run that quietly judges less.
        """
        wanted = {self.spec(s).standard for s in standards}
        ids = {self.requirement(rid).id for rid in requirements}
        self._check_profiles(profiles, wanted)
        if wanted:
            wanted.add(COMMON)
        chosen = []
        for r in self:
            if wanted and r.standard not in wanted:
                continue
            if profiles and r.profile not in profiles and r.standard != COMMON:
                continue
            if ids and r.id not in ids:
                continue
            chosen.append(r)
        if not chosen:
            asked = " ".join(
                [f"--standard {s}" for s in standards]
                + [f"--profile {p}" for p in profiles]
                + [f"--requirement {r}" for r in requirements]
            )
            raise UsageError(
                f"no requirement matches {asked}: the options exclude each other. "
                "Fix: `conformance specs` lists which requirement belongs to which "
                "standard and profile"
            )
        return chosen

    def _check_profiles(self, profiles: tuple[str, ...], standards: set[str]) -> None:
        scope = [s for s in self.specs.values() if not standards or s.standard in standards]
        for name in profiles:
            if any(name in s.profiles for s in scope):
                continue
            owners = [s.standard for s in self.specs.values() if name in s.profiles]
            if owners:
                raise UsageError(
                    f"profile {name!r} is not a profile of {', '.join(sorted(standards))} "
                    f"(it is one of {', '.join(owners)}). "
                    f"Fix: add --standard {owners[0]}, or drop --profile {name}"
                )
            every = list(dict.fromkeys(p for s in self.specs.values() for p in s.profiles))
            listing = "; ".join(f"{s.standard}: {', '.join(s.profiles)}" for s in scope)
            raise UsageError(
                f"unknown profile {name!r}.{_did_you_mean(name, every)} Fix: use a profile of {listing}"
            )


def _close(word: str, choices: list[str]) -> list[str]:
    return difflib.get_close_matches(word, choices, n=2, cutoff=0.6)


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = _close(word, choices)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


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
