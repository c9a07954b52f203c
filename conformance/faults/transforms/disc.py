"""Transforms that break DISC requirements."""

from __future__ import annotations

from conformance.faults.base import Transform

TRANSFORMS: dict[str, type[Transform]] = {}
