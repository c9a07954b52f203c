"""The catalogue of named faults, declared in ``fixtures/faults/*.yaml``.

Each fault names the requirements it must break and the transform (from
``conformance.faults.transforms``) that breaks them.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from conformance._harness.errors import SpecError
from conformance._harness.options import instant
from conformance._harness.resources import data_dir
from conformance.faults.base import Transform
from conformance.faults.transforms import TRANSFORMS

FRONTS = ("api", "s3", "oci")
"""The surfaces a fault's proxy can stand in front of."""


@dataclass(frozen=True)
class Fault:
    """A named fault and the requirements it must make fail."""

    name: str
    breaks: tuple[str, ...]
    description: str
    transform: str
    options: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    as_of: datetime | None = None
    """The run judges as of this instant (``as_of:``): a rule that starts later is shown to bite."""
    front: str = "api"
    """The surface the proxy stands in front of (``front:``): ``api`` (the base URL, and a
    surface served at its origin), ``s3`` or ``oci`` (that surface's endpoint)."""

    def build(self) -> Transform:
        """A fresh transform instance for one proxy."""
        return TRANSFORMS[self.transform](**dict(self.options))


def load_faults(root: Path | None = None) -> list[Fault]:
    """Every fault declared under ``fixtures/faults``; names are unique."""
    root = root or data_dir("fixtures") / "faults"
    faults: dict[str, Fault] = {}
    for path in sorted(root.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for i, raw in enumerate(entries):
            where = f"{path}: [{i}]"
            if not isinstance(raw, dict) or not {"name", "breaks", "transform"} <= set(raw):
                raise SpecError(f"{where}: a fault needs name, breaks and transform")
            if raw["transform"] not in TRANSFORMS:
                raise SpecError(
                    f"{where}: unknown transform {raw['transform']!r}; "
                    f"known: {', '.join(sorted(TRANSFORMS))}"
                )
            if raw.get("front", "api") not in FRONTS:
                raise SpecError(
                    f"{where}: front {raw.get('front')!r} is not a surface; use one of: "
                    + ", ".join(FRONTS)
                )
            if raw["name"] in faults:
                raise SpecError(f"{where}: fault {raw['name']!r} is declared twice")
            faults[raw["name"]] = Fault(
                raw["name"],
                tuple(raw["breaks"]),
                raw.get("description", ""),
                raw["transform"],
                raw.get("options") or {},
                str(path),
                _as_of(raw.get("as_of"), where),
                str(raw.get("front", "api")),
            )
    return list(faults.values())


def _as_of(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return instant(str(value))
    except argparse.ArgumentTypeError:
        raise SpecError(f"{where}: as_of {value!r} is not an ISO 8601 date or date-time") from None
