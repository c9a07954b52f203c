"""Validation of exchanges against the specs, behind a small interface.

The probe only knows ``Validator``; ``OpenApiCoreValidator`` implements it
with openapi-core. A faster engine can replace it without touching checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers

from conformance.bundle import bundle
from conformance.catalogue import Catalogue, Spec
from conformance.errors import Mismatch, json_path

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


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
        self, op: Operation, path: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[Mismatch]:
        """Every way the response breaks its operation's definition (empty when valid)."""


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
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status_code = status
        self.data = body
        self.headers = Headers(list(headers.items()))
        self.content_type = self.headers.get("Content-Type", "")


class OpenApiCoreValidator:
    """Validates responses with openapi-core, one ``OpenAPI`` object per spec."""

    def __init__(self, catalogue: Catalogue) -> None:
        config = Config(
            # The specs are validated once by the suite's own tests, not at every run.
            spec_validator_cls=None,  # type: ignore[arg-type]
            extra_media_type_deserializers={
                "application/problem+json": json.loads,
                "application/x-ndjson": lambda b: b,
            },
        )
        self._apis: dict[str, OpenAPI] = {}
        self._routes: list[tuple[re.Pattern[str], str, Operation]] = []
        for spec in catalogue.specs.values():
            self._apis[spec.standard] = OpenAPI.from_dict(bundle(spec.path), config=config)
            self._routes.extend(_routes(spec))
        # Literal segments beat templates: /exports/{id} must not swallow a literal path.
        self._routes.sort(key=lambda r: (r[2].template.count("{"), -len(r[2].template)))

    def find(self, method: str, path: str) -> Operation | None:
        """The operation whose template and method match, literal paths first."""
        for pattern, verb, op in self._routes:
            if verb == method.lower() and pattern.fullmatch(path):
                return op
        return None

    def check_response(
        self, op: Operation, path: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[Mismatch]:
        """Validate status, headers and body; translate openapi-core's errors."""
        media_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if media_type.split(";")[0].strip().lower().endswith("json") and body:
            try:
                json.loads(body)
            except (UnicodeDecodeError, ValueError) as exc:
                return [
                    Mismatch(
                        "$",
                        f"a JSON body, as Content-Type {media_type!r} says",
                        _short(body[:60]),
                        f"the body is not JSON ({_safe_str(exc)})",
                    )
                ]
        api = self._apis[op.standard]
        try:
            api.validate_response(_Request(op.method, path), _Response(status, headers, body))
        except Exception as exc:  # openapi-core raises a zoo of types; all mean "invalid"
            return _mismatches(op, status, exc)
        return []


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
            if isinstance(op, dict):
                operation = Operation(
                    spec.standard, op.get("operationId", f"{method} {template}"), method, template
                )
                routes.append((re.compile(regex), method, operation))
    return routes


def _mismatches(op: Operation, status: int, exc: BaseException) -> list[Mismatch]:
    cause = exc.__cause__ or exc
    schema_errors: Sequence[Any] = getattr(cause, "schema_errors", None) or ()
    if schema_errors:
        return [
            Mismatch(
                path=json_path(list(e.absolute_path)),
                expected=f"{e.validator}: {_short(e.validator_value)}",
                actual=_short(e.instance),
                reason=e.message[:300],
            )
            for e in schema_errors
        ]
    return [
        Mismatch(
            path="$",
            expected=f"a response {op.operation_id} documents for {status}",
            actual=type(cause).__name__,
            reason=str(cause)[:300],
        )
    ]


def _safe_str(exc: BaseException) -> str:
    # Some libraries' exceptions fail in __str__ on hostile input (undecodable bytes).
    try:
        return str(exc)
    except Exception:
        return type(exc).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
