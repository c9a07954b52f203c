"""Transforms that break FAIR requirements."""

from __future__ import annotations

from conformance.faults.base import Transform

TRANSFORMS: dict[str, type[Transform]] = {}
