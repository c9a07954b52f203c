"""Validation of exchanges against the specs, behind a small interface.

The probe only knows ``Validator``; ``OpenApiCoreValidator`` implements it
with openapi-core, asking compiled plans first (``fast_responses``, on
jsonschema-rs): a response they find valid is valid, and openapi-core is
spared the ~1 ms (small body) to ~50 ms (1000 items) it takes to build its
validators for every body. Whatever they do not cover, and every invalid
response, goes to openapi-core, so findings read as they always did.

A ``Content-Type`` is read as RFC 9110 §8.3.1 defines it: type and subtype
compare case-insensitively, and parameters (``charset=utf-8`` and any other)
never change which media type the spec's ``content`` entry applies; only
the bare media type reaches the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import Any, Protocol

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.response.exceptions import (
    DataValidationError,
    HeaderValidationError,
    MissingData,
    MissingRequiredHeader,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_core.validation.schemas.factories import DialectSchemaValidatorsFactory
from openapi_core.validation.schemas.validators import SchemaValidator
from openapi_schema_validator import OAS31_BASE_DIALECT_ID, OAS30ReadValidator, OAS31Validator
from werkzeug.datastructures import Headers

from conformance._harness import bounded_json
from conformance._harness.bounded_json import MAX_JSON_BYTES
from conformance._harness.bundle import bundle
from conformance._harness.catalogue import Catalogue, Spec
from conformance._harness.errors import Mismatch
from conformance._harness.fast_responses import JSON_MEDIA_TYPES, NOT_PARSED, FastResponses
from conformance._harness.schemas import schema_rows

SCHEMA_ERRORS_KEPT = 100
"""Schema errors one body is reported with (the first ones found)."""
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_TYPE = re.compile(rf"[ \t]*({_TOKEN})/({_TOKEN})[ \t]*")
_PARAMETER = re.compile(rf';[ \t]*(?:({_TOKEN})=({_TOKEN}|"(?:[^"\\]|\\.)*"))?[ \t]*', re.DOTALL)


@dataclass(frozen=True)
class MediaType:
    """A ``Content-Type`` value: the bare media type, lower-cased, and its parameters."""

    essence: str
    parameters: Mapping[str, str]

    @property
    def is_json(self) -> bool:
        """``application/json`` or any ``+json`` type (RFC 6839)."""
        return self.essence == "application/json" or self.essence.endswith("+json")


def media_type(value: str | None) -> MediaType | None:
    """Parse a ``Content-Type`` (RFC 9110 §8.3.1); None when it names no ``type/subtype``.

    Parameter names are lower-cased and quoted values unquoted; a parameter
    that does not parse ends the list (the media type itself still counts).
    """
    text = value or ""
    found = _MEDIA_TYPE.match(text)
    if found is None or (found.end() < len(text) and text[found.end()] != ";"):
        return None
    essence = f"{found.group(1)}/{found.group(2)}".lower()
    parameters: dict[str, str] = {}
    position = found.end()
    while (parameter := _PARAMETER.match(text, position)) is not None:
        position = parameter.end()
        if parameter.group(1):
            raw = parameter.group(2)
            if raw.startswith('"'):
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            parameters[parameter.group(1).lower()] = raw
    return MediaType(essence, parameters)


@dataclass(frozen=True)
class Operation:
    """An operation of a spec, found from a method and a path."""

    standard: str
    operation_id: str
    method: str
    template: str


class Validator(Protocol):
    """What the probe needs from a validation engine."""

    def find(self, method: str, path: str) -> Operation | None:
        """The operation that a request to this path would reach, if any spec has it."""

    def check_response(
        self,
        op: Operation,
        path: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        include_body: bool = True,
        max_json_bytes: int = MAX_JSON_BYTES,
    ) -> list[Mismatch]:
        """Every way the response breaks its operation's definition (empty when valid).

        With ``include_body`` False the body is not looked at: the status and
        headers still are (the probe judges error bodies as C-002 problems).
        A JSON body is parsed within ``bounded_json``'s bounds: one nested too
        deep is a mismatch, one over ``max_json_bytes`` raises ``JsonTooLarge``.
        """


class _Request:
    """The request side openapi-core needs to locate the operation."""

    def __init__(self, method: str, path: str) -> None:
        self.host_url = "http://target.invalid"
        self.path = path
        self.full_url_pattern = self.host_url + path
        self.method = method.lower()
        self.parameters = RequestParameters()
        self.body = None
        self.content_type = "application/json"


class _Response:
    def __init__(
        self, status: int, headers: Mapping[str, str], body: bytes, content_type: str
    ) -> None:
        self.status_code = status
        self.data = body
        self.headers = Headers(list(headers.items()))
        self.content_type = content_type


def _as_is(value: bytes, **_parameters: str) -> bytes:
    return value


class _FirstErrors(SchemaValidator):
    """openapi-core's schema validator, keeping only the first ``SCHEMA_ERRORS_KEPT`` errors.

    openapi-core builds every error of a body before it reports any: three for
    each entry of a hostile array of a million ``{}`` (about 10 KiB each, in time
    worse than linear). A finding shows 20 rows; a hundred errors are plenty.
    """

    def validate(self, value: Any) -> None:
        errors = tuple(islice(self.validator.iter_errors(value), SCHEMA_ERRORS_KEPT))
        if errors:
            schema_type = (self.schema / "type").read_str_or_list("any")
            raise InvalidSchemaValue(value, schema_type, schema_errors=errors)


class _FirstErrorsFactory(DialectSchemaValidatorsFactory):
    """openapi-core's OpenAPI 3.1 factory, making ``_FirstErrors`` validators."""

    def create(self, *args: Any, **kwargs: Any) -> SchemaValidator:
        made = super().create(*args, **kwargs)
        return _FirstErrors(made.schema, made.validator)


# As openapi-core's own OpenAPI 3.1 factory (its 3.0 format checker included).
_FIRST_ERRORS = _FirstErrorsFactory(
    OAS31Validator, OAS31_BASE_DIALECT_ID, format_checker=OAS30ReadValidator.FORMAT_CHECKER
)


def _json(value: bytes, **_parameters: str) -> Any:
    # RFC 8259 §11: JSON has no charset parameter; a "charset" has no effect. The size
    # was checked against the target's limit before the engine got the body.
    return bounded_json.loads(value, None)


class OpenApiCoreValidator:
    """Validates responses as openapi-core does, one ``OpenAPI`` object per spec.

    With ``fast`` (the default) compiled plans judge first and openapi-core
    only what they leave; ``fast=False`` is openapi-core alone (the tests
    compare the two).
    """

    def __init__(self, catalogue: Catalogue, *, fast: bool = True) -> None:
        config = Config(
            # The specs are validated once by the suite's own tests, not at every run.
            spec_validator_cls=None,  # type: ignore[arg-type]
            extra_media_type_deserializers={
                **dict.fromkeys(JSON_MEDIA_TYPES, _json),
                "application/x-ndjson": _as_is,
            },
            schema_validators_factory=_FIRST_ERRORS,
        )
        self._apis: dict[str, OpenAPI] = {}
        self._fast: dict[str, FastResponses] = {}
        self._routes: list[tuple[re.Pattern[str], str, Operation]] = []
        for spec in catalogue.specs.values():
            document = bundle(spec.path)
            self._apis[spec.standard] = OpenAPI.from_dict(document, config=config)
            if fast:
                self._fast[spec.standard] = FastResponses(document)
            self._routes.extend(_routes(spec))
        # Literal segments beat templates: /exports/{id} must not swallow a literal path.
        self._routes.sort(key=lambda r: (r[2].template.count("{"), -len(r[2].template)))
        # Every answer is looked up: a literal path by its key, templates in the order above.
        self._literal: dict[tuple[str, str], Operation] = {}
        self._templated: dict[str, list[tuple[re.Pattern[str], Operation]]] = {}
        for pattern, verb, op in self._routes:
            if "{" in op.template:
                self._templated.setdefault(verb, []).append((pattern, op))
            else:
                self._literal.setdefault((verb, op.template), op)

    def find(self, method: str, path: str) -> Operation | None:
        """The operation whose template and method match, literal paths first."""
        verb = method.lower()
        literal = self._literal.get((verb, path))
        if literal is not None:
            return literal
        for pattern, op in self._templated.get(verb, ()):
            if pattern.fullmatch(path):
                return op
        return None

    def check_response(
        self,
        op: Operation,
        path: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        include_body: bool = True,
        max_json_bytes: int = MAX_JSON_BYTES,
    ) -> list[Mismatch]:
        """Validate status, headers and (unless told not to) body; translate openapi-core's errors."""
        raw_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        parsed = media_type(raw_type)
        value: Any = NOT_PARSED
        if include_body and parsed is not None and parsed.is_json and body:
            try:
                # JsonTooLarge: the check cannot decide.
                value = bounded_json.loads(body, max_json_bytes)
            except bounded_json.JsonTooDeep as exc:
                return [
                    Mismatch(
                        "body",
                        f"JSON nested at most {exc.limit} levels deep",
                        f"JSON nested deeper than {exc.limit} levels",
                        "RFC 8259 §9 lets a receiver limit nesting; no document of the "
                        "specs comes near it",
                    )
                ]
            except (UnicodeDecodeError, ValueError) as exc:
                return [
                    Mismatch(
                        "body",
                        f"JSON, as Content-Type {raw_type} says",
                        body[:60],
                        f"the body is not JSON ({_safe_str(exc)})",
                    )
                ]
        fast = self._fast.get(op.standard)
        if fast is not None and fast.judge(
            op.method,
            op.template,
            status,
            headers,
            parsed.essence if parsed else None,
            body,
            value,
            include_body=include_body,
        ):
            return []
        # Parameters never select a content entry: hand the engine the bare media type. A body
        # not to be looked at is not handed over either: the engine would parse it unbounded.
        response = _Response(
            status, headers, body if include_body else b"", parsed.essence if parsed else raw_type
        )
        api = self._apis[op.standard]
        out: list[Mismatch] = []
        try:
            errors = list(api.iter_response_errors(_Request(op.method, path), response))
        except Exception as exc:  # openapi-core raises a zoo of types; all mean "invalid"
            errors = [exc]
        for error in errors:
            if not include_body and isinstance(error, DataValidationError):
                continue
            out += _mismatches(op, status, error)
        return out


@cache
def validator_for(catalogue: Catalogue) -> OpenApiCoreValidator:
    """One validator per catalogue: building openapi-core's objects is the costly part."""
    return OpenApiCoreValidator(catalogue)


def _routes(spec: Spec) -> list[tuple[re.Pattern[str], str, Operation]]:
    routes = []
    for template, item in (spec.document.get("paths") or {}).items():
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        for method in _METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            # An operation of another surface (CLOUD's S3 and OCI, ``x-surface``) is served
            # at an endpoint of its own, not under base_url, and its client validates its
            # bodies (XML, manifests): the generic validator never matches it.
            if isinstance(op, dict) and not op.get("x-surface"):
                operation = Operation(
                    spec.standard, op.get("operationId", f"{method} {template}"), method, template
                )
                routes.append((re.compile(regex), method, operation))
    return routes


def _mismatches(op: Operation, status: int, exc: BaseException) -> list[Mismatch]:
    """openapi-core's error as finding rows, decided by the error's type."""
    cause = exc.__cause__ or exc
    header = exc.name if isinstance(exc, HeaderValidationError) else None
    schema_errors: Sequence[Any] = getattr(cause, "schema_errors", None) or ()
    if schema_errors:
        return schema_rows(schema_errors, f"header {header}" if header else "")
    if isinstance(cause, MediaTypeNotFound):
        return [
            Mismatch(
                "Content-Type",
                ", ".join(cause.availableMimetypes),
                f"{cause.mimetype or '(none)'} (status {status})",
                f"the media types {op.operation_id} documents for {status}",
            )
        ]
    if isinstance(cause, ResponseNotFound):
        return [
            Mismatch(
                "status",
                ", ".join(map(str, cause.availableresponses)),
                status,
                f"the statuses {op.operation_id} documents",
            )
        ]
    if isinstance(exc, MissingRequiredHeader):
        return [
            Mismatch(
                f"header {exc.name}",
                f"present, as {op.operation_id} documents for {status}",
                None,
                "a required header is missing",
            )
        ]
    if isinstance(exc, MissingData):
        return [Mismatch("body", f"the body {op.operation_id} documents for {status}", "no body")]
    return [
        Mismatch(
            "$",
            f"the {status} response {op.operation_id} documents",
            _safe_str(cause)[:300],
        )
    ]


def _safe_str(exc: BaseException) -> str:
    # Some libraries' exceptions fail in __str__ on hostile input (undecodable bytes).
    try:
        return str(exc)
    except Exception:
        return type(exc).__name__
