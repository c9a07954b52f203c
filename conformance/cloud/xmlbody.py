"""XML bodies (S3's) read safely and converted to JSON-like values a schema can judge.

The parser is defusedxml's, with DTDs, entities and external references
forbidden and the size bounded: a platform's answer is untrusted input. The
conversion is namespace-insensitive (S3 answers with
``xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`` or none, both conformant)
and gives ``{"RootName": {...}}``: an element with children becomes a
mapping, a leaf its text (whitespace kept: it may be part of a key), and
indentation between elements is ignored. A JSON Schema, when given, says
where a repeated element is an array (even with one occurrence) and where a
leaf's text is an integer or a boolean; without one an element that repeats
is a list. Attributes are not kept (S3's bodies carry none the suite reads).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from conformance._harness.errors import Finding, Mismatch

MAX_XML_BYTES = 16 * 1024 * 1024
"""The largest XML body read (a 1000-key listing of 1024-byte keys is about 1.5 MiB)."""

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_MAX_REF_DEPTH = 32


class XmlError(ValueError):
    """A body that is not acceptable XML, with the reason."""


def parse(
    body: bytes,
    schema: Mapping[str, Any] | None = None,
    *,
    limit: int = MAX_XML_BYTES,
    evidence: Sequence[str] = (),
    what: str = "body",
) -> dict[str, Any]:
    """The XML document as ``{"RootName": value}``, guided by ``schema`` if given.

    ``schema`` is a JSON Schema of the converted value (a component of a spec,
    ``$ref`` into ``$defs`` as ``ComponentSchemas.schema`` returns it). A body
    that is too large, declares a DTD or entities, or is not well-formed raises
    a ``Finding`` whose row says why; ``evidence`` names its exchange.
    """
    try:
        return convert(read(body, limit=limit), schema)
    except XmlError as exc:
        raise Finding(
            f"the {what} is not readable XML",
            mismatches=[Mismatch(what, "a well-formed XML document", _excerpt(body), str(exc))],
            evidence=evidence,
        ) from None


def read(body: bytes, *, limit: int = MAX_XML_BYTES) -> ET.Element:
    """Parse with DTDs, entities and external references forbidden; ``XmlError`` otherwise."""
    if len(body) > limit:
        raise XmlError(f"{len(body)} bytes, more than the {limit} bytes the suite reads as XML")
    try:
        root: ET.Element = SafeET.fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden:
        raise XmlError("it declares a DTD (refused: S3 bodies have none)") from None
    except defusedxml.EntitiesForbidden:
        raise XmlError("it declares entities (refused: they can expand without bound)") from None
    except defusedxml.ExternalReferenceForbidden:
        raise XmlError("it refers to an external resource (refused)") from None
    except ET.ParseError as exc:
        raise XmlError(f"not well-formed ({exc})") from None
    return root


def local_name(tag: str) -> str:
    """A tag without its namespace: ``{http://…}Key`` → ``Key``."""
    return tag.rsplit("}", 1)[-1]


def convert(root: ET.Element, schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``{"RootName": value}`` of an element tree, guided by ``schema`` if given."""
    resolver = _Resolver(schema or {})
    name = local_name(root.tag)
    return {name: _value(root, resolver.member(resolver.root(), name), resolver)}


class _Resolver:
    """Follows ``$ref`` (into ``$defs``) and ``allOf`` to a plain schema node."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def root(self) -> Mapping[str, Any]:
        return self.resolve(self.document)

    def resolve(self, found: Any, depth: int = 0) -> Mapping[str, Any]:
        if not isinstance(found, Mapping) or depth > _MAX_REF_DEPTH:
            return {}
        node: Mapping[str, Any] = found
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, Mapping) else None
            merged = dict(self.resolve(target, depth + 1))
            merged.update({k: v for k, v in node.items() if k != "$ref"})
            node = merged
        parts = node.get("allOf")
        if isinstance(parts, list):
            merged = {k: v for k, v in node.items() if k != "allOf"}
            properties = dict(merged.get("properties") or {})
            for part in parts:
                resolved = self.resolve(part, depth + 1)
                properties.update(resolved.get("properties") or {})
                for key, value in resolved.items():
                    merged.setdefault(key, value)
            merged["properties"] = properties
            node = merged
        return node

    def member(self, node: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            return self.resolve(properties.get(name))
        return {}

    def items(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        return self.resolve(node.get("items"))


def _types(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


def _value(element: ET.Element, node: Mapping[str, Any], resolver: _Resolver) -> Any:
    children = list(element)
    types = _types(node)
    if not children:
        text = element.text or ""
        if "object" in types and not text.strip():
            return {}
        return _scalar(text, types)
    grouped: dict[str, list[ET.Element]] = {}
    for child in children:
        grouped.setdefault(local_name(child.tag), []).append(child)
    out: dict[str, Any] = {}
    for name, elements in grouped.items():
        member = resolver.member(node, name)
        if "array" in _types(member):
            items = resolver.items(member)
            out[name] = [_value(e, items, resolver) for e in elements]
        elif len(elements) > 1:
            out[name] = [_value(e, member, resolver) for e in elements]
        else:
            out[name] = _value(elements[0], member, resolver)
    return out


def _scalar(text: str, types: set[str]) -> Any:
    """A leaf's text as the schema's type says, or the text itself when it does not fit."""
    stripped = text.strip()
    if "integer" in types and _INTEGER.fullmatch(stripped):
        return int(stripped)
    if "number" in types and _NUMBER.fullmatch(stripped):
        number = float(stripped)
        return int(number) if _INTEGER.fullmatch(stripped) else number
    if "boolean" in types and stripped.lower() in _BOOLEANS:
        return _BOOLEANS[stripped.lower()]
    return text


def _excerpt(body: bytes) -> str:
    return body[:120].decode("utf-8", errors="replace")
