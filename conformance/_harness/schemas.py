"""JSON Schema validation of spec components (archive records, documents).

Response validation goes through the ``Validator``; data that is not a
response body (an NDJSON line of an archive) is checked against a named
component here. External ``$ref``s between specs are inlined once per run.

An archive may hold millions of records, so :meth:`ComponentSchemas.check`
first asks a compiled validator (``jsonschema-rs``) whether the instance is
valid, and only an instance it refuses goes through ``jsonschema`` for the
rows of the finding. The fast one is given ``jsonschema``'s own format
checkers, so it is never the laxer of the two: where it accepts, ``jsonschema``
finds nothing either (tests/test_component_schemas.py holds them to it). The
one exception is ``date-time``, the format of every record's timestamps:
calling back into Python for each of them cost more than the rest of the
validation, so the compiled schema holds them to :data:`RUST_DATE_TIME`
instead, a pattern accepting exactly the upper-case text ``jsonschema``
accepts (anything else goes to ``jsonschema``, which decides).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs

from conformance._harness.bundle import bundle
from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import Mismatch, SpecError, json_path


class ComponentSchemas:
    """Validators for ``components.schemas`` of every spec in a catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
        self._fast: dict[tuple[str, str], Any] = {}
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
            self._fast[key] = _fast_validator(schema)
        fast = self._fast[key]
        # _accepts inlined: archives call this millions of times, the common case first.
        try:
            if fast is not None and fast.is_valid(instance):
                return []
        except (ValueError, TypeError, OverflowError):
            pass  # a value it cannot take (an integer past 64 bits): jsonschema decides
        return schema_rows(self._validators[key].iter_errors(instance))


def _fast_validator(schema: dict[str, Any]) -> Any:
    """The compiled twin of a component's validator, or None when it cannot be built.

    Formats ``jsonschema`` checks are checked by ``jsonschema``'s own functions;
    others (``uri-reference``) by ``jsonschema-rs``, which is then the stricter.
    Only the formats the schema names are given: any Python function handed to
    the compiled validator, called or not, slows each of its checks by a fifth.
    """
    checker = jsonschema.FormatChecker()
    try:
        compiled = _for_rust(schema)
        named = _formats_named(compiled)
        formats = {name: _conforms(checker, name) for name in checker.checkers if name in named}
        return jsonschema_rs.Draft202012Validator(compiled, formats=formats, validate_formats=True)
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        return None  # _Unportable included: jsonschema alone decides


def _formats_named(schema: Any) -> set[str]:
    """Every ``format`` a schema asserts somewhere (instances in ``const``... left out)."""
    found: set[str] = set()

    def note(node: dict[str, Any]) -> dict[str, Any]:
        if isinstance(node.get("format"), str):
            found.add(node["format"])
        return node

    _each_schema(schema, note)
    return found


# Python's \s (str.isspace) as Rust escapes: Rust's own \s leaves out \x1c-\x1f.
PYTHON_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
_RUST_SPACE = "".join("-" if ch == "-" else f"\\x{{{ord(ch):X}}}" for ch in PYTHON_SPACE)
_UNPORTABLE = re.compile(r"\\[wWdDbBpPAZSsz]")


class _Unportable(ValueError):
    """A pattern whose meaning in Rust differs from Python's and is not translated here."""


_DATA_KEYWORDS = frozenset({"const", "enum", "default", "example", "examples"})
"""Keywords whose value is an instance, not a schema: never rewritten nor searched."""
_NAMED_SCHEMAS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
"""Keywords whose value maps names to schemas: a member named ``default`` or ``format``
is no keyword."""


def _each_schema(node: Any, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """A copy of ``node`` with ``rewrite`` applied to each schema object in it, the
    innermost first; instances written in the schema (``const``...) left as they are."""
    if isinstance(node, list):
        return [_each_schema(v, rewrite) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            out[key] = value
        elif key in _NAMED_SCHEMAS and isinstance(value, dict):
            out[key] = {name: _each_schema(v, rewrite) for name, v in value.items()}
        else:
            out[key] = _each_schema(value, rewrite)
    return rewrite(out)


def _for_rust(schema: Any) -> Any:
    """``schema`` with each ``pattern`` meaning in Rust what it means to Python's ``re``,
    and each ``format: date-time`` spelled as :data:`RUST_DATE_TIME`.

    Raises :class:`_Unportable` for a class escape other than ``\\s``. (Python's
    ``$`` also matches before a final newline: there Rust's is the stricter.)
    """
    return _each_schema(schema, _portable)


def _portable(node: dict[str, Any]) -> dict[str, Any]:
    pattern = node.get("pattern")
    if isinstance(pattern, str):
        node["pattern"] = _pattern_for_rust(pattern)
    if node.get("format") == "date-time":
        del node["format"]
        node["allOf"] = [*node.get("allOf", []), {"pattern": RUST_DATE_TIME}]
    return node


def _pattern_for_rust(pattern: str) -> str:
    """``\\s`` spelled out as Python reads it, in a character class or not."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            escape = pattern[i : i + 2]
            if escape == "\\s":
                out.append(_RUST_SPACE if in_class else f"[{_RUST_SPACE}]")
            elif _UNPORTABLE.fullmatch(escape):
                raise _Unportable(pattern)
            else:
                out.append(escape)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    "(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31"
)
RUST_DATE_TIME = (
    f"^(?:{_YEAR}-(?:{_MONTH_DAY})|{_LEAP_YEAR}-02-29)"
    "T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?"
    "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""RFC 3339 date-time as ``jsonschema`` checks it (``rfc3339-validator``: no year 0,
no leap second, the calendar's days), upper case only, as a pattern the compiled
validator runs without calling Python. No lookaround, so either of Rust's regex
engines takes it. Lower-case ``t``/``z`` and a final newline, which ``jsonschema``
also accepts, fail it: such a record goes to ``jsonschema`` (slower, same verdict)."""


def _conforms(checker: jsonschema.FormatChecker, name: str) -> Any:
    return lambda value: checker.conforms(value, name)


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
