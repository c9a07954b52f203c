"""Responses judged by compiled plans: status, media type, headers and body, as openapi-core.

Each (operation, documented status) is compiled once into a plan: its
content's schemas and its headers' schemas (``fast_schema``). A judgement
follows the steps of openapi-core's response validator as the suite calls
it (``validation.py``):

- the response: the status itself, else its ``NXX`` range, else ``default``;
  none of them is invalid;
- the body, when it is looked at and the response documents ``content``: an
  empty one is invalid; otherwise its media type must name a content entry
  exactly (a range such as ``*/*`` is left to openapi-core) and the parsed
  JSON must match that entry's schema;
- each documented header but ``Content-Type``: missing is invalid when
  required; present, its value must match its schema (a ``type: string``
  schema only: openapi-core casts other types, which is left to it).

The answer is ``True`` (valid), ``False`` (invalid) or ``None`` (a case the
plans do not cover). Only ``True`` spares openapi-core: an invalid response
is still worded by it, so a finding reads the same whichever engine ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance._harness.fast_schema import (
    FastSchema,
    SchemaCompiler,
    Untranslatable,
    odd_numbers,
    surrogates,
)

JSON_MEDIA_TYPES = frozenset({"application/json", "application/problem+json"})
"""The media types validation parses as JSON (and hands openapi-core parsed)."""
NOT_PARSED = object()
"""The ``body`` of ``judge`` when the body was not parsed as JSON."""
_HEADER_KEYS = frozenset({"description", "required", "schema", "deprecated", "example", "examples"})
_MEDIA_KEYS = frozenset({"schema", "example", "examples"})


@dataclass(frozen=True)
class _Header:
    name: str
    """Lower-cased."""
    required: bool
    schema: FastSchema


@dataclass(frozen=True)
class _Plan:
    content: Mapping[str, FastSchema | None] | None
    """Media type → its schema (None: no schema); None when the response has no ``content``."""
    headers: tuple[_Header, ...]


class FastResponses:
    """The compiled response plans of one bundled spec, made as they are first needed."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._compiler = SchemaCompiler(document)
        self._plans: dict[tuple[str, str, str], _Plan | Untranslatable] = {}

    def judge(
        self,
        method: str,
        template: str,
        status: int,
        headers: Mapping[str, str],
        media: str | None,
        raw: bytes,
        body: Any = NOT_PARSED,
        *,
        include_body: bool = True,
    ) -> bool | None:
        """Valid (True), invalid (False) or not covered here (None): see the module's docstring.

        ``media`` is the bare media type of the response, ``raw`` its body
        and ``body`` that body parsed as JSON (``NOT_PARSED`` if it was not).
        """
        responses = self._operation(method, template).get("responses") or {}
        key = _response_key(responses, status)
        if key is None:
            return False
        plan = self.plan(method, template, key)
        if isinstance(plan, Untranslatable):
            return None
        if include_body and plan.content is not None:
            if not raw:
                return False
            if media not in plan.content or media not in JSON_MEDIA_TYPES:
                return None
            schema = plan.content[media]
            if schema is not None and (body is NOT_PARSED or surrogates(raw) or odd_numbers(raw)):
                return None
            try:
                if schema is not None and not schema.is_valid(body):
                    return False
            except Exception:  # a value it cannot take in, a format check that raised
                return None
        if plan.headers:
            lowered: dict[str, str] = {}
            for name, value in headers.items():
                lowered.setdefault(name.lower(), value)
            for header in plan.headers:
                found = lowered.get(header.name)
                if found is None:
                    if header.required:
                        return False
                else:
                    try:
                        if not header.schema.is_valid(found):
                            return False
                    except Exception:  # as for a body
                        return None
        return True

    def plan(self, method: str, template: str, key: str) -> _Plan | Untranslatable:
        """The compiled plan of one documented response (``Untranslatable``: left to openapi-core)."""
        slot = (method, template, key)
        if slot not in self._plans:
            response = self._operation(method, template)["responses"][key]
            try:
                self._plans[slot] = self._compile(response)
            except Untranslatable as exc:
                self._plans[slot] = exc
        return self._plans[slot]

    def _operation(self, method: str, template: str) -> Mapping[str, Any]:
        operation: Mapping[str, Any] = self._document["paths"][template][method]
        return operation

    def _compile(self, response: Any) -> _Plan:
        response = self._resolve(response)
        content: dict[str, FastSchema | None] | None = None
        if "content" in response:
            content = {}
            for media, entry in (response["content"] or {}).items():
                entry = self._resolve(entry)
                _only(entry, _MEDIA_KEYS, f"media type {media}")
                content[media] = (
                    self._compiler.compile(entry["schema"]) if "schema" in entry else None
                )
        headers = []
        for name, header in (response.get("headers") or {}).items():
            if name.lower() == "content-type":
                continue
            header = self._resolve(header)
            _only(header, _HEADER_KEYS, f"header {name}")
            schema = header.get("schema")
            if not isinstance(schema, Mapping) or schema.get("type") != "string":
                raise Untranslatable(
                    f"header {name}: not a type: string schema (openapi-core casts)"
                )
            if "default" in schema:
                raise Untranslatable(f"header {name}: a default (openapi-core validates it)")
            headers.append(
                _Header(
                    name.lower(), header.get("required") is True, self._compiler.compile(schema)
                )
            )
        return _Plan(content, tuple(headers))

    def _resolve(self, node: Any) -> Mapping[str, Any]:
        """A response, media type or header object, its ``$ref`` (within the spec) followed."""
        seen = 0
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            if len(node) > 1 or not isinstance(ref, str) or not ref.startswith("#/") or seen > 8:
                raise Untranslatable(f"a $ref openapi-core resolves its own way: {ref!r}")
            node = self._document
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
        if not isinstance(node, Mapping):
            raise Untranslatable(f"not an object: {node!r:.60}")
        return node


def _response_key(responses: Mapping[str, Any], status: int) -> str | None:
    """The documented response for ``status``, as openapi-core's ``ResponseFinder`` finds it."""
    exact = str(status)
    for key in (exact, f"{exact[0]}XX", "default"):
        if key in responses:
            return key
    return None


def _only(node: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    odd = [k for k in node if k not in allowed and not k.startswith("x-")]
    if odd:
        raise Untranslatable(f"{what}: {', '.join(odd)}")
