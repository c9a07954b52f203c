"""JSON Schema validation of spec components (archive records, documents).

Response validation goes through the ``Validator``; data that is not a
response body (an NDJSON line of an archive) is checked against a named
component here. External ``$ref``s between specs are inlined once per run.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.catalogue import Catalogue
from conformance.errors import Mismatch, SpecError


class ComponentSchemas:
    """Validators for ``components.schemas`` of every spec in a catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}

    def check(self, standard: str, name: str, instance: Any) -> list[Mismatch]:
        """Every way ``instance`` breaks the component ``name`` of ``standard``."""
        key = (standard, name)
        if key not in self._validators:
            spec = self._catalogue.spec(standard)
            defs = _bundle(spec.path)
            if name not in defs:
                raise SpecError(f"{spec.path}: no components.schemas.{name}")
            schema = {"$defs": defs, "$ref": f"#/$defs/{name}"}
            cls = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft202012Validator
            )
            self._validators[key] = cls(schema, format_checker=jsonschema.FormatChecker())
        return [
            Mismatch(
                _path(e.absolute_path),
                f"{e.validator}: {str(e.validator_value)[:80]}",
                repr(e.instance)[:120],
                e.message[:200],
            )
            for e in self._validators[key].iter_errors(instance)
        ]


@cache
def _load(path: Path) -> Mapping[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _bundle(path: Path) -> dict[str, Any]:
    """``components.schemas`` of a spec, every ``$ref`` pointing into ``$defs``."""
    defs: dict[str, Any] = {}

    path = path.resolve()

    def resolve(node: Any, here: Path) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                file, _, pointer = ref.partition("#")
                where = (here.parent / file).resolve() if file else here
                rest = {k: resolve(v, here) for k, v in node.items() if k != "$ref"}
                parts = pointer.strip("/").split("/")
                if len(parts) == 3 and parts[:2] == ["components", "schemas"]:
                    # Specs may share names (PORT's Money refers to COMMON's Money).
                    name = parts[2] if where == path else f"{where.parent.parent.name}.{parts[2]}"
                    if name not in defs:
                        defs[name] = {}  # placeholder first: schemas may refer to themselves
                        defs[name] = resolve(_load(where)["components"]["schemas"][parts[2]], where)
                    return {"$ref": f"#/$defs/{name}"} | rest
                # A pointer deeper than a component (…/Problem/properties/code): inline it.
                return resolve(_pointer(_load(where), parts), where) | rest
            return {k: resolve(v, here) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v, here) for v in node]
        return node

    for name, schema in (_load(path).get("components", {}).get("schemas") or {}).items():
        if name not in defs:
            defs[name] = {}
            defs[name] = resolve(schema, path)
    return defs


def _pointer(document: Any, parts: list[str]) -> Any:
    node = document
    for part in parts:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out
