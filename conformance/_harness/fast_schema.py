"""Schemas of a spec compiled once for jsonschema-rs, judging as openapi-core does.

openapi-core builds a new JSON Schema validator for every body it checks
(about 1 ms for a small response, tens of ms for a long array). Here a
schema is translated once into plain JSON Schema 2020-12 and compiled by
jsonschema-rs. The translation keeps openapi-core's semantics as the suite
configures it (``validation.py``), or refuses (``Untranslatable``) so the
caller leaves that schema to openapi-core:

- dialect: OpenAPI 3.1's base dialect, JSON Schema 2020-12 plus OpenAPI
  keywords. ``discriminator`` changes what ``allOf``/``anyOf``/``oneOf``
  mean there: refused. A ``$schema`` or ``jsonSchemaDialect`` of its own:
  refused. ``nullable`` is no keyword of 3.1 (ignored by both engines).
- formats: openapi-core asserts the formats its OAS 3.0 checker knows
  (``date-time``, ``uuid``, ``byte``, ...) with that checker's functions;
  here each becomes a custom format of jsonschema-rs calling the same
  function. Formats of numbers (``int32``, ``double``, ...) are refused:
  jsonschema-rs calls formats for strings only. Any other format (the
  specs' ``uri-reference``) is an annotation there, so it is dropped here.
- ``pattern``: Python's ``re.search``, as openapi-schema-validator runs it
  when no ECMA engine is installed; folded into that custom format, so
  Rust's regex dialect (its ``$``, its ``\\s``) never decides.
- only the keywords listed below; annotations are dropped, anything else refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema_rs
from openapi_schema_validator import OAS30ReadValidator
from openapi_schema_validator._regex import has_ecma_regex

from conformance._harness.errors import json_path

_CHECKER = OAS30ReadValidator.FORMAT_CHECKER
"""The format checker openapi-core is given (``validation.py``: a copy of this one)."""
_NUMBER_FORMATS = frozenset({"int32", "int64", "float", "double"})
_CHECKS = "conformance-checks:"
_VALUES = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
    }
)
_ONE = frozenset({"items", "additionalProperties", "not", "if", "then", "else"})
_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "default",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentMediaType",
        "contentEncoding",
        "xml",
        "externalDocs",
        "$comment",
    }
)
_COMPONENT = "#/components/schemas/"
# Digits read as 0, exponents as "e-": a run of 19 digits or a three-digit exponent is then a
# plain substring, found at C speed; only a body that has one is searched token by token.
_NUMBER_SHAPES = bytes.maketrans(b"123456789E+", b"000000000e-")
_ODD = rb"\s*-?(?:NaN|Infinity|[0-9]{19}|[0-9][0-9.]*[eE][+-]?[0-9]{3})"
_ODD_VALUE = re.compile(rb"[:,\[]" + _ODD)
_ODD_DOCUMENT = re.compile(_ODD)
# A surrogate escaped (\ud800) or encoded (CESU-8: json.loads decodes with surrogatepass).
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


class Untranslatable(Exception):
    """A schema the fast engine would not judge as openapi-core does (the reason says why)."""


class FastSchema:
    """One compiled schema: ``is_valid`` and, for tests and reports, ``locations``."""

    def __init__(self, validator: jsonschema_rs.Validator) -> None:
        self._validator = validator

    def is_valid(self, instance: Any) -> bool:
        """Whether ``instance`` is valid; raises on a value jsonschema-rs cannot take in."""
        return bool(self._validator.is_valid(instance))

    def locations(self, instance: Any) -> list[str]:
        """The JSON paths of the errors (a missing member at its own path, as ``schema_rows``)."""
        out: list[str] = []
        for error in self._validator.iter_errors(instance):
            parts = list(error.instance_path)
            if error.kind.name == "required":
                parts.append(error.kind.as_dict()["property"])
            path = json_path(parts)
            if path not in out:
                out.append(path)
        return out


def odd_numbers(body: bytes) -> bool:
    """Whether a JSON body may hold a number the engines would not compare alike.

    Python reads ``NaN``, ``Infinity`` and ``1e400`` as floats: numbers to
    Python's jsonschema (held to ``minimum``, negated by ``not``, chosen by
    ``if``), no type at all to jsonschema-rs. Integers past 64 bits Python
    compares exactly, jsonschema-rs may not. A value is a number where it follows ``:``, ``,``
    or ``[`` (or starts the document); text inside a string that looks so
    trips this too: then openapi-core judges, which costs time, never a verdict.
    """
    if b"NaN" not in body and b"Infinity" not in body:
        shapes = body.translate(_NUMBER_SHAPES)
        if b"0" * 19 not in shapes and b"e000" not in shapes and b"e-000" not in shapes:
            return False
    return bool(_ODD_DOCUMENT.match(body) or _ODD_VALUE.search(body))


def surrogates(body: bytes) -> bool:
    """Whether a JSON body may hold a surrogate, which jsonschema-rs reads its own way.

    A pair (an escaped emoji) trips this too: openapi-core then judges.
    """
    return _SURROGATE.search(body) is not None


class SchemaCompiler:
    """Compiles the schemas of one bundled spec (its ``$ref``s point into its components)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._components: Mapping[str, Any] = (document.get("components") or {}).get(
            "schemas"
        ) or {}
        self._dialect = document.get("jsonSchemaDialect")

    def compile(self, schema: Any) -> FastSchema:
        """``schema`` (a node of the spec) compiled; ``Untranslatable`` when it cannot be."""
        if self._dialect is not None:
            raise Untranslatable(f"the spec's jsonSchemaDialect {self._dialect}")
        if has_ecma_regex():
            raise Untranslatable("openapi-schema-validator runs patterns with an ECMA engine here")
        formats: dict[str, Callable[[str], bool]] = {}
        wanted: list[str] = []
        root = _translate(schema, formats, wanted)
        defs: dict[str, Any] = {}
        while wanted:
            name = wanted.pop()
            if name in defs:
                continue
            if name not in self._components:
                raise Untranslatable(f"a $ref to components.schemas.{name}, which is not there")
            defs[name] = _translate(self._components[name], formats, wanted)
        if defs:
            root = {"allOf": [root], "$defs": defs}
        try:
            validator = jsonschema_rs.Draft202012Validator(
                root, formats=formats, validate_formats=True, ignore_unknown_formats=False
            )
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            raise Untranslatable(f"jsonschema-rs refused it: {str(exc)[:200]}") from None
        return FastSchema(validator)


def _string_checks(
    format_: Any, pattern: Any, formats: dict[str, Callable[[str], bool]]
) -> str | None:
    """The custom format checking a string against the node's asserted format and pattern."""
    checks: list[Callable[[str], bool]] = []
    if format_ in _NUMBER_FORMATS:
        raise Untranslatable(f"format {format_!r}: a format of numbers openapi-core asserts")
    if isinstance(format_, str) and format_ in _CHECKER.checkers:
        checks.append(_conforms(*_CHECKER.checkers[format_]))
    else:
        format_ = None
    if pattern is not None:
        if not isinstance(pattern, str):
            raise Untranslatable(f"pattern {pattern!r}")
        try:
            search = re.compile(pattern).search
        except re.error as exc:
            raise Untranslatable(f"pattern {pattern!r} is not a Python regex ({exc})") from None
        checks.append(lambda text: search(text) is not None)
    if not checks:
        return None
    name = f"{_CHECKS}format={format_};pattern={pattern}"
    formats[name] = checks[0] if len(checks) == 1 else lambda t: all(c(t) for c in checks)
    return name


def _conforms(
    check: Callable[[Any], bool], raises: type[Exception] | tuple[type[Exception], ...]
) -> Callable[[str], bool]:
    """``FormatChecker.conforms`` for one format, without its lookup on every string."""

    def conforms(text: str) -> bool:
        try:
            return bool(check(text))
        except raises:
            return False

    return conforms


def _translate(node: Any, formats: dict[str, Callable[[str], bool]], wanted: list[str]) -> Any:
    """``node`` as plain JSON Schema 2020-12, string checks as formats, ``$ref``s into ``$defs``."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, Mapping):
        raise Untranslatable(f"a schema that is neither an object nor a boolean: {node!r:.60}")
    out: dict[str, Any] = {}
    checks = _string_checks(node.get("format"), node.get("pattern"), formats)
    if checks is not None:
        out["format"] = checks
    for key, value in node.items():
        if key in _ANNOTATIONS or key.startswith("x-") or key in ("format", "pattern"):
            continue
        if key == "$ref":
            if not isinstance(value, str) or not value.startswith(_COMPONENT):
                raise Untranslatable(f"$ref {value!r}")
            rest = value.removeprefix(_COMPONENT)
            wanted.append(rest.split("/", 1)[0])
            out[key] = "#/$defs/" + rest
        elif key in _VALUES:
            out[key] = value
        elif key in _ONE:
            out[key] = _translate(value, formats, wanted)
        elif key in _LISTS and isinstance(value, list):
            out[key] = [_translate(v, formats, wanted) for v in value]
        elif key == "properties" and isinstance(value, Mapping):
            out[key] = {name: _translate(v, formats, wanted) for name, v in value.items()}
        else:
            raise Untranslatable(f"keyword {key!r}")
    return out
