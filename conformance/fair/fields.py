"""What FAIR compares in an answer: the fields the spec defines, and nothing else.

COMMON C5 lets a platform add fields ("the suite ignores unknown fields");
FAIR's "No field of these operations is volatile" speaks of the fields FAIR
defines. So an answer is *projected* before two answers are compared: only
the members the operation's response schema (for that status) defines are
kept, fields marked ``x-volatile`` are dropped, and money (COMMON ``Money``)
becomes a canonical decimal, since ``"19.9"`` and ``"19.90"`` are one amount
(C5). Of a problem body (RFC 9457) only what describes the problem type is
kept: ``type``, ``title``, ``status`` and ``code``; ``detail`` and
``instance`` describe the occurrence and may differ between two requests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from conformance._harness.bundle import bundle
from conformance._harness.catalogue import Spec

_INDEX = re.compile(r"\[\d+\]")
_OCCURRENCE = frozenset({"detail", "instance"})
_MAX_DEPTH = 32


@dataclass(frozen=True)
class Shape:
    """The JSON paths one response defines (``[*]`` for any index)."""

    fields: frozenset[str]
    """Every defined path, containers included."""
    whole: frozenset[str]
    """Paths whose whole value is compared (no sub-schema to project by)."""
    money: frozenset[str]
    volatile: frozenset[str]

    def project(self, value: Any, path: str = "$") -> Any:
        """``value`` with only the defined, non-volatile fields; money canonical."""
        if path in self.money:
            return canonical_money(value)
        if path in self.whole:
            return value
        if isinstance(value, dict):
            out = {}
            for key, member in value.items():
                child = f"{path}.{key}"
                if child in self.fields and child not in self.volatile:
                    out[key] = self.project(member, child)
            return out
        if isinstance(value, list):
            return [self.project(member, f"{path}[*]") for member in value]
        return value


UNDEFINED = Shape(frozenset({"$"}), frozenset({"$"}), frozenset(), frozenset())
"""For an answer the spec does not describe: compared whole."""


def canonical_money(value: Any) -> Any:
    """A decimal string as its canonical form (``"19.90"`` → ``"19.9"``); anything else as is."""
    if not isinstance(value, str):
        return value
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return value
    return format(amount.normalize(), "f") if amount.is_finite() else value


def pattern(path: str) -> str:
    """A concrete JSON path as a pattern: indexes become ``[*]``."""
    return _INDEX.sub("[*]", path)


def shape_for(spec: Spec, operation_id: str, status: int) -> Shape:
    """The shape of ``operation_id``'s answer with ``status`` (its own, ``NXX`` or ``default``)."""
    return _shape(spec.path, operation_id, status)


@cache
def _shape(path: Any, operation_id: str, status: int) -> Shape:
    document = bundle(path)
    for item in (document.get("paths") or {}).values():
        for op in item.values() if isinstance(item, dict) else ():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return _response_shape(document, op.get("responses") or {}, status)
    return UNDEFINED


def _response_shape(
    document: Mapping[str, Any], responses: Mapping[str, Any], status: int
) -> Shape:
    response = None
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            response = responses[key]
            break
    content = (response or {}).get("content") if isinstance(response, dict) else None
    if not isinstance(content, dict) or not content:
        return UNDEFINED
    walker = _Walker(document)
    for media in content.values():
        if isinstance(media, dict):
            walker.walk(media.get("schema"), "$", 0)
    if not walker.fields:
        return UNDEFINED
    return Shape(
        frozenset(walker.fields),
        frozenset(walker.whole - walker.structured),
        frozenset(walker.money),
        frozenset(walker.volatile),
    )


class _Walker:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.fields: set[str] = set()
        self.whole: set[str] = set()
        self.money: set[str] = set()
        self.volatile: set[str] = set()
        self.structured: set[str] = set()

    def walk(self, schema: Any, path: str, depth: int, problem: bool = False) -> None:
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return
        self.fields.add(path)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name == "Money" or name.endswith("_Money"):
                self.money.add(path)
                return
            self.walk(self._resolve(ref), path, depth + 1, name.endswith("Problem"))
            return
        if schema.get("x-volatile") is True:
            self.volatile.add(path)
            return
        structured = False
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(key) or ():
                structured = True
                self.walk(sub, path, depth + 1, problem)
        for name, sub in (schema.get("properties") or {}).items():
            structured = True
            if not (problem and name in _OCCURRENCE):
                self.walk(sub, f"{path}.{name}", depth + 1)
        if isinstance(schema.get("items"), dict):
            structured = True
            self.walk(schema["items"], f"{path}[*]", depth + 1)
        if structured:
            self.structured.add(path)
        else:
            self.whole.add(path)

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            return None
        node: Any = self.document
        for part in ref[2:].split("/"):
            node = (
                node.get(part.replace("~1", "/").replace("~0", "~"))
                if isinstance(node, dict)
                else None
            )
        return node
