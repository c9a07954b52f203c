"""JSON Schema validation of spec components (archive records, documents).

Response validation goes through the ``Validator``; data that is not a
response body (an NDJSON line of an archive) is checked against a named
component here. External ``$ref``s between specs are inlined once per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema

from conformance._harness.bundle import bundle
from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import Mismatch, SpecError, json_path


class ComponentSchemas:
    """Validators for ``components.schemas`` of every spec in a catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
        self._defs: dict[str, dict[str, Any]] = {}

    def schema(self, standard: str, name: str) -> dict[str, Any]:
        """The component ``name`` of ``standard`` as one JSON Schema: ``$ref`` into its ``$defs``.

        Readers that convert a body to JSON-like values (XML) follow it to know
        where arrays and numbers are.
        """
        spec = self._catalogue.spec(standard)
        if spec.standard not in self._defs:
            self._defs[spec.standard] = _bundle(spec.path)
        defs = self._defs[spec.standard]
        if name not in defs:
            raise SpecError(f"{spec.path}: no components.schemas.{name}")
        return {"$defs": defs, "$ref": f"#/$defs/{name}"}

    def check(self, standard: str, name: str, instance: Any) -> list[Mismatch]:
        """Every way ``instance`` breaks the component ``name`` of ``standard``."""
        key = (standard, name)
        if key not in self._validators:
            schema = self.schema(standard, name)
            cls = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft202012Validator
            )
            self._validators[key] = cls(schema, format_checker=jsonschema.FormatChecker())
        return schema_rows(self._validators[key].iter_errors(instance))


def schema_rows(errors: Iterable[Any], where: str = "") -> list[Mismatch]:
    """jsonschema's errors as finding rows, each at the JSON path it is about.

    A missing required member is a row at the member's own path, found from
    the data (which member of ``required`` the instance lacks), so four
    missing members are four rows that each say which. ``where`` replaces
    the JSON path (``header X-Rate``) when the instance is not a body.
    """
    out: list[Mismatch] = []
    for e in errors:
        parts = list(e.absolute_path)
        if e.validator == "required" and isinstance(e.instance, dict):
            for name in e.validator_value:
                path = where or json_path([*parts, name])
                if name not in e.instance and all(m.path != path for m in out):
                    out.append(Mismatch(path, "present (required)", "absent"))
            continue
        out.append(
            Mismatch(
                where or json_path(parts),
                f"{e.validator}: {_short(e.validator_value)}",
                e.instance,
                str(e.message)[:300],
            )
        )
    return out


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bundle(path: Path) -> dict[str, Any]:
    """``components.schemas`` of a bundled spec, references pointing into ``$defs``."""
    schemas = bundle(path).get("components", {}).get("schemas") or {}
    return {name: _to_defs(schema) for name, schema in schemas.items()}


def _to_defs(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_defs(v) for v in node]
    if isinstance(node, dict):
        out = {k: _to_defs(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            out["$ref"] = "#/$defs/" + ref.removeprefix("#/components/schemas/")
        return out
    return node
