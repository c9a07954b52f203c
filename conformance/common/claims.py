"""Claims: what a platform says it implements, read from ``/.well-known/interop``.

The suite tests what is claimed (COMMON C1). COMMON's requirements apply to
every target that claims any standard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conformance._harness.catalogue import COMMON
from conformance._harness.results import RequirementInfo

DISCOVERY_PATH = "/.well-known/interop"


@dataclass(frozen=True)
class Claims:
    """The parsed discovery document, or why it could not be had."""

    document: Mapping[str, Any] | None
    problem: str = ""
    unreachable: bool = False
    evidence: tuple[str, ...] = ()
    profiles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stated: bool = False
    """True when the target file stated the claims (``claims:``) instead of the platform."""

    @classmethod
    def from_document(cls, document: Any, evidence: tuple[str, ...]) -> Claims:
        """Read the claimed standards and profiles; tolerate extra fields (C5)."""
        if not isinstance(document, dict) or not isinstance(document.get("standards"), list):
            return cls(None, "the discovery document has no `standards` list", evidence=evidence)
        profiles: dict[str, tuple[str, ...]] = {}
        for entry in document["standards"]:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                raw = entry.get("profiles")
                names = tuple(p for p in raw if isinstance(p, str)) if isinstance(raw, list) else ()
                profiles[entry["id"].upper()] = names
        return cls(document, "", False, evidence, profiles)

    @classmethod
    def from_target_file(cls, entries: Sequence[Mapping[str, Any]]) -> Claims:
        """Claims a target file states for a platform that publishes no discovery document."""
        document = {"standards": [dict(e) for e in entries]}
        return replace(cls.from_document(document, ()), stated=True)

    @property
    def usable(self) -> bool:
        """True when the document could be read."""
        return self.document is not None

    def limits(self) -> Mapping[str, Any]:
        """The declared limits (an empty mapping when there are none)."""
        raw = (self.document or {}).get("limits")
        return raw if isinstance(raw, dict) else {}

    def deprecations(self) -> list[Mapping[str, Any]]:
        """The declared deprecations (entries that are not mappings are dropped)."""
        raw = (self.document or {}).get("deprecations")
        return [d for d in raw if isinstance(d, dict)] if isinstance(raw, list) else []

    def claims(self, requirement: RequirementInfo) -> bool:
        """Whether the platform claims the profile a requirement belongs to."""
        if requirement.standard == COMMON:
            # A platform that publishes no discovery document cannot meet C-001: the
            # target file's claims bring COMMON in only if they name it.
            return COMMON in self.profiles if self.stated else bool(self.profiles)
        return requirement.profile in self.profiles.get(requirement.standard, ())

    def why_not(self, requirement: RequirementInfo) -> str:
        """The reason a requirement is not claimed, for the report."""
        by = (
            "the target file's claims do not name" if self.stated else "the platform does not claim"
        )
        if requirement.standard not in self.profiles:
            return f"{by} {requirement.standard}"
        return f"{by} profile {requirement.profile!r} of {requirement.standard}"
